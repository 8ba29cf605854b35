"""Two machines whose clocks disagree by minutes. A daemon writes its heartbeat on its own clock; a standby and
`qm status` read it on theirs. Who publishes never depends on those clocks: on PostgreSQL the standby takes
the lease the moment the database server frees it (the primary's session ended), not when a heartbeat looks
old, and a claim is fenced on the lease and a compare-and-set on the post's state. Only what people are told
did: a dead primary whose clock ran ahead looked alive as long as it ran ahead, a live one whose clock runs
behind looked dead. The clocks here are the times each daemon is handed (the daemon's clock seam)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.pages.status import status_view
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import audit, posts
from scheduler.runtime.lock import CLOCK_TOLERANCE, HEARTBEAT_SECONDS, STALE_AFTER, STANDBY, DaemonLock, daemon_running
from scheduler.views.daemon_status import NextJob, gather, to_json, to_text

from .pg_server import PgServer
from .test_daemon import TZ

NOW = 1_800_000_000.0  # the standby's (the reader's) clock
SKEW = 600.0  # ten minutes


def _post_due(engine: Engine, at: float) -> None:
    with engine.begin() as conn:
        values = {"channel": "weibo", "at": at, "due": at, "item": "i", "state": st.SCHEDULED, "version": "v", "payload": "{}"}
        conn.execute(posts.insert().values(id="p1", approved_version="v", updated=at, **values))


def _claims(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(audit.c.post_id == "p1", audit.c.to_state == st.PUBLISHING)).scalar_one())


def test_a_standby_takes_over_at_once_when_a_primary_whose_clock_runs_ahead_dies(pg_engine: Engine) -> None:
    primary, standby = DaemonLock(pg_engine, None), DaemonLock(pg_engine, None)
    primary.acquire(NOW + SKEW)
    primary.beat(NOW + SKEW)
    standby.register(NOW, STANDBY)
    assert not standby.try_acquire(NOW)  # what a standby does each round (`Daemon.standby_beat`)
    primary.abandon()  # the primary's machine dies: its heartbeat says it beat "ten minutes from now"
    assert standby.try_acquire(NOW + 1)  # taken over at its next try, not ten minutes (or more) later
    _post_due(pg_engine, NOW)
    assert Queue(pg_engine).claim("p1", "后台服务", NOW + 1, fence=primary.fence()) is None  # the dead one claims nothing
    assert Queue(pg_engine).claim("p1", "后台服务", NOW + 1, fence=standby.fence()) is not None
    assert _claims(pg_engine) == 1
    standby.release(NOW + 2)


def test_a_standby_never_takes_over_from_a_live_primary_whose_clock_runs_behind_and_status_says_why_it_looks_old(
    pg_engine: Engine,
) -> None:
    primary, standby = DaemonLock(pg_engine, None), DaemonLock(pg_engine, None)
    primary.acquire(NOW - SKEW)
    standby.register(NOW, STANDBY)
    _post_due(pg_engine, NOW - SKEW)
    queue = Queue(pg_engine)
    beats = 0.0
    while beats <= 3 * SKEW:  # half an hour of both machines' beats: the primary's heartbeat always looks 10 min old here
        primary.beat(NOW - SKEW + beats)
        assert not standby.try_acquire(NOW + beats)
        standby.beat(NOW + beats)
        assert queue.claim("p1", "后台服务", NOW + beats, fence=standby.fence()) is None
        beats += HEARTBEAT_SECONDS
    assert queue.claim("p1", "后台服务", NOW - SKEW + beats, fence=primary.fence()) is not None
    assert _claims(pg_engine) == 1  # published once, by the primary

    seen_here = gather(pg_engine, NOW + beats)  # `qm status` on the standby's machine
    shown = to_text(seen_here, TZ, {}, 2027)
    assert seen_here.leased and not seen_here.alive  # its heartbeat cannot tell; the server's lease does
    assert "主服务持有租约" in shown and "那台机器的时钟比本机慢" in shown and "NTP" in shown and "无响应！" not in shown
    assert daemon_running(pg_engine, NOW + beats)  # a rejection here is told its notice goes out soon, not "when it starts"
    primary.release(NOW - SKEW + beats)
    standby.release(NOW + beats)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_dead_daemon_whose_clock_ran_ahead_is_not_shown_as_running_and_status_says_the_clocks_disagree(
    database_url: str, tmp_path: Path
) -> None:
    engine = open_db(database_url or f"sqlite:///{tmp_path / 'qm.sqlite3'}")
    lock_file = None if database_url else tmp_path / "qm.sqlite3.lock"
    primary = DaemonLock(engine, lock_file)
    primary.acquire(NOW + SKEW)
    primary.beat(NOW + SKEW)
    primary.abandon()  # died without a clean stop
    status = gather(engine, NOW + 5)
    shown = to_text(status, TZ, {}, 2027)
    assert not status.alive  # it was "alive" for SKEW + STALE_AFTER after it died: forever, were the clock far ahead
    assert "时钟不一致" in shown and "比本机现在晚 9 分钟" in shown and "NTP" in shown and "运行中" not in shown
    assert to_json(status, TZ, {})["daemons"][0]["clock_ahead"] == SKEW - 5

    slightly = DaemonLock(engine, lock_file)  # clocks a little apart (within the tolerance): running, as it is
    slightly.acquire(NOW + CLOCK_TOLERANCE - 10)
    assert gather(engine, NOW).alive and gather(engine, NOW + CLOCK_TOLERANCE - 10 + STALE_AFTER + 1).alive is False
    assert "运行中" in to_text(gather(engine, NOW), TZ, {}, 2027)
    slightly.release(NOW)
    engine.dispose()


def test_status_of_a_stuck_primary_that_holds_the_lease_tells_one_story(pg_engine: Engine) -> None:
    """A primary stopped (SIGSTOP, a machine asleep) keeps its session and so the lease: it is not "not running",
    and the jobs due meanwhile wait for it; staff are told it may be stuck and how to end it."""
    primary = DaemonLock(pg_engine, None)
    primary.acquire(NOW)
    primary.beat(NOW)
    stuck = dataclasses.replace(gather(pg_engine, NOW + 103), next_jobs=[NextJob("refresh", NOW + 30), NextJob("backup", NOW + 600)])
    shown = to_text(stuck, TZ, {}, 2027)
    assert stuck.leased and "主服务持有租约" in shown and "卡住" in shown and f"kill -9 {primary.pid}" in shown
    assert "在本机查看" in shown  # the same machine: not sent to itself by name
    assert "后台服务没有运行" not in shown and "启动后将执行" not in shown
    assert "接下来（持有租约的主服务没有响应" in shown
    assert to_json(stuck, TZ, {})["leased"] is True
    page = status_view(stuck, TZ, [], {}, 2027)
    assert page.overdue_note == "已过时间，主服务没有响应" and [overdue for _, _, overdue in page.next_jobs] == [True, False]
    primary.release(NOW + 104)


def test_a_lease_held_on_another_database_of_the_same_server_says_nothing_about_this_one(pg_server: PgServer) -> None:
    """Advisory locks belong to one database, pg_locks lists the whole server's: a city's and a county's campaign
    (or `qm simulate`'s own database) on one server each have their own lease. The other database's primary
    holding its lease is no stuck primary here, and the simulation never sees (nor cuts) it as its own."""
    from scheduler.simulation.failover_db import lease_holder

    names = [pg_server.create_database() for _ in range(2)]
    other, here = (open_db(pg_server.url(name)) for name in names)
    try:
        elsewhere = DaemonLock(other, None)
        elsewhere.acquire(NOW)
        dead = DaemonLock(here, None)
        dead.acquire(NOW)
        dead.beat(NOW)
        dead.abandon()  # this database's primary died: nobody holds this database's lease
        seen = gather(here, NOW + 300)
        assert not seen.leased and not daemon_running(here, NOW + 300)
        assert "主服务持有租约" not in to_text(seen, TZ, {}, 2027)
        assert lease_holder(here) is None and lease_holder(other) == elsewhere.lease.backend  # type: ignore[union-attr]
        elsewhere.release(NOW + 301)
    finally:
        for engine, name in zip((other, here), names, strict=True):
            engine.dispose()
            pg_server.drop_database(name)
