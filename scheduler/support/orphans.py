"""Worker processes die with the process that started them.

A pool's workers (`qm posters`, `qm screen build`, the daemon's drawing child) are killed by the
operating system when their parent dies, however it dies (kill -9 included): on Linux through
`prctl(PR_SET_PDEATHSIG, SIGKILL)`; elsewhere a watchdog thread ends the worker once its parent is
gone. Without this they would live on under PID 1, each holding fonts and images in memory.

`die_with_parent()` is called first thing in each worker (a pool initializer).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 1.0


def die_with_parent() -> None:
    parent = os.getppid()
    if not (sys.platform == "linux" and _linux_death_signal()):
        threading.Thread(target=_watch, args=(parent,), name="qm-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _linux_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        threading.Event().wait(WATCH_SECONDS)
    os._exit(1)
