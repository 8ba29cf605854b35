"""How a queue database comes to the latest schema: numbered steps in `MIGRATIONS`, each run in its
own transaction, with the `schema_version` table recording how far a database has come. Daemons that
start together on PostgreSQL migrate one at a time (an advisory lock).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..runtime.lock_tables import daemon_info, daemons
from ..support.errors import RuntimeFailure
from .tables import (
    account_log,
    audit,
    campaign_identity,
    login_failures,
    notices,
    notices_due,
    pause_log,
    pauses,
    payload_versions,
    posts,
    print_signoffs,
    review_rules,
    schema_version,
    source_snapshots,
    stage_passes,
    stat_days,
    stat_values,
    submissions,
    users,
    version_sources,
    web_sessions,
)

# A heartbeat's sweep reads posts in a state due before a time: one index answers it without a scan.
# Defined on the table, so a new database gets it with the table; older ones get it from step 5.
POSTS_STATE_AT = sa.Index("ix_posts_state_at", posts.c.state, posts.c.at)


def _index(index: sa.Index) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        index.create(conn, checkfirst=True)

    return step


def _add_column(*columns: sa.Column[object]) -> Callable[[Connection], None]:
    """Add `columns` to their table; a database whose table was created with them already has them."""

    def step(conn: Connection) -> None:
        for column in columns:
            table = column.table
            if column.name not in {c["name"] for c in sa.inspect(conn).get_columns(table.name)}:
                ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
                conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))

    return step


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    def step(conn: Connection) -> None:
        for table in tables:
            table.create(conn)

    return step


def _accounts_kept(conn: Connection) -> None:
    _add_column(users.c.last_login, users.c.must_change)(conn)
    _create(account_log)(conn)


# Ordered, append-only: never edit a released step, add a new one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "queue: posts, payload versions, audit log", _create(posts, payload_versions, audit)),
    (2, "daemon controls: heartbeat, pauses, sent notices", _create(daemon_info, pauses, notices)),
    (3, "console: users, sessions, login failures, review stage passes", _create(users, web_sessions, login_failures, stage_passes)),
    (4, "daemons: every daemon sharing the database, active or standby", _create(daemons)),
    (5, "posts: index on state and time (the sweep reads only posts due soon)", _index(POSTS_STATE_AT)),
    (6, "work summary: statistics, pause history, unit submissions", _create(stat_values, stat_days, pause_log, submissions)),
    (7, "post versions: what each version was made from (content, config, templates)", _create(version_sources, source_snapshots)),
    (8, "unit submissions: why a file cannot be read", _add_column(submissions.c.problem)),
    (9, "review rules: the stages the shared database is reviewed under", _create(review_rules)),
    (10, "review stage passes: the role each stage asked when it was passed", _add_column(stage_passes.c.stage_role)),
    (11, "posts: when qm handed each post to its platform (lateness), apart from when it was published", _add_column(posts.c.sent_at)),
    (12, "notices due: what any process's fill has to tell staff, sent by the daemon", _create(notices_due)),
    (13, "notices due: why the last try failed, when one was given up", _add_column(notices_due.c.failed, notices_due.c.given_up)),
    (14, "campaign identity: which campaign the database holds (another campaign's config is refused)", _create(campaign_identity)),
    (15, "print sign-offs: who signed off which bytes of each print sheet", _create(print_signoffs)),
    (16, "accounts: last sign-in, a password to change at next login, the log of admins' changes", _accounts_kept),
    (17, "daemons: when a standby took over (qm status)", _add_column(daemons.c.took_over)),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


MIGRATION_LOCK = 0x716D_0001  # PostgreSQL advisory lock key: daemons starting together migrate one at a time


def migrate(engine: Engine) -> int:
    """Bring the database to the latest schema, one step per transaction; return the version."""
    if engine.dialect.name != "postgresql":
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
