"""One active daemon per database: a lock, plus the heartbeat that `qm status` reads.

APScheduler 3.x job stores must never be shared by two processes. For a SQLite database the lock
is an OS file lock on `<database>.lock`: the operating system releases it when the process dies,
however it dies. For PostgreSQL it is a lease (`lease.PgLease`, an advisory lock on a session of
its own), which the server frees when the holder dies or is cut off. For another server database
it is the `daemon` row, taken by a conditional UPDATE that only succeeds when the previous holder
stopped or its heartbeat is older than `STALE_AFTER`.

Heartbeats are written on each daemon's clock, and machines' clocks may disagree: none of this depends on
them on SQLite or PostgreSQL. The file lock is freed by the OS, the lease by the database server when the
holder's session ends (its TCP keepalives); a standby takes the lease then, whatever the heartbeats say,
and a claim is fenced on the lease and made by a compare-and-set on the post's state. Heartbeats only tell
people (`qm status`, the console) whether a daemon runs, and `DaemonInfo.alive` does not trust one from the
future (`CLOCK_TOLERANCE`).
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..support.db_names import is_postgresql, shown
from .file_lock import DaemonRunning, try_lock
from .lease import DEFAULT_TIMEOUT, PgLease, lease_held
from .lock_tables import daemon_info, daemons

HEARTBEAT_SECONDS = 15.0
STALE_AFTER = 4 * HEARTBEAT_SECONDS
# A heartbeat is written on its daemon's clock and read on the reader's: up to this much ahead of the reader's
# clock it counts as fresh (clocks a little apart); further ahead, the clocks disagree and it tells nothing.
CLOCK_TOLERANCE = STALE_AFTER


ACTIVE, STANDBY, FORMER = "active", "standby", "former"  # former: was active, another daemon has taken over
ENDED = "ended"  # was active and died without a clean stop: the OS freed its file lock (SQLite), nobody took over
ROLE_LABELS = {ACTIVE: "主服务", STANDBY: "备用服务", FORMER: "原主服务（已被接管）", ENDED: "上次运行的进程"}
FORGET_AFTER = 86400.0  # a stopped or long-dead daemon's row is dropped from the list after a day


@dataclass(frozen=True)
class DaemonInfo:
    pid: int
    host: str
    started: float
    heartbeat: float
    stopped: float | None
    role: str = ACTIVE
    gone: bool = False  # it ran on the reader's machine and its process is no longer there
    took_over: float | None = None  # when it took the lease over as a standby (`started` is its process's start)

    @property
    def ended(self) -> bool:
        """Known to have died without a clean stop (its file lock freed, or its process gone from this machine)."""
        return self.stopped is None and (self.role == ENDED or self.gone)

    def alive(self, now: float) -> bool:
        """Whether it beat lately as seen at `now` (the reader's clock). A heartbeat from further in the future than
        `CLOCK_TOLERANCE` does not count: its daemon's clock runs ahead, and it would look alive that much longer
        after it died (`clock_ahead` says so). Who publishes never depends on this: see `DaemonLock`."""
        return self.stopped is None and not self.ended and -CLOCK_TOLERANCE <= now - self.heartbeat < STALE_AFTER

    def clock_ahead(self, now: float) -> float | None:
        """How far its (running) daemon's clock is at least ahead of `now`'s, when more than `CLOCK_TOLERANCE`."""
        ahead = self.heartbeat - now
        return ahead if self.stopped is None and not self.ended and ahead > CLOCK_TOLERANCE else None


def _info(
    pid: int, host: str, started: float, heartbeat: float, stopped: float | None, role: str = ACTIVE, took_over: float | None = None
) -> DaemonInfo:
    """A daemon as read, `gone` when it ran on this machine and its process is no longer there (told at once,
    not a minute later when its heartbeat is stale)."""
    gone = stopped is None and host == socket.gethostname() and pid != os.getpid() and not _running(pid)
    return DaemonInfo(pid, host, started, heartbeat, stopped, role, gone, took_over)


def read_info(engine: Engine) -> DaemonInfo | None:
    """The lock row: the active daemon (or the last one)."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(daemon_info).where(daemon_info.c.id == 1)).first()
    return _info(row.pid, row.host, row.started, row.heartbeat, row.stopped) if row else None


def read_all(engine: Engine) -> list[DaemonInfo]:
    """Every daemon sharing the database, active first, then by start time."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(daemons).order_by(daemons.c.id)).all()
    found = [_info(r.pid, r.host, r.started, r.heartbeat, r.stopped, r.role, r.took_over) for r in rows]
    return sorted(found, key=lambda d: (d.stopped is not None, d.role != ACTIVE, d.started))


def daemon_running(engine: Engine, now: float) -> bool:
    """Whether an active daemon beats (it sends the notices commands and the console record: `notices_due`), or on
    PostgreSQL holds the lease (its heartbeat may look old here when its machine's clock runs behind this one's)."""
    return any(d.role == ACTIVE and d.alive(now) for d in read_all(engine)) or (is_postgresql(engine) and lease_held(engine))


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
        self.row_id: int | None = None  # this process's row in `daemons`
        self._others_may_live = True  # see `holder_may_live`

    @property
    def _exclusive(self) -> bool:
        """Held by a lock the system frees when the holder dies (file lock or lease), not by the row alone."""
        return self._handle is not None or (self.lease is not None and self.lease.backend is not None)

    def fence(self) -> sa.ColumnElement[bool]:
        """A condition a claim adds: true while this daemon holds the lock."""
        return self.lease.fence() if self.lease is not None else sa.true()

    def acquire(self, now: float) -> None:
        """Become the active daemon, or raise DaemonRunning (a standby uses `try_acquire`)."""
        if self.lease is not None and not self.try_acquire(now):
            raise DaemonRunning(_busy_message(shown(self.engine.url), self._holder() or "?"))
        if self.lease is None:
            self._take(now)

    def try_acquire(self, now: float) -> bool:
        """Take the lease if it is free (PostgreSQL); the caller stays a standby otherwise."""
        assert self.lease is not None
        if not self.lease.try_take():
            return False
        self._take(now)
        return True

    def register(self, now: float, role: str) -> None:
        """Appear in the list of daemons (qm status), or change role there."""
        with self.engine.begin() as conn:
            if role == ACTIVE:  # the lock is exclusive: whoever was active before is not any more
                self._others_may_live = self._others_live(conn)
                others = daemons.c.id != self.row_id if self.row_id is not None else sa.true()
                gone = ENDED if self._handle is not None else FORMER  # a file lock is freed only when its holder is gone
                conn.execute(daemons.update().where(daemons.c.role == ACTIVE, daemons.c.stopped.is_(None), others).values(role=gone))
            if self.row_id is not None:
                took = {"took_over": now} if role == ACTIVE else {}  # a standby taking over
                conn.execute(daemons.update().where(daemons.c.id == self.row_id).values(role=role, heartbeat=now, **took))
                return
            conn.execute(daemons.delete().where(sa.func.coalesce(daemons.c.stopped, daemons.c.heartbeat) < now - FORGET_AFTER))
            values = {"host": socket.gethostname(), "pid": self.pid, "role": role, "started": now, "heartbeat": now}
            self.row_id = int(conn.execute(daemons.insert().values(**values).returning(daemons.c.id)).scalar_one())

    def holder_may_live(self) -> bool:
        """Whether a daemon that held the lock before this one may still be running, a platform call in flight.
        Not behind a file lock (SQLite): the system frees it only when its holder dies. A lease or the lock
        row is lost as well by a process that lives on, cut off from the database: unless every other
        daemon that had not stopped when this one took the lock ran on this machine and is gone."""
        return self.lock_file is None and self._others_may_live

    def _others_live(self, conn: Connection) -> bool:
        mine = daemons.c.id != self.row_id if self.row_id is not None else sa.true()
        rows = conn.execute(sa.select(daemons.c.host, daemons.c.pid).where(daemons.c.stopped.is_(None), mine)).all()
        here = socket.gethostname()
        return any(r.host != here or r.pid == self.pid or _running(r.pid) for r in rows)

    def holds(self) -> bool:
        """Whether this daemon is still the active one (only a lease can be lost while running)."""
        return self.lease is None or self.lease.holds()

    def _take(self, now: float) -> None:
        if self.lock_file is not None:
            self._lock_file(self.lock_file)
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
        self.register(now, ACTIVE)

    def beat(self, now: float) -> None:
        with self.engine.begin() as conn:
            if self.row_id is None or self._exclusive or self.lease is None:
                conn.execute(daemon_info.update().where(daemon_info.c.id == 1, daemon_info.c.pid == self.pid).values(heartbeat=now))
            if self.row_id is not None:
                conn.execute(daemons.update().where(daemons.c.id == self.row_id).values(heartbeat=now))

    def release(self, now: float) -> None:
        """Record a clean stop and let go of the lock."""
        with self.engine.begin() as conn:
            if self._exclusive or self.lease is None:
                conn.execute(daemon_info.update().where(daemon_info.c.id == 1, daemon_info.c.pid == self.pid).values(stopped=now))
            if self.row_id is not None:
                conn.execute(daemons.update().where(daemons.c.id == self.row_id).values(stopped=now))
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
        if not try_lock(handle):
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


def _running(pid: int) -> bool:
    """Whether a process of this machine runs (on Windows it cannot be asked without risk: assumed so)."""
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it runs, under another user
        return True
    return True
