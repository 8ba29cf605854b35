"""Files only the account running qm may read: the queue database and its backups (the console's password hashes
and sessions, the queue), the screens' player key.

qm makes them readable and writable by their owner alone (600), whatever the umask. One an earlier qm made
readable by others (644 under the usual umask) is tightened when qm opens it, and that is said once (it is 600
from then on); a file owned by another account is left as it is (only its owner may change it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from .logs import warn

OTHERS = 0o077  # the group's and everyone's permission bits
log = logging.getLogger("qm.files")


def create(path: Path) -> None:
    """An empty file at `path` that only its owner may read and write, unless a file is there already (SQLite opens
    an empty file as a new database). Another failure is left to the program that opens it next, which says it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with contextlib.suppress(OSError):
        os.close(os.open(path, flags, 0o600))


def tighten(*paths: Path) -> list[Path]:
    """Take the group's and everyone's permissions away from each of `paths` that exists; those that had any."""
    done = []
    for path in paths:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if not mode & OTHERS:
                continue
            os.chmod(path, mode & ~OTHERS)
            if stat.S_IMODE(os.stat(path).st_mode) & OTHERS:  # a file system without modes (vfat, a Windows share)
                continue
        except OSError:  # missing, or another account's: left as it is
            continue
        done.append(path)
    return done


def say_tightened(what: str, paths: list[Path]) -> None:
    """One line for files just tightened (`logs.warn`)."""
    if not paths:
        return
    named = "、".join(str(p) for p in paths[:3]) + (f" 等 {len(paths)} 个文件" if len(paths) > 3 else "")
    warn(log, "private_file_tightened", f"{what} {named} 原来别的账号也能读，已改为只有运行 qm 的账号能读写（权限 600）", files=len(paths))
