"""A rejection (`qm reject`, the console) is told to staff by the daemon: the rejecting process needs no robot
address, says whether a daemon runs to send the notice now, and a robot that failed gets it at a later
heartbeat; never twice. Real SQLite (and PostgreSQL), real HTTP to the tests' group-robot server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.publishing import notices_due, review, review_notices
from scheduler.publishing import states as st
from scheduler.publishing.queue import Post, Queue
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.lock import ACTIVE, DaemonLock
from scheduler.support.notify import Notifications, wecom_body

from .conftest import run_qm
from .daemon_helpers import Harness, local_campaign, one_day, robot_server
from .test_daemon import EARLY

REAL_CLOCK = True  # `qm reject` on the real time: on the rehearsal clock it refuses a database a daemon ran on
START = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the default config's month lies ahead
HOOK = "QM_WECOM_WEBHOOK"  # the project config's notifier (宣传工作群), subscribed to every kind of notice
REFUSED = {"errcode": 93000, "errmsg": "invalid webhook url"}


def _stop(h: Harness) -> None:
    """Stop the daemon as `qm daemon` stops (its row says it stopped), whatever its clock says."""
    assert h.daemon is not None
    h.daemon.stop()
    h.close()


def _rejected(received: list[dict[str, object]]) -> list[object]:
    return [r["body"] for r in received if "【退回】" in str(r["body"])]


def _notice(campaign: Campaign, post: Post, stage: str, reason: str, who: str) -> dict[str, object]:
    """The rejection notice as the robot gets it."""
    told = {"post": post.id, "item": post.item, "channel": post.channel, "at": post.at, "stage": stage, "reason": reason, "who": who}
    return wecom_body(review_notices.rejection(campaign, told))


def test_qm_reject_needs_no_robot_address_and_the_daemon_tells_it_once_again_to_a_robot_that_failed(
    project: Callable[..., Path],
) -> None:
    config = project()
    ctx = Context(config)
    first = Harness(ctx.campaign, ctx.plan, ctx.renderer, START)
    first.start()  # fills the queue, then stops: no daemon runs when the post is rejected
    _stop(first)
    post, other = [p for p in Queue(ctx.engine).find([st.PLANNED]) if p.channel == "weibo"][:2]
    done = run_qm("reject", post.id, "--reason", "标题需要修改", "--by", "王科长", "-c", config)  # no robot address here
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"已退回 {post.id}：标题需要修改", review_notices.TOLD_LATER]

    with robot_server(REFUSED) as (refusing, refused), robot_server() as (fixed, received):
        env = {HOOK: refusing}
        h = Harness(ctx.campaign, ctx.plan, ctx.renderer, START, Notifications(ctx.campaign.notifiers, env=env))
        h.start()  # its first sweep sends it: the robot refuses
        assert len(_rejected(refused)) == 1 and received == []
        env[HOOK] = fixed
        h.step_at(START + dt.timedelta(seconds=notices_due.RETRY_SECONDS))
        h.crash()
        h.start()  # a restart does not tell it again
        h.step_at(START + dt.timedelta(seconds=notices_due.RETRY_SECONDS * 3))
        _stop(h)
    expected = _notice(ctx.campaign, post, "审核", "标题需要修改", "王科长")
    assert _rejected(received) == [expected] and len(_rejected(refused)) == 1
    assert f"【退回】{post.id}" in str(expected) and "原因：标题需要修改" in str(expected) and post.item in str(expected)

    beating = DaemonLock(ctx.engine, None)
    beating.register(time.time(), ACTIVE)  # a daemon beats now: it sends the notice within a heartbeat
    again = run_qm("reject", other.id, "--reason", "配图不清楚", "--by", "王科长", "-c", config)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"已退回 {other.id}：配图不清楚", review_notices.TOLD_SOON]
    ctx.close()


def test_qm_reject_says_nobody_is_told_when_no_group_takes_review_notices(project: Callable[..., Path]) -> None:
    """Without a notifier subscribed to review notices the person who rejected must tell the editor: no promise of a notice."""
    only_failures = "    webhook_env: QM_WECOM_WEBHOOK\n    events: [failure]\n"
    config = project(lambda t: t.replace("    webhook_env: QM_WECOM_WEBHOOK\n", only_failures))
    ctx = Context(config)
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, START)
    h.start()
    _stop(h)
    post = next(p for p in Queue(ctx.engine).find([st.PLANNED]) if p.channel == "weibo")
    done = run_qm("reject", post.id, "--reason", "标题需要修改", "--by", "王科长", "-c", config)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"已退回 {post.id}：标题需要修改", review_notices.TOLD_NOBODY]
    ctx.close()


def test_a_rejection_is_recorded_with_its_notice_and_the_daemon_sends_it_at_its_next_heartbeat(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    robots = (Notifier("审核群", "wecom", "QM_TEST_ROBOT"),)
    campaign = dataclasses.replace(local_campaign(heihe, tmp_path, database_url), notifiers=robots)
    with robot_server() as (url, received):
        h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), EARLY, Notifications(robots, env={"QM_TEST_ROBOT": url}))
        h.start()
        post = h.queue.find([st.PLANNED])[0]
        stage = review.reject(h.queue, post.id, "李科长", "配图与主题不符", h.now, campaign.review, via="web")
        assert _rejected(received) == []
        for seconds in (15, 30, 45):
            h.step_at(EARLY + dt.timedelta(seconds=seconds))
        h.close()
    assert _rejected(received) == [_notice(campaign, post, stage, "配图与主题不符", "李科长（web）")]
