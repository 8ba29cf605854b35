"""The active daemon's lease on PostgreSQL: a session advisory lock on a connection of its own.

PostgreSQL releases a session lock the moment the session ends: the process died (its socket
closed), or the connection was cut (terminated by an administrator, or found dead by TCP
keepalives, which are set so a silent machine is noticed within `timeout` seconds). A standby
takes the lock then. The holder checks at each heartbeat that its session still holds the lock,
and every claim is fenced on it (`fence()`): a daemon whose session is gone cannot claim a post
even before it notices, because the claim's UPDATE only matches while that session holds the lock.

A frozen holder (SIGSTOP, a hung process, a paused virtual machine) keeps its socket open and its kernel
answers the keepalives, so the session would live on. The lease session therefore asks the server to end
it once it stays silent for `timeout` seconds (`idle_session_timeout`, PostgreSQL 14 and later), and a
thread of the holder's (`_keep`) uses it several times within that time for as long as the process runs:
a heartbeat held up by a slow sweep does not lose the lease, a frozen process does. A server without the
setting (before 14) cannot end a frozen holder's session: `ends_frozen` is False there.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..inputs.campaign import DaemonConfig

LEASE_KEY = (0x716D, 0x0002)  # (classid, objid) of the advisory lock; 0x716D = "qm"
DEFAULT_TIMEOUT = DaemonConfig.lease_timeout  # config.yaml's daemon.lease_timeout sets it per campaign
IDLE_SETTING = "idle_session_timeout"  # PostgreSQL 14+: the server ends a session silent this long (ms)
KEEP_ROUNDS = 4  # the holder uses its lease session this many times within the timeout


def keepalive_args(timeout: float) -> dict[str, object]:
    """libpq settings so both ends give up on a silent peer within about `timeout` seconds; and a session left in a
    transaction it no longer speaks in (its process frozen between two statements: its row locks would keep a standby's
    takeover waiting for ever) is ended by the server after twice that (`idle_in_transaction_session_timeout`, 9.6+)."""
    idle, interval, count = max(1, int(timeout / 3)), max(1, int(timeout / 6)), 3
    server = f"-c tcp_keepalives_idle={idle} -c tcp_keepalives_interval={interval} -c tcp_keepalives_count={count}"
    server += f" -c tcp_user_timeout={int(timeout * 1000)} -c idle_in_transaction_session_timeout={int(2 * timeout * 1000)}"
    return {
        "keepalives": 1,
        "keepalives_idle": idle,
        "keepalives_interval": interval,
        "keepalives_count": count,
        "tcp_user_timeout": int(timeout * 1000),
        "connect_timeout": max(2, int(timeout / 3)),
        "options": server,
    }


def _lease_locks(backend: int | sa.ColumnElement[int] | None) -> sa.Select[Any]:
    """The sessions holding this database's lease (`backend` only, when given). pg_locks lists the whole server's
    locks and an advisory lock belongs to one database: another campaign's (or `qm simulate`'s) database on the
    same server has a lease of its own, which says nothing about this one."""
    locks = sa.table(
        "pg_locks",
        sa.column("locktype"),
        sa.column("database"),
        sa.column("classid"),
        sa.column("objid"),
        sa.column("pid"),
        sa.column("granted"),
    )
    databases = sa.table("pg_database", sa.column("oid"), sa.column("datname"))
    here = sa.select(databases.c.oid).where(databases.c.datname == sa.func.current_database()).scalar_subquery()
    return sa.select(locks.c.pid).where(
        locks.c.locktype == "advisory",
        locks.c.database == here,
        locks.c.classid == LEASE_KEY[0],
        locks.c.objid == LEASE_KEY[1],
        locks.c.pid == backend if backend is not None else sa.true(),
        locks.c.granted.is_(True),
    )


def _held_by(backend: int | sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """Whether the session `backend` holds the lease."""
    return _lease_locks(backend).exists()


def lease_holder(engine: Engine) -> int | None:
    """The server process of the session holding this database's lease, if any."""
    with engine.connect() as conn:
        holder = conn.execute(_lease_locks(None)).scalar()
    return None if holder is None else int(holder)


def lease_held(engine: Engine) -> bool:
    """Whether an active daemon holds the lease now, as the database server sees it (no machine's clock involved)."""
    return lease_holder(engine) is not None


class PgLease:
    def __init__(self, engine: Engine, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.connect_args = keepalive_args(timeout)
        self._engine = sa.create_engine(engine.url, poolclass=sa.pool.NullPool, connect_args=self.connect_args)
        self._conn: Connection | None = None
        self.backend: int | None = None  # the server process of the session holding the lock
        self.ends_frozen: bool | None = None  # whether the server ends a frozen holder's session (None: not connected yet)
        self._using = threading.RLock()  # the heartbeat and `_keep` share the connection
        self._keeping: threading.Event | None = None  # set to stop `_keep`

    def _connect(self) -> Connection:
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.ends_frozen = conn.execute(sa.select(sa.func.current_setting(IDLE_SETTING, True))).scalar() is not None
        if self.ends_frozen:  # unknown before PostgreSQL 14: setting it there would fail
            conn.execute(sa.select(sa.func.set_config(IDLE_SETTING, str(int(self.timeout * 1000)), False)))
        return conn

    def try_take(self) -> bool:
        """Take the lease if nobody holds it; False if another daemon does (or the server is unreachable)."""
        with self._using:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                got = bool(self._conn.execute(sa.select(sa.func.pg_try_advisory_lock(*LEASE_KEY))).scalar())
                if got:
                    self.backend = int(self._conn.execute(sa.select(sa.func.pg_backend_pid())).scalar_one())
                    self._keep()
                return got
            except sa.exc.DBAPIError:
                self.drop()
                return False

    def _keep(self) -> None:
        """Use the session every `timeout / KEEP_ROUNDS` seconds on a thread of its own while this process runs,
        whatever its heartbeat is busy with; a frozen process stops too, and the server ends its session."""
        if not self.ends_frozen or self._keeping is not None:
            return
        stop = self._keeping = threading.Event()

        def keep() -> None:
            while not stop.wait(self.timeout / KEEP_ROUNDS) and self.holds():
                pass

        threading.Thread(target=keep, name="qm-lease", daemon=True).start()

    def holds(self) -> bool:
        """Whether this session still holds the lease (False once the connection is gone)."""
        with self._using:
            if self._conn is None or self.backend is None:
                return False
            try:
                return bool(self._conn.execute(sa.select(_held_by(sa.func.pg_backend_pid()))).scalar())
            except sa.exc.DBAPIError:
                self.drop()
                return False

    def fence(self) -> sa.ColumnElement[bool]:
        """A condition true only while this daemon's session holds the lease (for claims)."""
        return _held_by(self.backend) if self.backend is not None else sa.false()

    def release(self) -> None:
        with self._using:
            if self._conn is not None and self.backend is not None:
                with contextlib.suppress(sa.exc.DBAPIError):
                    self._conn.execute(sa.select(sa.func.pg_advisory_unlock(*LEASE_KEY)))
            self.drop()

    def drop(self) -> None:
        """Close the session as a dead process's would be closed: the server frees the lease."""
        with self._using:
            if self._keeping is not None:
                self._keeping.set()
                self._keeping = None
            if self._conn is not None:
                with contextlib.suppress(sa.exc.DBAPIError):
                    self._conn.close()
                self._conn = None
            self.backend = None
            self._engine.dispose()
