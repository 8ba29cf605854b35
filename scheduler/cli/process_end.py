"""Ending a short command's process without Python's tear-down of every object it made.

When an interpreter exits, it runs the exit handlers, flushes the standard streams, then tears down:
a full garbage collection over every object (the young generation holds all of them when collecting was
off during the run, as in `qm check` and `qm plan`), clearing each module and freeing what it held. For a
`qm check` after one edit that tear-down is about 15 ms of CPU, a tenth of the command, for nothing: the
system frees the process's memory at once. So a short command, run as a process of its own, does what
matters of an exit itself (exit handlers, which also close what `logging` and `weakref.finalize` hold,
then the standard streams) and ends with `os._exit`. It exits as usual instead when a thread other than
the main one is still running (an exit waits for it) or when a standard stream cannot be flushed (Python
reports that as it always does).
"""

from __future__ import annotations

import atexit
import os
import sys


def end_now(code: int) -> None:
    """End the process with `code` after its exit handlers and the standard streams' flush; returns (and the
    caller exits as usual) only if a thread is still running or a stream cannot be flushed."""
    threading = sys.modules.get("threading")
    if threading is not None and any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        return
    atexit._run_exitfuncs()  # run once: it clears them, so a usual exit after this does not run them again
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)
