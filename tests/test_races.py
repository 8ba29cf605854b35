"""Races between the running daemon and people (or another process) changing the queue at the same moment.

Each test puts the other writer's change at the exact statement where the race window is, with a
listener on the daemon's real SQLite engine: no timing, no mocks; the daemon code runs as in production.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED

from scheduler import jobs
from scheduler.channels.base import Channel, OutgoingPost, TransientError
from scheduler.daemon import Daemon
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import sqlite_path
from scheduler.publishing.queue import TransitionError
from scheduler.rendering.payloads import Renderer
from scheduler.runtime import job_table
from scheduler.runtime.disk_full import GuardedScheduler
from scheduler.support.values import Receipt

from .daemon_helpers import Harness, Recorder, local_campaign, one_day

TZ = dt.timezone(dt.timedelta(hours=8))
EARLY = dt.datetime(2016, 9, 1, 12, 0, tzinfo=TZ)
WEIBO = "20160902-weibo-1000"
WEIBO_AT = dt.datetime(2016, 9, 2, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def renderer(heihe: Campaign) -> Renderer:
    return Renderer(heihe)


@pytest.fixture
def harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer) -> Iterator[Harness]:
    h = Harness(local_campaign(heihe, tmp_path), one_day(heihe_plan), renderer, EARLY, Recorder())
    yield h
    h.close()


def once_after(engine: sa.Engine, matches: Callable[[str, Any], bool], action: Callable[[], None], *, unlocked: bool = False) -> list[bool]:
    """Run `action` (another writer) once, right after the first statement on `engine` that `matches`
    (`unlocked`: and that ran outside a write transaction, so another writer can get in there)."""
    fired: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if unlocked and cursor.connection.in_transaction:
            return
        if not fired and matches(statement, parameters):
            fired.append(True)
            action()

    sa.event.listen(engine, "after_cursor_execute", after)
    return fired


def reads_approved(statement: str, parameters: Any) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM posts" in statement and st.APPROVED in _values(parameters)


def test_a_post_cancelled_while_the_sweep_schedules_it_leaves_the_daemon_running(harness: Harness) -> None:
    h = harness
    daemon = h.start()
    h.approve_all()
    fired = once_after(daemon.queue.engine, reads_approved, lambda: review.cancel(h.queue, WEIBO, "王科长", "活动改期", h.now))
    daemon.beat(h.now)  # the heartbeat's sweep read WEIBO as approved; it was cancelled before its move
    assert fired
    assert h.state(WEIBO) == st.CANCELLED
    assert {p.state for p in h.queue.find() if p.id != WEIBO} == {st.SCHEDULED}


class Gate(Channel):
    """The real channel behind a gate: publish waits until the test opens it (a slow platform)."""

    def __init__(self, inner: Channel) -> None:
        self.inner, self.name = inner, inner.name
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative
        self.entered, self.opened = threading.Event(), threading.Event()

    def publish(self, post: OutgoingPost) -> Receipt:
        self.entered.set()
        assert self.opened.wait(10)
        return self.inner.publish(post)

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return self.inner.reconcile(post, receipt)

    def longest_attempt(self) -> float:
        return self.inner.longest_attempt()


def inside_the_call(h: Harness, answer: Receipt | None = None, gated: type[Gate] | None = None) -> tuple[Daemon, Gate, threading.Thread]:
    """The daemon claimed WEIBO (its first attempt) and is inside the platform call, on a thread of its own,
    behind a gate (`gated`, a Gate by default); the call answers `answer` (None: the platform's own, published)."""
    h.channels["weibo"].answer = answer  # type: ignore[attr-defined]
    gate = (gated or Gate)(h.channels["weibo"])
    h.channels["weibo"] = gate  # type: ignore[assignment]
    daemon = h.start()
    h.approve_all()
    h.step_at(WEIBO_AT - dt.timedelta(minutes=1))
    h.clock.set(WEIBO_AT)
    publisher = threading.Thread(target=daemon.publish, args=(WEIBO,))
    publisher.start()
    assert gate.entered.wait(10) and h.state(WEIBO) == st.PUBLISHING
    return daemon, gate, publisher


def reads_publishing(statement: str, parameters: Any) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM posts" in statement and st.PUBLISHING in _values(parameters)


def _values(parameters: Any) -> tuple[Any, ...]:
    return tuple(parameters.values()) if isinstance(parameters, dict) else tuple(parameters or ())


def test_a_publish_that_ends_while_the_sweep_looks_for_orphans_is_not_taken_for_one(harness: Harness) -> None:
    h = harness
    gate = Gate(h.channels["weibo"])
    h.channels["weibo"] = gate  # type: ignore[assignment]
    daemon = h.start()
    h.approve_all()
    h.step_at(WEIBO_AT - dt.timedelta(minutes=1))  # scheduled
    h.clock.set(WEIBO_AT)
    publisher = threading.Thread(target=daemon.publish, args=(WEIBO,))  # the scheduler's thread, as in qm daemon
    publisher.start()
    assert gate.entered.wait(10)

    def publish_ends() -> None:
        gate.opened.set()
        publisher.join(10)

    fired = once_after(daemon.queue.engine, reads_publishing, publish_ends)
    daemon.beat(h.now)  # the heartbeat read WEIBO as publishing; its publish ended before the orphan check
    assert fired and not publisher.is_alive()
    assert h.state(WEIBO) == st.PUBLISHED
    assert len(h.ledger.deliveries[WEIBO]) == 1
    assert [e.to_state for e in h.queue.history(WEIBO)].count(st.PUBLISHED) == 1


def reads_post(post_id: str) -> Callable[[str, Any], bool]:
    def matches(statement: str, parameters: Any) -> bool:
        return statement.lstrip().upper().startswith("SELECT") and "FROM posts" in statement and post_id in _values(parameters)

    return matches


def test_a_post_approved_while_the_sweep_marks_it_unreviewed_is_not_reported_missed(harness: Harness) -> None:
    h = harness
    notices = Recorder()
    h.notifications = notices
    daemon = h.start()
    late = WEIBO_AT + dt.timedelta(minutes=h.campaign.channel("weibo").grace_minutes + 1)  # type: ignore[union-attr]
    h.clock.set(late)
    fired = once_after(daemon.queue.engine, reads_post(WEIBO), lambda: review.approve(h.queue, WEIBO, "王科长", h.now))
    daemon.beat(h.now)  # the sweep read WEIBO as unreviewed; it was approved before its move to missed
    assert fired
    post = h.queue.get(WEIBO)
    assert post is not None and post.approved_version == post.version
    assert [e.to_state for e in h.queue.history(WEIBO)].count(st.MISSED) <= 1
    assert not [n for n in notices.sent if WEIBO in n.title and "仍未审核" in "".join(n.lines)]


def test_a_retry_racing_an_edit_sends_the_post_back_to_review_not_to_a_dead_end(harness: Harness) -> None:
    h = harness
    h.fill()
    review.approve(h.queue, WEIBO, "王科长", h.now)
    h.queue.move(WEIBO, st.SCHEDULED, "后台服务", "排入发布计划", h.now)
    h.queue.move(WEIBO, st.MISSED, "后台服务", "服务停止期间错过发布时间", h.now)
    first = next(p for p in h.plan.posts if p.id == WEIBO)
    edited = dataclasses.replace(first, item=dataclasses.replace(first.item, title=first.item.title + "（修订）"))
    h.plan = Plan(tuple(edited if p.id == WEIBO else p for p in h.plan.posts), ())
    # The words change the first moment another writer can get in: right after retry read the post,
    # unless retry holds the post's write lock from that read on (then just after it).
    fired = once_after(h.engine, reads_post(WEIBO), h.fill, unlocked=True)
    review.retry(h.queue, WEIBO, "王科长", h.now)
    if not fired:
        h.fill()
    post = h.queue.get(WEIBO)
    assert post is not None and post.version != post.approved_version
    assert post.state == st.PLANNED  # waits for review of the new words, as qm queue says; approved, it could never go out


def reads_window(statement: str, parameters: Any) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM posts" in statement and "posts.at >=" in statement


def test_words_edited_while_the_daemon_schedules_the_approved_post_send_it_back_to_review(harness: Harness) -> None:
    h = harness
    h.fill()
    review.approve(h.queue, WEIBO, "王科长", h.now)
    first = next(p for p in h.plan.posts if p.id == WEIBO)
    edited = dataclasses.replace(first, item=dataclasses.replace(first.item, title=first.item.title + "（修订）"))
    h.plan = Plan(tuple(edited if p.id == WEIBO else p for p in h.plan.posts), ())

    def daemon_schedules() -> None:  # the heartbeat's sweep: approved -> scheduled
        h.queue.advance(WEIBO, st.APPROVED, st.SCHEDULED, "后台服务", "排入发布计划", h.now)

    # The sweep gets in the first moment it can: right after the refresh read the queue, unless the
    # refresh holds the write lock from its read on (then just after it).
    fired = once_after(h.engine, reads_window, daemon_schedules, unlocked=True)
    h.fill()  # the console saved the edit (or qm queue, or the morning refresh)
    if not fired:
        daemon_schedules()
    post = h.queue.get(WEIBO)
    assert post is not None and post.payload["text"].find("（修订）") > 0
    assert post.state == st.PLANNED and post.approved_version != post.version  # never out with the words withdrawn


@pytest.mark.parametrize("answer", [None, Receipt("accepted", external_id="pub-7", data={"publish_id": "pub-7"})])
def test_a_publish_that_ends_after_a_takeover_gave_the_post_up_still_records_what_went_out(
    harness: Harness, answer: Receipt | None
) -> None:
    """A daemon cut off from the database finishes the publish it had begun; meanwhile the daemon that took
    over could not tell whether it went out and failed it for a person to check. What the platform
    answered must still be recorded: published, or its publish_id, so that qm retry refuses to send it again."""
    h = harness
    _daemon, gate, publisher = inside_the_call(h, answer)
    gave_up = "发布过程中服务中断，无法确认是否已发出：请到平台核实，确实未发出的用 qm retry 重发"
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.FAILED, "后台服务", gave_up, h.now)  # the other daemon's reconcile
    gate.opened.set()
    publisher.join(10)
    post = h.queue.get(WEIBO)
    assert post is not None and post.receipt is not None
    if answer is None:
        assert post.state == st.PUBLISHED
    else:
        assert post.state == st.FAILED and post.receipt.data["publish_id"] == "pub-7"
        with pytest.raises(TransitionError, match="不能重发"):
            review.retry(h.queue, WEIBO, "王科长", h.now)
    assert len(h.ledger.deliveries[WEIBO]) == 1


