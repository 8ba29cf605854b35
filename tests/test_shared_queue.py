"""Two machines filling one PostgreSQL queue at the same moment (a daemon starting or taking over, its
morning refresh, `qm queue`, the web console): each post is added once, and neither fill fails.

Rows that do not exist yet cannot be locked FOR UPDATE, so each test holds the first machine's fill
open right after its first insert (a listener on its real engine) and lets the second one run into it:
no timing, no mocks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import SyncResult, fill
from scheduler.publishing.tables import audit, posts
from scheduler.rendering.payloads import Renderer

from .daemon_helpers import Harness, Recorder, local_campaign, one_day
from .pg_server import PgServer
from .test_daemon import EARLY

NOW = 1_472_700_000.0  # 2016-09-01, the day before the plan's day


@pytest.fixture
def machines(tmp_path: Path, heihe: Campaign, pg_server: PgServer) -> Iterator[tuple[Campaign, Engine, Engine]]:
    """The campaign on a fresh PostgreSQL database, and one engine per machine."""
    name = pg_server.create_database()
    campaign = local_campaign(heihe, tmp_path, pg_server.url(name))
    first, second = open_db(campaign.db_url), open_db(campaign.db_url)
    yield campaign, first, second
    first.dispose()
    second.dispose()
    pg_server.drop_database(name)


def hold_after_first_insert(engine: Engine) -> tuple[threading.Event, threading.Event]:
    """(inserted, release): the first fill on `engine` stops, its transaction open, right after it
    inserted its first post, until `release` is set."""
    inserted, release = threading.Event(), threading.Event()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO POSTS") and not inserted.is_set():
            inserted.set()
            assert release.wait(30)

    sa.event.listen(engine, "after_cursor_execute", after)
    return inserted, release


def waits_for_a_lock(engine: Engine) -> Callable[[], bool]:
    """Whether some session of this database is waiting for a lock another one holds."""
    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")

    def waiting() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    return waiting


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_two_machines_filling_an_empty_queue_at_once_add_each_post_once(
    machines: tuple[Campaign, Engine, Engine], heihe_plan: Plan
) -> None:
    campaign, first, second = machines
    plan = one_day(heihe_plan)
    inserted, release = hold_after_first_insert(first)
    results: dict[str, SyncResult | BaseException] = {}

    def run(name: str, engine: Engine) -> None:
        try:
            results[name] = fill(Queue(engine), campaign, plan, Renderer(campaign), NOW)
        except Exception as exc:  # reported by the assertion below
            results[name] = exc

    one = threading.Thread(target=run, args=("first", first))
    one.start()
    assert inserted.wait(30)
    other = threading.Thread(target=run, args=("second", second))
    other.start()
    wait_for(lambda: waits_for_a_lock(first)() or not other.is_alive())  # the second runs into the first's open fill
    release.set()
    one.join(30)
    other.join(30)

    done = {name: r for name, r in results.items() if isinstance(r, SyncResult)}
    assert set(done) == {"first", "second"}, f"a fill failed: {results}"
    ids = sorted(p.id for p in plan.posts)
    assert sorted(done["first"].added) == ids and done["second"] == SyncResult()  # the second found the queue filled
    with first.connect() as conn:
        rows = conn.execute(sa.select(posts.c.id, posts.c.state)).all()
        added = conn.execute(sa.select(audit.c.post_id).where(audit.c.from_state == "", audit.c.to_state == st.PLANNED)).scalars().all()
    assert sorted(r.id for r in rows) == ids and {r.state for r in rows} == {st.PLANNED}
    assert sorted(added) == ids  # one "加入队列" each


def test_a_daemon_starting_while_another_machine_fills_the_empty_queue_starts(
    machines: tuple[Campaign, Engine, Engine], heihe_plan: Plan
) -> None:
    campaign, first, _ = machines
    h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), EARLY, Recorder())
    inserted, release = hold_after_first_insert(first)  # `qm queue` on the other machine, mid-fill
    console = threading.Thread(target=fill, args=(Queue(first), campaign, h.plan, Renderer(campaign), h.now))
    console.start()
    assert inserted.wait(30)
    daemon, started = h.build(), []
    starting = threading.Thread(target=lambda: started.append(daemon.start()))
    starting.start()
    try:
        wait_for(lambda: waits_for_a_lock(first)() or not starting.is_alive())
        release.set()
        console.join(30)
        starting.join(30)
        assert started == [True] and daemon.scheduler.running  # a failed start raises on its thread and is not running
        assert sorted(p.id for p in h.queue.find()) == sorted(p.id for p in h.plan.posts)
    finally:
        release.set()
        daemon.abandon()
        daemon.queue.engine.dispose()
        h.close()
