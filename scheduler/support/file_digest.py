"""What a file holds, by its content: the identity of a logo, a photograph or a font file wherever it
decides whether a poster (or a post's picture) is current.

Saving a file again with the same bytes (`touch logo.png`, a copy back from a backup) changes its time
but not what any poster shows, so its time must not count. The digest is kept per file under its path,
size, modification time and inode: a file is read once while it is unchanged, and the next asks cost a
stat each (a 30 MB font takes some 20 ms to read once). A file changed in the last moments is read each
time: a file system's clock is coarse, and a second write of the same size within its tick (a few
milliseconds) would leave the same time behind.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

MISSING = "missing"
SETTLED_NS = 2 * 10**9  # a file unchanged for this long is taken as unchanged while its stat is the same

_KNOWN: dict[str, tuple[tuple[int, int, int], str]] = {}  # path -> (size, mtime, inode) and the digest then
_LOCK = threading.Lock()


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes (hex), or `MISSING` when it cannot be read."""
    name = str(path)
    try:
        st = os.stat(name)
    except OSError:
        return MISSING
    state = (st.st_size, st.st_mtime_ns, st.st_ino)
    known = _KNOWN.get(name)
    if known is not None and known[0] == state:
        return known[1]
    try:
        with open(name, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return MISSING
    if time.time_ns() - st.st_mtime_ns > SETTLED_NS:
        with _LOCK:
            _KNOWN[name] = (state, digest)
    return digest