def test_a_heartbeat_while_the_one_worker_makes_up_overdue_posts_leaves_their_jobs_alone(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """As `qm daemon` runs: APScheduler hands every overdue post to its one worker (the jobs leave the job
    table), the worker publishes them one by one. A heartbeat meanwhile must not take a post waiting
    for the worker for one whose job was lost: re-added, APScheduler would log it skipped (the job is
    in hand), and the next line would show it published."""
    h = harness
    overdue = ["20160902-screen-center-0700-1", "20160902-screen-center-0700-2"]
    gate = Gate(h.channels["screen:center"])
    h.channels["screen:center"] = gate  # type: ignore[assignment]
    h.fill()
    h.approve_all()
    h.clock.set(dt.datetime(2016, 9, 2, 7, 5, tzinfo=TZ))  # the daemon starts late, within the screen's on-hours
    engine = h.engine
    daemon = _with_one_worker(h)
    with caplog.at_level(logging.WARNING, logger="apscheduler"):
        daemon.start()  # both jobs are due at once: the first is published, the second waits for the worker
        try:
            assert gate.entered.wait(10)  # the first is being sent; APScheduler hands the second over next
            assert _left_the_table(engine, overdue)  # both in the worker's hands
            daemon.beat(h.now)
            _left_the_table(engine, overdue)  # a job re-added by the heartbeat is handed over (and refused) at once
            deadline = time.monotonic() + 10
            gate.opened.set()
            while {h.state(p) for p in overdue} != {st.PUBLISHED} and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            gate.opened.set()
            daemon.stop()
    assert {h.state(p) for p in overdue} == {st.PUBLISHED}
    assert [len(h.ledger.deliveries[p]) for p in overdue] == [1, 1]
    # nothing skipped (APScheduler's words for a job refused as already in hand); the test's other posts of the
    # day, overdue by the real clock, may meet the scheduler's shutdown, which says something else
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler") and "skipped" in r.getMessage()]


def _left_the_table(engine: sa.engine.Engine, posts: list[str], wait: float = 10) -> bool:
    """True once none of the posts' jobs is in APScheduler's job table (it removes each just after handing it over)."""
    deadline = time.monotonic() + wait
    while job_table.job_ids(engine, [jobs.publish_id(p) for p in posts]):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _with_one_worker(h: Harness) -> Daemon:
    """The daemon as `qm daemon` builds it: APScheduler's real scheduler with its one publishing worker."""
    scheduler = GuardedScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=h.engine)}, executors={"default": ThreadPoolExecutor(1)}, timezone=TZ
    )
    db = sqlite_path(h.campaign.db_url)
    assert db is not None
    source = lambda: (h.plan, h.renderer)  # noqa: E731
    return Daemon(
        h.campaign, h.engine, dict(h.channels), clock=h.clock, scheduler=scheduler, source=source, lock_file=db.with_name(db.name + ".lock")
    )


