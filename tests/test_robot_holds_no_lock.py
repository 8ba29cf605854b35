"""A group robot slow to answer holds no write lock: a notice's key is claimed and committed before its robot is
called, so the daemon's heartbeat, a reviewer's approval or another claimer's write goes on meanwhile. Before, the
key was claimed in the transaction that waited for the robot: a write that waited longer than SQLite's busy timeout
failed with "database is locked" (the daemon's heartbeat failing stops the daemon).

The robot here answers only when the test lets it; the other process's writes wait 0.3 s for the write lock instead of
the 10 s `db` sets: a robot hanging longer than the busy timeout (four units' robots timing out take 20 s), shortened."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.publishing import review, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db, sqlite_path
from scheduler.publishing.queue import Queue
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.lock import DaemonLock
from scheduler.support.notify import Notifications
from scheduler.units.reminders import on_demand, send_due, send_now
from scheduler.units.submissions import UnitStatus, recorded, statuses

from .daemon_helpers import Harness, Robot, local_campaign, robot_server
from .test_units import ROBOTS, config, robots
from .test_units_remind import _due_today

__all__ = ["config", "robots"]  # the fixtures, used by name


@contextmanager
def held_robot() -> Iterator[tuple[str, threading.Event, threading.Event, list[dict[str, Any]]]]:
    """A robot that says it got a request (`got`) and answers each once the test lets it (`answer`)."""
    got, answer = threading.Event(), threading.Event()

    class Held(Robot):
        def do_POST(self) -> None:
            got.set()
            answer.wait(30)
            super().do_POST()

    with robot_server(handler=Held) as (url, received):
        try:
            yield url, got, answer, received
        finally:
            answer.set()


def impatient(url: str) -> Engine:
    """Another process's engine on the SQLite database, whose writes wait 0.3 s for the write lock."""
    engine = open_db(url)
    engine.dispose()
    sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout=300"))
    return engine


def _in_thread(work: Any) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()))
    thread.start()
    return thread, out


def _plans_due_today(config: Path) -> tuple[Campaign, Engine, dt.datetime, list[UnitStatus]]:
    """The units' plans due today (the real clock's: `qm units --remind --send` refuses another), as they were sent."""
    campaign = _due_today(config)
    engine, now = open_db(campaign.db_url), dt.datetime.now(campaign.timezone)
    return campaign, engine, now, statuses(campaign, recorded(campaign, engine), now.date())


def test_the_daemons_heartbeat_is_written_while_a_units_robot_is_slow_to_answer(config: Path) -> None:
    campaign, engine, now, found = _plans_due_today(config)
    lock = DaemonLock(impatient(campaign.db_url), None)
    lock.acquire(time.time())
    with held_robot() as (url, got, answer, received):
        env = {f"QM_UNIT_{key}_WEBHOOK": url for key in ROBOTS.values()}
        hourly, sent = _in_thread(lambda: send_due(campaign, engine, found, now, Notifications((), env=env)))
        assert got.wait(10)
        try:
            lock.beat(time.time())  # the daemon's main thread, while its hourly job waits for the robot
        finally:
            answer.set()
            hourly.join(30)
    assert len(sent[0]) == 4 and len(received) == 4
    lock.engine.dispose()
    engine.dispose()


