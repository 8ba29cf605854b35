"""One active daemon per database: a lock, plus the heartbeat that `qm status` reads.

APScheduler 3.x job stores must never be shared by two processes. For a SQLite database the lock
is an OS file lock on `<database>.lock`: the operating system releases it when the process dies,
however it dies. For PostgreSQL it is a lease (`lease.PgLease`, an advisory lock on a session of
its own), which the server frees when the holder dies or is cut off. For another server database
it is the `daemon` row, taken by a conditional UPDATE that only succeeds when the previous holder
stopped or its heartbeat is older than `STALE_AFTER`.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import daemon_info, is_postgresql, shown
from .errors import RuntimeFailure
from .lease import DEFAULT_TIMEOUT, PgLease

HEARTBEAT_SECONDS = 15.0
STALE_AFTER = 4 * HEARTBEAT_SECONDS


class DaemonRunning(RuntimeFailure):
    pass


@dataclass(frozen=True)
class DaemonInfo:
    pid: int
    host: str
    started: float
    heartbeat: float
    stopped: float | None

    def alive(self, now: float) -> bool:
        return self.stopped is None and now - self.heartbeat < STALE_AFTER


def read_info(engine: Engine) -> DaemonInfo | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(daemon_info).where(daemon_info.c.id == 1)).first()
    return DaemonInfo(row.pid, row.host, row.started, row.heartbeat, row.stopped) if row else None


def _busy_message(where: str, pid: int | str) -> str:
    return (
        f"另一个 qm 后台服务（进程 {pid}）正在使用数据库 {where}，同一个数据库只能运行一个后台服务。"
        "用 qm status 查看它的状态；如需重启，请先停止它（Ctrl+C 或 kill 进程号）"
    )


class DaemonLock:
    def __init__(self, engine: Engine, lock_file: Path | None, lease_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = engine
        self.lock_file = lock_file
        self.lease = PgLease(engine, lease_timeout) if is_postgresql(engine) and lock_file is None else None
        self._handle: IO[str] | None = None
        self.pid = os.getpid()

    @property
    def _exclusive(self) -> bool:
        """Held by a lock the system frees when the holder dies (file lock or lease), not by the row alone."""
        return self._handle is not None or (self.lease is not None and self.lease.backend is not None)

    def fence(self) -> sa.ColumnElement[bool]:
        """A condition a claim adds: true while this daemon holds the lock."""
        return self.lease.fence() if self.lease is not None else sa.true()

    def acquire(self, now: float) -> None:
        if self.lock_file is not None:
            self._lock_file(self.lock_file)
        if self.lease is not None and not self.lease.try_take():
            raise DaemonRunning(_busy_message(shown(self.engine.url), self._holder() or "?"))
        with self.engine.begin() as conn:
            values = {"pid": self.pid, "host": socket.gethostname(), "started": now, "heartbeat": now, "stopped": None}
            taken = conn.execute(
                daemon_info.update()
                .where(daemon_info.c.id == 1)
                .where(
                    sa.or_(
                        sa.true() if self._exclusive else sa.false(),
                        daemon_info.c.stopped.is_not(None),
                        daemon_info.c.heartbeat < now - STALE_AFTER,
                    )
                )
                .values(**values)
            ).rowcount
            if not taken:
                row = conn.execute(sa.select(daemon_info.c.pid).where(daemon_info.c.id == 1)).first()
                if row is not None:
                    self._unlock_file()
                    raise DaemonRunning(_busy_message(shown(self.engine.url), row.pid))
                conn.execute(daemon_info.insert().values(id=1, **values))

    def beat(self, now: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(daemon_info.update().where(daemon_info.c.id == 1, daemon_info.c.pid == self.pid).values(heartbeat=now))

    def release(self, now: float) -> None:
        """Record a clean stop and let go of the lock."""
        with self.engine.begin() as conn:
            conn.execute(daemon_info.update().where(daemon_info.c.id == 1, daemon_info.c.pid == self.pid).values(stopped=now))
        self._unlock_file()

    def abandon(self) -> None:
        """Drop the lock as a crashed process would: no clean stop recorded."""
        self._unlock_file()

    def _holder(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(daemon_info.c.pid).where(daemon_info.c.id == 1)).scalar()

    def _lock_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            handle.seek(0)
            pid = handle.read().strip() or "?"
            handle.close()
            raise DaemonRunning(_busy_message(str(path.with_suffix("")), pid))
        handle.seek(0)
        handle.truncate()
        handle.write(str(self.pid))
        handle.flush()
        self._handle = handle

    def _unlock_file(self) -> None:
        if self.lease is not None:
            self.lease.release()
        if self._handle is not None:
            self._handle.close()  # closing the descriptor releases the OS lock
            self._handle = None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
