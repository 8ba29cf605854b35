"""The queue database: engine, tables and versioned migrations.

Times are stored as UTC epoch seconds (REAL) so comparisons work the same on SQLite and PostgreSQL;
they are shown in the campaign timezone. Schema changes are ordered steps in `MIGRATIONS`; the
`schema_version` table records how far a database has come. APScheduler's own table
(`apscheduler_jobs`) lives in the same database and is created by its job store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..runtime.lease import DEFAULT_TIMEOUT, keepalive_args
from ..support.errors import InputError, RuntimeFailure
from ..support.os_messages import writable_dir
from .db_errors import database_error

metadata = sa.MetaData()

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # slot time
    sa.Column("due", sa.Float, nullable=False),  # grace is counted from here (slot time, or when retried)
    sa.Column("next_try", sa.Float),  # when a transient failure is retried
    sa.Column("item", sa.String(120), nullable=False),
    sa.Column("area", sa.String(40), nullable=False, server_default=""),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON
    sa.Column("images", sa.Text, nullable=False, server_default="[]"),  # JSON list of ImageRef
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("receipt", sa.Text),  # JSON Receipt
    sa.Column("approved_by", sa.String(80), nullable=False, server_default=""),
    sa.Column("approved_version", sa.String(32), nullable=False, server_default=""),
    sa.Column("published_at", sa.Float),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Index("ix_posts_state", "state"),
    sa.Index("ix_posts_at", "at"),
)

payload_versions = sa.Table(
    "payload_versions",
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("images", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("post_id", sa.String(80), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=False),  # "" when the post is created
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("why", sa.Text, nullable=False, server_default=""),
)

daemon_info = sa.Table(
    "daemon",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1: one daemon per database
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.String(120), nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("heartbeat", sa.Float, nullable=False),
    sa.Column("stopped", sa.Float),
)

daemons = sa.Table(
    "daemons",  # every daemon process sharing the database, active or standby (for qm status)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("host", sa.String(120), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # "active" or "standby"
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("heartbeat", sa.Float, nullable=False),
    sa.Column("stopped", sa.Float),
)

pauses = sa.Table(
    "pauses",
    metadata,
    sa.Column("channel", sa.String(40), primary_key=True),  # "*" pauses every channel
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

notices = sa.Table(
    "notices",  # staff notifications already sent (deadline reminders), so a restart does not repeat them
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
)

users = sa.Table(
    "users",  # console accounts (qm user add); passwords only as scrypt hashes
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # editor | reviewer | admin
    sa.Column("password", sa.String(200), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("changed", sa.Float, nullable=False),  # password or role changed: older sessions end
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie; the cookie itself is never stored
    sa.Column("user", sa.String(40), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("seen", sa.Float, nullable=False),
)

login_failures = sa.Table(
    "login_failures",  # recent wrong passwords, by account name and by client address (throttling)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(120), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)

stage_passes = sa.Table(
    "stage_passes",  # review stages a post's current version has passed; cleared when it is rejected
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("stage", sa.Integer, primary_key=True),  # index in review.stages
    sa.Column("stage_name", sa.String(40), nullable=False),
    sa.Column("who", sa.String(80), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

stat_values = sa.Table(
    "stat_values",  # one figure of one day; re-asking a day replaces its rows, so a restart never doubles them
    metadata,
    sa.Column("source", sa.String(60), primary_key=True),  # wechat | weibo | screen:<id>
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD in the campaign's timezone
    sa.Column("subject", sa.String(120), primary_key=True),  # account | article msgid | weibo id | screen id
    sa.Column("metric", sa.String(40), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("post_id", sa.String(80), nullable=False, server_default=""),  # matched by the post's receipt
)

stat_days = sa.Table(
    "stat_days",  # how far each source's days are collected: final days are never asked again
    metadata,
    sa.Column("source", sa.String(60), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # final | delay | nodata | error | denied
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fetched", sa.Float, nullable=False),
)

pause_log = sa.Table(
    "pause_log",  # every pause and resume, for the work summary (the pauses table holds only current ones)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),  # pause | resume
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("who", sa.String(80), nullable=False, server_default=""),
    sa.Column("at", sa.Float, nullable=False),
)

submissions = sa.Table(
    "submissions",  # files units sent (plans, summaries), recorded once per content hash
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # plan | summary
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("arrived", sa.Float, nullable=False),  # when the file appeared (its modification time)
    sa.Column("recorded", sa.Float, nullable=False),
    sa.UniqueConstraint("unit", "kind", "sha256", name="uq_submission"),
)

version_sources = sa.Table(
    "version_sources",  # what each version of a post was made from (post_sources.PostSource)
    metadata,
    sa.Column("post_id", sa.String(80), primary_key=True),
    sa.Column("version", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("content", sa.Text, nullable=False),  # the content file, as the user names it
    sa.Column("item", sa.String(64), nullable=False),  # the item's digest
    sa.Column("snapshot", sa.String(64), nullable=False),  # source_snapshots.digest
)

source_snapshots = sa.Table(
    "source_snapshots",  # the config and templates at one time, each key or file by its hash (JSON)
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))


# A heartbeat's sweep reads posts in a state due before a time: one index answers it without a scan.
# Defined on the table, so a new database gets it with the table; older ones get it from step 5.
POSTS_STATE_AT = sa.Index("ix_posts_state_at", posts.c.state, posts.c.at)


def _index(index: sa.Index) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        index.create(conn, checkfirst=True)

    return step


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for table in tables:
            table.create(conn)

    return step


# Ordered, append-only: never edit a released step, add a new one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "queue: posts, payload versions, audit log", _create(posts, payload_versions, audit)),
    (2, "daemon controls: heartbeat, pauses, sent notices", _create(daemon_info, pauses, notices)),
    (3, "console: users, sessions, login failures, review stage passes", _create(users, web_sessions, login_failures, stage_passes)),
    (4, "daemons: every daemon sharing the database, active or standby", _create(daemons)),
    (5, "posts: index on state and time (the sweep reads only posts due soon)", _index(POSTS_STATE_AT)),
    (6, "work summary: statistics, pause history, unit submissions", _create(stat_values, stat_days, pause_log, submissions)),
    (7, "post versions: what each version was made from (content, config, templates)", _create(version_sources, source_snapshots)),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


MIGRATION_LOCK = 0x716D_0001  # PostgreSQL advisory lock key: daemons starting together migrate one at a time


def migrate(engine: Engine) -> int:
    """Bring the database to the latest schema, one step per transaction; return the version."""
    if not is_postgresql(engine):
        return _migrate(engine)
    with engine.connect() as guard:
        guard.execute(sa.select(sa.func.pg_advisory_lock(MIGRATION_LOCK)))
        guard.commit()
        try:
            return _migrate(engine)
        finally:
            guard.execute(sa.select(sa.func.pg_advisory_unlock(MIGRATION_LOCK)))
            guard.commit()


def _migrate(engine: Engine) -> int:
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            schema_version.create(conn)
        version = current_version(conn)
    if version > LATEST:
        raise RuntimeFailure(f"数据库结构版本 {version} 比当前 qm 支持的 {LATEST} 新（请升级 qm，或换用另一个数据库）")
    for number, _what, step in MIGRATIONS:
        if number <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(schema_version.delete())
            conn.execute(schema_version.insert().values(version=number))
        version = number
    return version


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


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def shown(url: str | sa.URL) -> str:
    """A database URL fit for messages: never its password."""
    return sa.make_url(url).render_as_string(hide_password=True)


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
