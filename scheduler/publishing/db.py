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
from ..support.private_files import create, say_tightened, tighten
from .db_errors import database_error
from .migrations import migrate


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers (qm status) never block the daemon
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")  # wait for another process's write instead of failing
        cur.close()


def private_database(path: Path) -> None:
    """The SQLite file holds the console's password hashes and sessions: made readable by its owner alone before
    SQLite opens it (its -wal and -shm files take its permissions); one an earlier qm made readable by others is tightened."""
    create(path)
    say_tightened("数据库文件", tighten(path, Path(f"{path}-wal"), Path(f"{path}-shm")))


def sqlite_path(url: str) -> Path | None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def engine_url(url: str) -> sa.URL:
    """The URL SQLAlchemy gets: `postgresql://` means the psycopg 3 driver (the `.[postgres]` extra)."""
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise InputError(f"数据库地址无效：{url.split('@')[-1]}（检查配置中的 database，例如 postgresql://用户@主机/库名）") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def new_engine(url: str, **options: Any) -> Engine:
    """An engine for a database URL, not connected yet; a driver that is not installed is told in Chinese."""
    target = engine_url(url)
    try:
        return sa.create_engine(target, **options)
    except ImportError as exc:
        if target.get_backend_name() != "postgresql":
            raise RuntimeFailure(f"无法使用数据库 {shown(url)}：没有安装它的驱动（qm 只支持 SQLite 和 PostgreSQL）") from exc
        raise RuntimeFailure(
            f"无法连接 PostgreSQL 数据库 {shown(url)}：没有安装 PostgreSQL 驱动 psycopg。"
            '请在 qm 的目录下运行 .venv/bin/pip install -e ".[postgres]" 安装（见 qm 的 docs/guide/standby.md）'
        ) from exc
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise InputError(f"数据库地址无效：{shown(target)}（检查配置中的 database）") from exc


def open_db(url: str, *, migrate_schema: bool = True, lease_timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """An engine for the queue database, migrated to the latest schema. On PostgreSQL its connections
    give up on a silent server within `lease_timeout` seconds, as the lease's own session does."""
    target = engine_url(url)
    path = sqlite_path(url)
    if path is not None:
        writable_dir(path.parent, "数据库目录")
        private_database(path)
    if target.get_backend_name() == "postgresql":  # a connection dropped meanwhile (restart, network cut) is found and replaced
        engine = new_engine(url, pool_pre_ping=True, connect_args=keepalive_args(lease_timeout))
    else:
        engine = new_engine(url)
    if path is not None:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if migrate_schema:
        try:
            migrate(engine)
        except sa.exc.DBAPIError as exc:
            raise database_error(exc, url, shown(url)) from exc
    return engine
