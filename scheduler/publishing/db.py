"""Opening the queue database: an engine for its URL (SQLite with WAL, or PostgreSQL through psycopg
with keepalives), brought to the latest schema (`migrations`); the tables are in `tables`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..runtime.lease import DEFAULT_TIMEOUT, keepalive_args
from ..support.db_names import shown
from ..support.errors import InputError, RuntimeFailure
from ..support.os_messages import writable_dir
from .db_errors import database_error
from .migrations import migrate


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers (qm status) never block the daemon
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")  # wait for another process's write instead of failing
        cur.close()


def sqlite_path(url: str) -> Path | None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def engine_url(url: str) -> sa.URL:
    """The URL SQLAlchemy gets: `postgresql://` means the psycopg 3 driver (the `.[postgres]` extra)."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_db(url: str, *, migrate_schema: bool = True, lease_timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """An engine for the queue database, migrated to the latest schema. On PostgreSQL its connections
    give up on a silent server within `lease_timeout` seconds, as the lease's own session does."""
    try:
        target = engine_url(url)
    except sa.exc.ArgumentError as exc:
        raise InputError(f"数据库地址无效：{url.split('@')[-1]}（检查配置中的 database，例如 postgresql://用户@主机/库名）") from exc
    path = sqlite_path(url)
    if path is not None:
        writable_dir(path.parent, "数据库目录")
    try:  # a server connection dropped meanwhile (restart, network cut) is found and replaced, not used
        if target.get_backend_name() == "postgresql":
            engine = sa.create_engine(target, pool_pre_ping=True, connect_args=keepalive_args(lease_timeout))
        else:
            engine = sa.create_engine(target)
    except ImportError as exc:
        raise RuntimeFailure(
            f'无法连接 {shown(target)}：没有安装 PostgreSQL 驱动。请安装：pip install -e ".[postgres]"（或 pip install "psycopg[binary]"）'
        ) from exc
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise InputError(f"数据库地址无效：{shown(target)}（检查配置中的 database）") from exc
    if path is not None:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if migrate_schema:
        try:
            migrate(engine)
        except sa.exc.DatabaseError as exc:
            raise database_error(exc, url, shown(target)) from exc
    return engine
