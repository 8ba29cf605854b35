"""The active daemon's lease on PostgreSQL: one holder, freed when the holder dies or is cut off, claims fenced on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.db import open_db, posts
from scheduler.lease import PgLease
from scheduler.lock import DaemonLock, DaemonRunning
from scheduler.queue import Queue

from .pg_server import PgServer

NOW = 1_472_700_000.0


@pytest.fixture
def engine(pg_server: PgServer) -> Iterator[Engine]:
    name = pg_server.create_database()
    engine = open_db(pg_server.url(name))
    yield engine
    engine.dispose()
    pg_server.drop_database(name)


def _cut(engine: Engine, lease: PgLease) -> None:
    """Drop the lease holder's connection on the server side, as a network cut or an administrator would."""
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.pg_terminate_backend(lease.backend))).scalar()


def _scheduled_post(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            posts.insert().values(
                id="p1",
                channel="weibo",
                at=NOW,
                due=NOW,
                item="i",
                state="scheduled",
                version="v",
                approved_version="v",
                payload="{}",
                updated=NOW,
            )
        )


def test_one_holder_at_a_time_and_a_dead_holder_frees_the_lease(engine: Engine) -> None:
    first, second = DaemonLock(engine, None), DaemonLock(engine, None)
    first.acquire(NOW)
    with pytest.raises(DaemonRunning, match="另一个 qm 后台服务"):
        second.acquire(NOW + 1)
    first.abandon()  # the process died: its session ends, and with it the lease
    second.acquire(NOW + 2)
    assert second.lease is not None and second.lease.holds()
    second.release(NOW + 3)


def test_a_cut_off_holder_knows_it_and_cannot_claim(engine: Engine) -> None:
    _scheduled_post(engine)
    active, standby = DaemonLock(engine, None), DaemonLock(engine, None)
    active.acquire(NOW)
    assert active.lease is not None
    _cut(engine, active.lease)
    queue = Queue(engine)
    assert queue.claim("p1", "后台服务", NOW, fence=active.fence()) is None  # fenced before it even noticed
    assert not active.lease.holds()
    standby.acquire(NOW + 1)  # taken over at once
    claimed = queue.claim("p1", "后台服务", NOW + 1, fence=standby.fence())
    assert claimed is not None and claimed.attempts == 1
    standby.release(NOW + 2)