def test_a_unit_is_reminded_once_when_the_daemon_checks_while_remind_send_waits_for_its_robot(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign, engine, today, found = _plans_due_today(config)
    first = next(r for r in on_demand(campaign, found, today.date(), "plan") if r.unit and r.unit.name == "爱辉区")
    with held_robot() as (url, got, answer, received):
        slow = {**env, "QM_UNIT_AIHUI_WEBHOOK": url}
        command, took = _in_thread(lambda: send_now(engine, first, Notifications((), env=slow), time.time()))
        assert got.wait(10)
        daemon = impatient(campaign.db_url)
        try:
            keys = send_due(campaign, daemon, found, today, Notifications((), env=slow))  # its hourly check meanwhile
        finally:
            answer.set()
            command.join(30)
    assert took == [True] and len(received) == 1
    assert sorted(keys) == sorted(f"unit:plan:{u}:{today.date()}" for u in ROBOTS if u != "爱辉区")
    assert [len(robots[u]) for u in ROBOTS] == [0, 1, 1, 1]
    daemon.dispose()
    engine.dispose()


def test_a_reviewer_approves_while_the_morning_list_waits_for_its_robot(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    robot = Notifier("审核群", "wecom", "QM_TEST_ROBOT")
    campaign = dataclasses.replace(local_campaign(heihe, tmp_path), notifiers=(robot,))
    start = dt.datetime(2016, 9, 1, 6, 0, tzinfo=campaign.timezone)
    with held_robot() as (url, got, answer, received):
        h = Harness(campaign, heihe_plan, Renderer(heihe), start, Notifications((robot,), env={"QM_TEST_ROBOT": url}))
        daemon, console = h.build(), Queue(impatient(campaign.db_url))
        try:
            h.fill()
            post = h.queue.find([st.PLANNED])[0]
            morning, _ = _in_thread(lambda: daemon.warnings.remind_reviewers(h.now))
            assert got.wait(10)
            try:  # in the console meanwhile
                assert review.approve(console, post.id, "张科长", h.now, campaign.review, under=review_rules.of(campaign))
            finally:
                answer.set()
                morning.join(30)
            assert "【待审核】" in str(received[0]["body"])
            daemon.warnings.remind_reviewers(h.now + 60)  # once a day
            assert len(received) == 1
        finally:
            console.engine.dispose()
            daemon.queue.engine.dispose()
            h.close()


def test_the_daemon_outlives_a_write_lock_held_past_its_busy_timeout(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    """Another program holding SQLite's write lock (a stuck command, a `sqlite3` shell left in a transaction) made the
    heartbeat fail with "database is locked", which ended the daemon: nothing was published until someone restarted it.
    The beat is skipped and tried again; the posts due meanwhile go out once the lock is let go."""
    campaign = local_campaign(heihe, tmp_path)
    start = dt.datetime(2016, 9, 1, 6, 0, tzinfo=campaign.timezone)
    h = Harness(campaign, heihe_plan, Renderer(heihe), start)
    daemon = h.build()
    sa.event.listen(daemon.queue.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout=300"))
    daemon.queue.engine.dispose()
    h.daemon = daemon
    try:
        daemon.start()
        h.approve_all()
        first = min(p.due for p in h.queue.find([st.APPROVED]))
        holder = sqlite3.connect(str(sqlite_path(campaign.db_url)))
        holder.execute("BEGIN IMMEDIATE")
        try:
            h.clock.set(dt.datetime.fromtimestamp(first, campaign.timezone))
            daemon.beat(h.now)  # the heartbeat meets the lock: skipped and tried at the next, not fatal
            assert not daemon.lost_lease
        finally:
            holder.rollback()
            holder.close()
        h.run_until(dt.datetime.fromtimestamp(first + 3600, campaign.timezone))
        sent = [p for p in h.queue.find([st.PUBLISHED]) if p.due <= first]
        assert sent and all(len(h.ledger.deliveries[p.id]) == 1 for p in sent)
    finally:
        h.close()


def test_the_catch_up_after_a_full_disk_is_owed_until_it_ran_whole(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    """The first beat that writes again after a full disk puts back what was missed (`catch_up`); when the lock of
    another program met it, the next beats only swept, and the jobs missed meanwhile waited for a restart."""
    campaign = local_campaign(heihe, tmp_path)
    h = Harness(campaign, heihe_plan, Renderer(heihe), dt.datetime(2016, 9, 1, 6, 0, tzinfo=campaign.timezone))
    try:
        daemon = h.start()
        ran: list[str] = []
        locked = sa.exc.OperationalError("UPDATE posts", {}, sqlite3.OperationalError("database is locked"))

        def catch_up(now: float) -> None:
            ran.append("catch_up")
            if len(ran) == 1:
                raise locked

        daemon.sweep.catch_up = catch_up  # type: ignore[method-assign]
        daemon.sweep.sweep = lambda now: ran.append("sweep")  # type: ignore[method-assign]
        daemon.shared.disk.full(OSError(28, "No space left on device"), h.now, "测试")
        daemon.beat(h.now)  # writes again: the catch-up meets a lock
        daemon.beat(h.now + 15)
        daemon.beat(h.now + 30)
        assert ran == ["catch_up", "catch_up", "sweep"]
    finally:
        h.close()


def test_only_the_databases_own_lock_error_is_waited_out() -> None:
    from scheduler.publishing.db_errors import is_busy

    locked = sa.exc.OperationalError("UPDATE daemon", {}, sqlite3.OperationalError("database is locked"))
    assert is_busy(locked)
    try:
        try:
            raise locked
        except sa.exc.OperationalError:
            raise KeyError("a bug met while handling it")  # noqa: B904 - its context is the lock error, not its cause
    except KeyError as bug:
        assert not is_busy(bug)  # a bug is raised, not skipped at every beat


def test_a_notice_whose_keys_cannot_be_given_back_raises_its_own_error(tmp_path: Path) -> None:
    """The send failed and the database is locked when its keys would be freed: the send's error is what is raised (the
    keys stay, logged), not the database's over it."""
    import pytest

    from scheduler.publishing import notices_sent

    url = f"sqlite:///{tmp_path / 'qm.db'}"
    open_db(url).dispose()
    engine = impatient(url)
    holder = sqlite3.connect(tmp_path / "qm.db")

    def send() -> bool:
        holder.execute("BEGIN IMMEDIATE")  # another program takes the write lock meanwhile
        raise RuntimeError("机器人没有回应")

    try:
        with pytest.raises(RuntimeError, match="机器人没有回应"):
            notices_sent.send_once(engine, ("k1",), 0.0, send)
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
