"""The daemon on a fake clock: publishing, retries, crashes, misfires, pauses, reminders, the lock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import random
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

from scheduler.channels.base import Channel, OutgoingPost, PermanentError, TransientError
from scheduler.channels.fake import CALL_TIMEOUT, Crash, Faults, FaultyChannel
from scheduler.channels.outbox import OutboxChannel
from scheduler.daemon.outcomes import CHECKPOINT_LIMIT
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.runtime import job_table
from scheduler.runtime.clock import FakeClock
from scheduler.runtime.lock import STALE_AFTER, DaemonLock, DaemonRunning, read_info
from scheduler.support.notify import Delivery, Notice
from scheduler.support.values import Receipt
from scheduler.views.daemon_status import gather, to_text

from .daemon_helpers import Harness, Recorder, SpyChannel, killable_fills, local_campaign, one_day

TZ = dt.timezone(dt.timedelta(hours=8))
WEIBO = "20160902-weibo-1000"
WEIBO_AT = dt.datetime(2016, 9, 2, 10, 0, tzinfo=TZ)
EARLY = dt.datetime(2016, 9, 1, 12, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def renderer(heihe: Campaign) -> Renderer:
    return Renderer(heihe)


@pytest.fixture
def harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer, database_url: str) -> Iterator[Harness]:
    h = Harness(local_campaign(heihe, tmp_path, database_url), one_day(heihe_plan), renderer, EARLY, Recorder())
    yield h
    h.close()


@pytest.fixture
def sqlite_harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer) -> Iterator[Harness]:
    h = Harness(local_campaign(heihe, tmp_path), one_day(heihe_plan), renderer, EARLY, Recorder())
    yield h
    h.close()


def _started_and_approved(h: Harness) -> None:
    h.start()
    h.approve_all()
    h.step_at(h.clock.now())  # the sweep schedules approved posts


def sent(h: Harness) -> list[Notice]:
    assert isinstance(h.notifications, Recorder)
    return h.notifications.sent


def test_publishes_each_approved_post_once_at_its_time_into_the_outbox(harness: Harness) -> None:
    h = harness
    outbox = h.campaign.paths.state / "outbox"
    h.channels = {name: SpyChannel(OutboxChannel(name, outbox)) for name in h.channels}
    _started_and_approved(h)
    poster = h.campaign.paths.posters / h.queue.find()[0].images[0].item / "screen-slide-1920x1080.png"
    poster.parent.mkdir(parents=True)
    poster.write_bytes(b"\x89PNG fake")
    h.run_until(WEIBO_AT - dt.timedelta(seconds=1))
    h.step_at(WEIBO_AT - dt.timedelta(seconds=1))
    assert h.state(WEIBO) == st.SCHEDULED
    h.step_at(WEIBO_AT)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHED and post.published_at == WEIBO_AT.timestamp()
    folder = outbox / "weibo" / WEIBO
    assert post.receipt is not None and post.receipt.url == folder.resolve().as_uri()
    assert json.loads((folder / "payload.json").read_text(encoding="utf-8")) == post.payload
    assert json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["version"] == post.version
    h.run_until(dt.datetime(2016, 9, 3, tzinfo=TZ))
    assert {p.state for p in h.queue.find()} == {st.PUBLISHED}
    assert sorted(i for ch in h.channels.values() for i in ch.published) == sorted(p.id for p in h.plan.posts)  # type: ignore[attr-defined]
    screen = outbox / "screen-center" / "20160902-screen-center-0700-1"
    assert [p.name for p in (screen / "images").iterdir()] == ["01-screen-slide-1920x1080.png"]
    assert not [p for p in outbox.rglob(".*")]  # no temporary folders left


def test_audit_log_records_who_moved_a_post_from_plan_to_published(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.step_at(WEIBO_AT)
    trail = [(a.from_state, a.to_state, a.who) for a in h.queue.history(WEIBO)]
    assert trail == [
        ("", st.PLANNED, "排期"),
        (st.PLANNED, st.APPROVED, "张科长"),
        (st.APPROVED, st.SCHEDULED, "后台服务"),
        (st.SCHEDULED, st.PUBLISHING, "后台服务"),
        (st.PUBLISHING, st.PUBLISHED, "后台服务"),
    ]


def test_unapproved_posts_never_go_out_and_are_reported_missed_after_grace(harness: Harness) -> None:
    h = harness
    h.start()
    h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.PLANNED
    h.step_at(WEIBO_AT + dt.timedelta(minutes=121))
    assert h.state(WEIBO) == st.MISSED
    assert h.ledger.first(WEIBO) is None
    assert any(WEIBO in n.title and "仍未审核" in "".join(n.lines) for n in sent(h))


def test_transient_errors_are_retried_with_backoff(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.channels["weibo"].fail_with = [TransientError("平台繁忙", "weibo")]  # type: ignore[attr-defined]
    h.step_at(WEIBO_AT)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.SCHEDULED and post.last_error == "平台繁忙"
    assert post.next_try == WEIBO_AT.timestamp() + 30
    h.step_at(WEIBO_AT + dt.timedelta(seconds=29))
    assert h.state(WEIBO) == st.SCHEDULED
    h.step_at(WEIBO_AT + dt.timedelta(seconds=30))
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHED and post.attempts == 2 and post.last_error == ""
    assert not any(WEIBO in n.title for n in sent(h))


@pytest.mark.parametrize("how", ["paused for days", "down past grace", "late while running"])
def test_a_retry_whose_job_fires_past_the_deadline_fails_instead_of_going_out_late(harness: Harness, how: str) -> None:
    """One transient error, then its channel paused for three days (or the daemon stopped past the grace window, or
    its job ran late while it ran): the retry does not send the post late; it fails as when its retries ran out,
    and staff are told why only as far as it is known."""
    h = harness
    _started_and_approved(h)
    h.channels["weibo"].fail_with = [TransientError("平台繁忙", "weibo")]  # type: ignore[attr-defined]
    h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.SCHEDULED
    if how == "paused for days":
        cli = Queue(open_db(h.campaign.db_url))
        review.pause(cli, "weibo", "李主任", "全国哀悼日", h.now)
        h.step_at(WEIBO_AT + dt.timedelta(minutes=1))  # the retry's job finds the channel paused: it looks again later
        h.step_at(dt.datetime(2016, 9, 5, 9, 0, tzinfo=TZ))
        review.resume(cli, "weibo")
        h.step_at(dt.datetime(2016, 9, 5, 9, 0, 15, tzinfo=TZ))
        said = "暂停发布期间已超过补发时限（120 分钟），不再重试：之前发布 1 次未成功（平台繁忙）"
    elif how == "down past grace":
        h.crash()
        h.clock.set(WEIBO_AT + dt.timedelta(hours=6))
        h.start()
        h.step_at(WEIBO_AT + dt.timedelta(hours=6, seconds=15))
        said = "服务停止期间已超过补发时限（120 分钟），不再重试：之前发布 1 次未成功（平台繁忙）"
    else:  # the service ran all along (config.yaml unreadable, the machine asleep): not said to have stopped
        h.step_at(WEIBO_AT + dt.timedelta(hours=6))
        said = "已超过补发时限（120 分钟），不再重试：之前发布 1 次未成功（平台繁忙）"
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.FAILED and post.last_error == said
    assert h.ledger.first(WEIBO) is None  # never sent late
    told = [n for n in sent(h) if n.title == "【发布失败】" + WEIBO]
    assert len(told) == 1 and f"原因：{said}" in told[0].lines and f"处理后重发：qm retry {WEIBO}" in told[0].lines


def test_a_timeout_after_delivery_is_reconciled_not_resent(harness: Harness) -> None:
    h = harness
    h.channels["weibo"] = SpyChannel(FaultyChannel(h.channels["weibo"], Faults(1.0, random.Random(3)), h.clock))
    _started_and_approved(h)
    rng_roll = h.channels["weibo"].inner.faults.rng  # type: ignore[attr-defined]
    rng_roll.seed(0)  # first roll 0.84: a timeout after delivery
    h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.SCHEDULED and h.ledger.first(WEIBO) is not None
    h.step_at(WEIBO_AT + dt.timedelta(minutes=1))
    assert h.state(WEIBO) == st.PUBLISHED
    assert len(h.ledger.deliveries[WEIBO]) == 1


def test_permanent_errors_and_exhausted_retries_fail_the_post_and_tell_someone(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.channels["weibo"].fail_with = [PermanentError("内容违规（20021）", "weibo")]  # type: ignore[attr-defined]
    h.channels["wechat"].fail_with = [TransientError("超时", "wechat")] * 200  # type: ignore[attr-defined]
    h.run_until(dt.datetime(2016, 9, 3, tzinfo=TZ))
    weibo = h.queue.get(WEIBO)
    assert weibo is not None and weibo.state == st.FAILED and weibo.last_error == "内容违规（20021）"
    wechat = h.queue.get("20160902-wechat-2000")
    assert wechat is not None and wechat.state == st.FAILED
    # Retried for the whole grace window (120 minutes, backoff capped at 5), failed only when it closed.
    assert wechat.attempts > 20 and f"补发时限（120 分钟）内重试 {wechat.attempts} 次仍失败" in wechat.last_error
    failed_at = h.queue.history("20160902-wechat-2000")[-1].at
    assert failed_at == wechat.due + 120 * 60
    titles = [n.title for n in sent(h)]
    assert "【发布失败】" + WEIBO in titles and "【发布失败】20160902-wechat-2000" in titles
    assert any("qm retry " + WEIBO in line for n in sent(h) for line in n.lines)


def test_crash_after_delivery_is_reconciled_at_restart_without_sending_again(harness: Harness) -> None:
    h = harness
    h.channels["weibo"] = SpyChannel(FaultyChannel(h.channels["weibo"], Faults(0.0, random.Random(1), kill_on_call={1: "after"}), h.clock))
    _started_and_approved(h)
    with pytest.raises(Crash):
        h.step_at(WEIBO_AT)
    h.crash()
    assert h.state(WEIBO) == st.PUBLISHING and h.ledger.first(WEIBO) is not None
    h.clock.set(WEIBO_AT + dt.timedelta(minutes=5))
    h.start()  # reconciles at start
    assert h.state(WEIBO) == st.PUBLISHED
    assert len(h.ledger.deliveries[WEIBO]) == 1
    assert h.channels["weibo"].reconciled == [WEIBO]  # type: ignore[attr-defined]
    assert "渠道确认" not in "".join(a.why for a in h.queue.history(WEIBO))


def test_crash_before_delivery_is_sent_once_after_restart(harness: Harness) -> None:
    h = harness
    h.channels["weibo"] = SpyChannel(FaultyChannel(h.channels["weibo"], Faults(0.0, random.Random(1), kill_on_call={1: "before"}), h.clock))
    _started_and_approved(h)
    with pytest.raises(Crash):
        h.step_at(WEIBO_AT)
    h.crash()
    assert h.state(WEIBO) == st.PUBLISHING and h.ledger.first(WEIBO) is None
    h.clock.set(WEIBO_AT + dt.timedelta(minutes=5))
    h.start()
    if h.engine.dialect.name == "postgresql":  # a lease: the crashed daemon's process (this one) lives on, its call might land
        assert h.state(WEIBO) == st.PUBLISHING  # so the platform's timeouts are waited out before "not sent"
        h.step_at(h.clock.now() + dt.timedelta(seconds=CALL_TIMEOUT + CHECKPOINT_LIMIT))
    else:  # a file lock: freed only when its holder died, and its calls with it
        assert h.state(WEIBO) == st.SCHEDULED
        h.step_at(h.clock.now())
    assert h.state(WEIBO) == st.PUBLISHED and len(h.ledger.deliveries[WEIBO]) == 1
    assert any("渠道确认未发出" in a.why for a in h.queue.history(WEIBO))


class Opaque(Channel):
    """A channel that cannot tell whether an interrupted publish went out."""

    name = "weibo"

    def publish(self, post: OutgoingPost) -> Receipt:
        raise AssertionError("must not re-send blindly")

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return None


def test_an_interrupted_publish_the_channel_cannot_confirm_goes_to_a_person(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.crash()
    assert h.queue.claim(WEIBO, "旧进程", WEIBO_AT.timestamp()) is not None  # died right after claiming
    h.channels["weibo"] = Opaque()  # type: ignore[assignment]
    h.clock.set(WEIBO_AT + dt.timedelta(minutes=1))
    h.start()
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.FAILED and "无法确认是否已发出" in post.last_error
    assert any(WEIBO in n.title for n in sent(h))


@pytest.mark.parametrize(("down_for", "expected"), [(dt.timedelta(minutes=119), st.PUBLISHED), (dt.timedelta(minutes=121), st.MISSED)])
def test_a_post_due_while_down_is_published_late_inside_grace_or_marked_missed(
    harness: Harness, down_for: dt.timedelta, expected: str
) -> None:
    h = harness
    _started_and_approved(h)
    h.crash()  # down before 10:00; the job stays in the store
    assert dict(job_table.next_runs(h.engine))[f"post:{WEIBO}"] == WEIBO_AT.timestamp()
    h.clock.set(WEIBO_AT + down_for)
    h.start()
    h.step_at(h.clock.now())
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == expected
    if expected == st.PUBLISHED:
        assert post.published_at == (WEIBO_AT + down_for).timestamp()
        assert not any(WEIBO in n.title for n in sent(h))
    else:
        assert h.ledger.first(WEIBO) is None
        assert "补发时限（120 分钟）" in post.last_error
        assert any(n.title == "【错过发布】" + WEIBO for n in sent(h))


def test_pause_and_resume_take_effect_in_the_running_daemon(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    cli = Queue(open_db(h.campaign.db_url))  # the CLI's own connection, as from another terminal
    review.pause(cli, "weibo", "李主任", "全国哀悼日", h.now)
    h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.SCHEDULED and h.ledger.first(WEIBO) is None
    h.step_at(WEIBO_AT + dt.timedelta(minutes=5))
    assert h.state(WEIBO) == st.SCHEDULED
    review.resume(cli, "weibo")
    h.step_at(WEIBO_AT + dt.timedelta(minutes=5, seconds=15))
    assert h.state(WEIBO) == st.PUBLISHED
    review.pause(cli, None, "李主任", "紧急暂停", h.now)
    h.step_at(dt.datetime(2016, 9, 2, 18, 0, tzinfo=TZ))
    assert h.state("20160902-weibo-1800") == st.SCHEDULED
    review.resume(cli, None)
    h.step_at(dt.datetime(2016, 9, 2, 18, 0, 15, tzinfo=TZ))
    assert h.state("20160902-weibo-1800") == st.PUBLISHED


def test_accepted_posts_are_polled_until_confirmed(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.channels["weibo"].answer = Receipt("accepted", external_id="job-1")  # type: ignore[attr-defined]
    h.step_at(WEIBO_AT)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.ACCEPTED and post.receipt == Receipt("accepted", external_id="job-1")
    h.step_at(WEIBO_AT + dt.timedelta(seconds=60))
    assert h.state(WEIBO) == st.PUBLISHED


def test_deadline_reminders_are_sent_once_even_across_restarts(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer, database_url: str
) -> None:
    campaign = local_campaign(heihe, tmp_path, database_url)
    reminder = heihe_plan.reminders[0]
    h = Harness(campaign, Plan((), (reminder,)), renderer, reminder.at - dt.timedelta(hours=1), Recorder())
    h.start()
    h.step_at(reminder.at)
    h.crash()
    h.start()
    h.step_at(reminder.at + dt.timedelta(minutes=1))
    assert [n.title for n in sent(h)] == [reminder.message]
    assert sent(h)[0].kind == "reminder"
    h.close()


def test_a_second_daemon_on_the_same_sqlite_database_is_refused(sqlite_harness: Harness) -> None:
    h = sqlite_harness
    h.start()
    db = h.campaign.paths.state / "qm.sqlite3"
    second = DaemonLock(open_db(h.campaign.db_url), db.with_name("qm.sqlite3.lock"))
    with pytest.raises(DaemonRunning, match=r"另一个 qm 后台服务.*同一个数据库只能运行一个后台服务"):
        second.acquire(h.now)
    second.release(h.now)
    h.crash()  # the OS releases the lock of a dead process
    second.acquire(h.now)
    second.release(h.now)


def test_stop_lets_a_running_publish_finish(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer, database_url: str
) -> None:
    """Real BackgroundScheduler and clock: stop() waits for the publish in progress."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.daemon import Daemon
    from scheduler.runtime.clock import SystemClock

    class Slow(Channel):
        name = "weibo"

        def __init__(self) -> None:
            self.entered, self.release = threading.Event(), threading.Event()

        def publish(self, post: OutgoingPost) -> Receipt:
            self.entered.set()
            assert self.release.wait(10)
            return Receipt("published", external_id="ok")

        def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
            return None

    campaign = local_campaign(heihe, tmp_path, database_url)
    plan = Plan(tuple(p for p in one_day(heihe_plan).posts if p.id == WEIBO), ())
    h = Harness(campaign, plan, renderer, EARLY)
    h.fill()
    h.approve_all()
    with h.engine.begin() as conn:  # due a moment ago, by the real clock (its slot stays in 2016: a refresh leaves it alone)
        conn.execute(posts.update().values(due=time.time() - 1))
    slow = Slow()
    engine = open_db(campaign.db_url)
    scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, executors={"default": ThreadPoolExecutor(1)})
    daemon = Daemon(campaign, engine, {"weibo": slow}, clock=SystemClock(), scheduler=scheduler, source=lambda: (plan, renderer))
    daemon.start()
    assert slow.entered.wait(10)
    stopper = threading.Thread(target=daemon.stop)
    stopper.start()
    stopper.join(0.3)
    assert stopper.is_alive()  # still waiting for the publish
    slow.release.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert h.state(WEIBO) == st.PUBLISHED


