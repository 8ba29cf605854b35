"""The failover simulation's dedicated PostgreSQL database, seen from outside the daemons: it must be
empty before and is emptied after (the queue's tables and APScheduler's job table); who holds the
primary lease, waiting for a killed holder's lease to be freed, and cutting the holder's session."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..publishing.db import open_db
from ..publishing.tables import metadata, posts
from ..runtime import job_table, lock_tables
from ..runtime.lease import lease_holder
from ..support.db_names import shown
from ..support.errors import InputError, RuntimeFailure

LEASE_FREED_WITHIN = 30.0  # real seconds: a dead session's lease is freed in milliseconds; longer is a failure


def wait_lease_freed(engine: Engine) -> None:
    deadline = time.monotonic() + LEASE_FREED_WITHIN
    while lease_holder(engine) is not None:
        if time.monotonic() > deadline:
            raise RuntimeFailure(f"被杀掉的主服务的租约 {LEASE_FREED_WITHIN:.0f} 秒后仍未被数据库释放")
        time.sleep(0.01)


def cut(engine: Engine) -> None:
    """Drop the lease holder's session on the server, as a network cut would; the process runs on."""
    holder = lease_holder(engine)
    if holder is None:
        raise RuntimeFailure("要切断主服务的数据库连接，却没有找到持有租约的会话")
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_terminate_backend(holder)))


def require_empty(url: str) -> None:
    try:
        engine = open_db(url, migrate_schema=False)
    except RuntimeFailure as exc:  # a URL given on the command line: bad input
        raise InputError(f"--database {exc}") from exc
    try:
        if engine.dialect.name != "postgresql":
            raise InputError(f"--database 必须是 PostgreSQL 地址（postgresql://…），而不是 {shown(url)}")
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("posts") and conn.execute(sa.select(sa.func.count()).select_from(posts)).scalar():
                raise InputError(f"数据库 {shown(url)} 里已有内容：模拟需要一个专用的空数据库（createdb qm_sim），模拟结束后会清空")
        empty(url)
    except sa.exc.DBAPIError as exc:  # no server, no such database or role, no rights: told, and exit 1, as for config.yaml
        from ..publishing.postgres_errors import OPTION, postgres_error

        raise postgres_error(exc, url, OPTION) from exc
    finally:
        engine.dispose()


def empty(url: str) -> None:
    engine = open_db(url, migrate_schema=False)
    with engine.begin() as conn:
        job_table.drop(conn)
        metadata.drop_all(conn)
        lock_tables.metadata.drop_all(conn)
    engine.dispose()


def empty_after(url: str, failing: bool) -> str:
    """Empty the database after a run, however it ended. When the server itself is gone while the run is `failing`,
    the run's own error says why; this one would only hide it. After a run that succeeded, what is wrong (for the
    command line to say): the tables left would make the next run refuse the database."""
    try:
        empty(url)
    except sa.exc.DBAPIError as exc:
        if failing:
            return ""
        from ..publishing.postgres_errors import OPTION, postgres_error

        why = str(postgres_error(exc, url, OPTION)).rstrip("。")
        return (
            f"模拟已完成，但没能清空数据库 {shown(url)}：{why}。"
            "下次模拟前先清空它（dropdb 后重新 createdb），否则下次模拟会因为数据库里已有内容而拒绝运行"
        )
    return ""