class BusyThenRefused(Gate):
    """The platform is busy: after the gate opens, the send fails in a way qm retries later (a new job)."""

    def publish(self, post: OutgoingPost) -> Receipt:
        self.entered.set()
        assert self.opened.wait(10)
        raise TransientError("平台繁忙，请稍后再试", self.name)


def test_stopping_while_a_publish_schedules_its_retry_does_not_hang(harness: Harness) -> None:
    """Ctrl+C while a post is being sent: the send fails and would schedule a retry just as APScheduler's
    shutdown holds its job table and waits for that very job. The daemon must stop (the next start
    schedules the retry from the queue), not wait for ever."""
    h = harness
    post_id = "20160902-screen-center-0700-1"
    gate = BusyThenRefused(h.channels["screen:center"])
    h.channels["screen:center"] = gate  # type: ignore[assignment]
    h.fill()
    h.approve_all()
    h.clock.set(dt.datetime(2016, 9, 2, 7, 5, tzinfo=TZ))
    daemon = _with_one_worker(h)
    daemon.start()
    assert gate.entered.wait(10)  # the send is under way
    stopping = threading.Thread(target=daemon.stop, daemon=True)
    stopping.start()
    deadline = time.monotonic() + 10
    while daemon.scheduler.state != STATE_STOPPED and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # the shutdown began: it now takes the job table's lock and waits for the running job
    gate.opened.set()  # the send fails: a retry would be scheduled now
    stopping.join(20)
    assert not stopping.is_alive(), "the daemon did not stop"
    assert h.state(post_id) == st.SCHEDULED  # its retry waits in the queue: the next start schedules it