def test_morning_refresh_sends_edited_posts_back_to_review_and_reminds_reviewers(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    first = h.plan.posts[2]  # the 10:00 Weibo post
    assert first.id == WEIBO
    item = first.item
    edited = dataclasses.replace(first, item=dataclasses.replace(item, title=item.title + "（修订）", summary=item.summary + "。"))
    h.plan = Plan(tuple(edited if p.id == WEIBO else p for p in h.plan.posts), ())
    h.step_at(dt.datetime(2016, 9, 2, 6, 0, tzinfo=TZ))  # the daily refresh job fires
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PLANNED and post.approved_by == ""
    assert "需要重新审核" in h.queue.history(WEIBO)[-1].why
    approval = [n for n in sent(h) if n.kind == "approval"]
    back = [n for n in approval if n.title.startswith("【回到待审核】")]  # its approval undone by the edit
    assert (
        len(back) == 1 and "【回到待审核】1 条已审核的内容改了文字或图片" in back[0].title and f"【今天 10:00】{WEIBO}" in back[0].lines[0]
    )
    reminder = [n for n in approval if n not in back]  # and the reviewers' morning reminder
    assert len(reminder) == 1 and "1 条内容" in reminder[0].title and any(WEIBO in line for line in reminder[0].lines)
    h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.PLANNED and h.ledger.first(WEIBO) is None  # not re-approved: not published


def test_a_morning_refresh_missed_while_down_run_after_midnight_leaves_the_reviewers_list_to_that_mornings_refresh(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer
) -> None:
    """Down over the morning of 09-01, started at 00:30 on 09-02: the missed refresh runs at once, but the list for
    reviewers waits for 06:00, the time they look for it (it is 09-02's list, sent once)."""
    h = Harness(local_campaign(heihe, tmp_path), one_day(heihe_plan), renderer, dt.datetime(2016, 8, 31, 12, 0, tzinfo=TZ), Recorder())
    try:
        h.start()
        h.crash()
        h.clock.set(dt.datetime(2016, 9, 2, 0, 30, tzinfo=TZ))
        h.start()
        h.step_at(h.clock.now())  # the missed refresh runs now
        listed = [n for n in sent(h) if n.title.startswith("【待审核】")]
        assert listed == [] and "refresh" in job_table.job_ids(h.engine)
        h.run_until(dt.datetime(2016, 9, 2, 6, 1, tzinfo=TZ))
        listed = [n for n in sent(h) if n.title.startswith("【待审核】")]
        assert len(listed) == 1 and any(WEIBO in line for line in listed[0].lines)
    finally:
        h.close()


def test_the_reviewers_list_owed_by_an_interrupted_morning_is_sent_once_jobs_run_not_before(harness: Harness) -> None:
    """The refresh died midway at 06:00; the daemon started at 06:05 owes the list. Robots out of reach would hold it
    up for their timeouts: posts due at the start must not wait for it, so it is sent with the scheduler running."""
    from apscheduler.schedulers.base import STATE_RUNNING

    h = harness
    running: list[bool] = []

    class Timing(Recorder):
        def deliver(self, notice: Notice, told: Collection[str] = ()) -> Delivery:
            if notice.title.startswith("【待审核】"):
                assert h.daemon is not None
                running.append(h.daemon.scheduler.state == STATE_RUNNING)
            return super().deliver(notice, told)

    h.notifications = Timing()
    armed = killable_fills(h)
    h.start()
    h.step_at(h.clock.now())
    armed.append(True)
    with pytest.raises(Crash):
        h.step_at(dt.datetime(2016, 9, 2, 6, 0, tzinfo=TZ))
    armed.clear()
    h.crash()
    h.clock.set(dt.datetime(2016, 9, 2, 6, 5, tzinfo=TZ))
    h.start()
    assert running == [True]


def test_restart_removes_jobs_of_posts_cancelled_while_down(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.crash()
    review.cancel(h.queue, WEIBO, "王科长", "活动改期", h.now)
    h.start()
    ids = job_table.job_ids(h.engine)
    assert f"post:{WEIBO}" not in ids
    assert {f"post:{p.id}" for p in h.plan.posts if p.id != WEIBO} <= ids and "refresh" in ids


def test_without_a_lock_file_the_daemon_row_is_the_lock(tmp_path: Path) -> None:
    """For a server database: the row is taken only from a stopped daemon or one whose heartbeat went stale."""
    engine = open_db(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    first, second = DaemonLock(engine, None), DaemonLock(engine, None)
    second.pid = os.getppid()  # another process that runs (a pid nothing runs under reads as a daemon gone)
    first.acquire(1000.0)
    first.beat(1030.0)
    with pytest.raises(DaemonRunning):
        second.acquire(1030.0 + STALE_AFTER - 1)
    second.acquire(1030.0 + STALE_AFTER + 1)  # the first stopped beating: presumed dead
    info = read_info(engine)
    assert info is not None and info.pid == second.pid and info.alive(1030.0 + STALE_AFTER + 2)
    second.release(2000.0)
    first.acquire(2001.0)  # a clean stop frees it at once


def test_status_shows_next_jobs_counts_and_recent_failures(harness: Harness) -> None:
    h = harness
    _started_and_approved(h)
    h.channels["weibo"].fail_with = [PermanentError("访问令牌已失效（21332）", "weibo")]  # type: ignore[attr-defined]
    h.run_until(WEIBO_AT)
    report = gather(h.engine, h.now)
    assert report.alive and report.counts[st.FAILED] == 1 and report.counts[st.PUBLISHED] == 2
    assert report.failures[0][:3] == (WEIBO, st.FAILED, "访问令牌已失效（21332）")
    assert report.next_jobs[0].id == "post:20160902-weibo-1800"
    text = to_text(report, TZ, {}, 2016)
    assert "运行中" in text and "09-02 18:00  发布 20160902-weibo-1800" in text and "访问令牌已失效（21332）" in text


class NeverConfirms(Channel):
    """Takes the post (like WeChat's freepublish) and keeps answering "still publishing"."""

    name = "weibo"

    def publish(self, post: OutgoingPost) -> Receipt:
        return Receipt("accepted", external_id="job-9")

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return receipt


def test_an_accepted_post_never_confirmed_goes_to_a_person_after_a_day(harness: Harness) -> None:
    h = harness
    h.channels["weibo"] = NeverConfirms()  # type: ignore[assignment]
    _started_and_approved(h)
    h.run_until(WEIBO_AT + dt.timedelta(hours=23))
    assert h.state(WEIBO) == st.ACCEPTED
    h.run_until(WEIBO_AT + dt.timedelta(hours=25))
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.FAILED and "超过一天仍未确认" in post.last_error
    assert any(n.title == "【发布失败】" + WEIBO for n in sent(h))


def test_status_of_a_stopped_daemon_says_its_jobs_wait_for_a_start_and_names_screen_jobs_in_chinese() -> None:
    from scheduler.views.daemon_status import NextJob, Status

    now = dt.datetime(2016, 9, 2, 12, tzinfo=TZ).timestamp()
    jobs = [NextJob("ahead:center", now + 60), NextJob("ahead:watch", now + 120), NextJob("ahead:gone", now + 180)]
    stopped = Status(now, None, {}, {}, jobs, [])
    text = to_text(stopped, TZ, {"ahead:center": "中心屏：开屏前更新播放列表"}, 2016)
    assert "后台服务没有运行；启动后将执行：" in text and "接下来：" not in text
    assert "中心屏：开屏前更新播放列表" in text and "提前准备海报和播放列表" in text
    assert "gone" not in text  # a screen config.yaml no longer has: the daemon drops its job, it is no work to come
    only_gone = Status(now, None, {}, {}, [NextJob("ahead:gone", now + 180)], [])
    assert "启动后将执行" not in to_text(only_gone, TZ, {}, 2016)  # no heading over an empty list


def test_status_does_not_list_the_publish_job_of_a_cancelled_post(harness: Harness) -> None:
    """Its job stays in the table until it fires (and finds nothing to do) or the daemon starts again."""
    h = harness
    _started_and_approved(h)
    evening = "20160902-weibo-1800"
    job = f"post:{evening}"
    assert job in {j.id for j in gather(h.engine, h.now).next_jobs}
    assert h.queue.move(evening, st.CANCELLED, "张科长", "渠道发布时间改了", h.now)
    assert job in job_table.job_ids(h.engine)
    report = gather(h.engine, h.now, jobs=50)
    assert job not in {j.id for j in report.next_jobs} and [j for j in report.next_jobs if j.id.startswith("post:")]
    assert f"发布 {evening}" not in to_text(report, TZ, {}, 2016)


def test_temporary_outbox_folders_a_killed_daemon_left_are_removed_at_start(sqlite_harness: Harness) -> None:
    h = sqlite_harness
    outbox = h.campaign.paths.state / "outbox"
    h.channels = {name: OutboxChannel(name, outbox) for name in h.channels}  # type: ignore[misc]
    published = outbox / "weibo" / "20160901-weibo-1000"
    published.mkdir(parents=True)
    (published / "metadata.json").write_text("{}", encoding="utf-8")
    empty, half = outbox / "weibo" / f".{WEIBO}.k2j4x9", outbox / "wechat" / ".20160902-wechat-2000.a8f3"
    empty.mkdir(parents=True)
    half.mkdir(parents=True)
    (half / "payload.json").write_text('{"title": "', encoding="utf-8")
    h.start()
    assert not empty.exists() and not half.exists()
    assert (published / "metadata.json").is_file()  # a complete folder is a published post: never touched


def test_the_start_up_message_names_a_coming_post_as_next_never_one_being_marked_missed(sqlite_harness: Harness) -> None:
    from scheduler.cli.daemon_cmds import greeting

    h = sqlite_harness
    _started_and_approved(h)
    h.crash()
    h.clock.set(WEIBO_AT + dt.timedelta(hours=3))  # down through the morning: 10:00 is past its 2-hour grace
    h.start()
    text = greeting(h.campaign, gather(h.engine, h.now), h.queue, h.now)
    assert "下一次发布：2016-09-02 18:00（20160902-weibo-1800）。" in text
    assert "服务停止期间已到发布时间的 3 条内容" in text and "已错过" in text
    h.step_at(h.clock.now())
    assert h.state(WEIBO) == st.MISSED and h.state("20160902-weibo-1800") == st.SCHEDULED


def test_the_start_up_message_after_the_campaign_says_it_is_over_and_how_to_prepare_the_next(sqlite_harness: Harness) -> None:
    from scheduler.cli.daemon_cmds import greeting

    h = sqlite_harness
    h.start()
    text = greeting(h.campaign, gather(h.engine, h.now), h.queue, h.now)
    assert "结束" not in text  # before the campaign: nothing to say of its end
    h.crash()
    h.clock.set(dt.datetime(2016, 10, 1, 8, 0, tzinfo=h.campaign.timezone))  # the day after the end
    h.start()
    text = greeting(h.campaign, gather(h.engine, h.now), h.queue, h.now)
    assert "活动已于 2016-09-30 结束，没有要发布的内容了。" in text and "campaign 的 start、end 和 launch" in text
    assert "下一次发布" not in text


def test_a_kill_after_delivery_waits_for_a_call_that_delivers() -> None:
    class Flaky(Channel):
        name, calls = "weibo", 0

        def publish(self, post: OutgoingPost) -> Receipt:
            self.calls += 1
            if self.calls == 1:
                raise TransientError("平台繁忙", self.name)
            return Receipt("published", external_id=f"x{self.calls}")

        def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
            return None

    faults = Faults(0.0, random.Random(1), kill_on_call={1: "after"})
    channel = FaultyChannel(Flaky(), faults, FakeClock(EARLY))
    post = OutgoingPost(WEIBO, "weibo", WEIBO_AT, "item", "v1", {})
    with pytest.raises(TransientError):
        channel.publish(post)  # nothing delivered: no kill yet, so a requested restart is not lost
    with pytest.raises(Crash):
        channel.publish(post)
    assert faults.kills == 1 and not faults.kill_on_call


def test_every_job_the_daemon_keeps_is_named_in_chinese() -> None:
    from scheduler import jobs as job_targets
    from scheduler.views.daemon_status import NextJob

    ids = [value for name, value in vars(job_targets).items() if name.endswith("_ID")]
    ids += ["post:20160902-wechat-2000", "poll:20160902-wechat-2000", "reminder:launch-eve", "ahead:watch", "ahead:center"]
    assert "stats" in ids
    for job_id in ids:
        label = NextJob(job_id, 0.0).label({})
        assert label.split(" ")[0] and not label.split(" ")[0].isascii(), f"{job_id}: {label}"


def test_a_job_nothing_needs_is_removed_with_its_reason_in_chinese(sqlite_harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    h = sqlite_harness
    daemon = h.start()
    ghost = "post:20160901-ghost-0000"
    daemon.scheduler.add_job("scheduler.jobs:publish_post", "date", run_date=EARLY + dt.timedelta(days=1), id=ghost, args=["ghost"])
    with caplog.at_level(logging.INFO, logger="qm"):
        daemon.sweep.reconcile(h.clock.now().timestamp())
    removed = [r.__dict__["qm_fields"] for r in caplog.records if r.getMessage() == "job_removed"]
    assert removed == [{"job": ghost, "why": "这条内容已不再等待发布或平台确认"}]
    assert ghost not in job_table.job_ids(h.engine)


def test_the_start_up_hints_are_commands_that_work_in_another_window(sqlite_harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Started as README's set-up does (.venv/bin/qm daemon, qm not on PATH), the hints name qm by the path that
    works, as qm init does, and the states by the Chinese names README teaches."""
    from scheduler.cli.daemon_cmds import greeting
    from scheduler.support.commands import qm_command

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    h = sqlite_harness
    h.start()
    text = greeting(h.campaign, gather(h.engine, h.now), h.queue, h.now)
    qm = qm_command()
    assert qm != "qm" and f"{qm} queue --state 待审核，{qm} approve 编号" in text and f"查看状态：{qm} status" in text
    assert "planned" not in text
