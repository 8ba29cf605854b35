"""The OS file lock a SQLite database's daemon (and a maintenance command) holds on `<database>.lock`: the operating
system releases it when its holder's process ends, however it ends (see `lock.DaemonLock`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..support.errors import RuntimeFailure


class DaemonRunning(RuntimeFailure):
    pass


@contextmanager
def held_file_lock(path: Path, where: str) -> Iterator[None]:
    """Hold a SQLite database's daemon lock for a maintenance command; DaemonRunning while a daemon runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        if not try_lock(handle):
            handle.seek(0)
            pid = handle.read().strip() or "?"
            raise DaemonRunning(f"后台服务（进程 {pid}）正在使用数据库 {where}：请先停止它（Ctrl+C 或 kill {pid}），再恢复备份")
        yield


if sys.platform == "win32":
    import msvcrt

    def try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

else:
    import fcntl

    def try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
