"""A post the platform has taken (a publish_id on record) is followed up, never failed for a poll
error and never sent again: the daemon, `qm retry` and the failure notices all hold to it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.channels.base import Channel, OutgoingPost, TransientError
from scheduler.cli.main import main
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.support.values import Receipt

from . import test_channels_e2e as e2e
from .channel_helpers import TZ, WECHAT_POST
from .test_channels_e2e import NEXT_DAY, World

world = e2e.world  # the fixture: real WeChat and Weibo channels against the fake servers

AFTER_SLOT = dt.datetime(2016, 9, 2, 20, 30, tzinfo=TZ)


class AnswerLost(Channel):
    """The publish call went through (its checkpoints are stored) but its answer never arrived."""

    def __init__(self, inner: Channel) -> None:
        self.inner, self.name = inner, inner.name
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative

    def publish(self, post: OutgoingPost) -> Receipt:
        self.inner.publish(post)
        raise TransientError("应答丢失（模拟）", self.name)

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return self.inner.reconcile(post, receipt)


def _failures(world: World, post_id: str) -> list[str]:
    history = [e.why for e in world.harness.queue.history(post_id) if e.to_state == st.FAILED]
    notices = [n.title for n in world.harness.notifications.sent if post_id in n.title]  # type: ignore[union-attr]
    return history + notices


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_poll_errors_after_submit_across_restarts_end_published_and_nothing_is_sent_twice(world: World) -> None:
    h = world.harness
    h.channels["wechat"] = AnswerLost(h.channels["wechat"])  # type: ignore[assignment]
    world.wechat.fail_next("get", body={"errcode": -1, "errmsg": "system error"}, times=15)  # far more than the 6 attempts
    h.start()
    h.approve_all()
    h.run_until(AFTER_SLOT)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.ACCEPTED and post.receipt is not None and post.receipt.data["publish_id"]
    for _ in range(2):  # killed and restarted while the platform keeps failing the poll
        h.crash()
        h.clock.advance(20 * 60)
        h.start()
        h.run_until(h.clock.now() + dt.timedelta(minutes=30))
        assert h.state(WECHAT_POST) in (st.ACCEPTED, st.PUBLISHED)
    h.run_until(NEXT_DAY)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None and post.receipt.url
    assert world.wechat.calls["submit"] == 1 and len(world.wechat.deliveries) == 1
    assert world.wechat.calls["get"] > 15  # every injected poll error was answered by polling again
    assert _failures(world, WECHAT_POST) == []


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_post_the_platform_never_confirms_goes_to_a_person_and_qm_retry_refuses_it(world: World) -> None:
    h = world.harness
    world.wechat.sending.publish_delay = 10 * 86400  # the platform says "publishing" for days
    h.start()
    h.approve_all()
    h.run_until(NEXT_DAY + dt.timedelta(days=1, hours=2))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and "超过一天仍未确认" in post.last_error
    notice = next(n for n in h.notifications.sent if WECHAT_POST in n.title)  # type: ignore[union-attr]
    assert not any("qm retry" in line for line in notice.lines)
    assert any("不要重发" in line and f"qm confirm {WECHAT_POST}" in line for line in notice.lines)
    with pytest.raises(TransitionError, match=r"不能重发.*publish_id.*重复发布"):
        review.retry(h.queue, WECHAT_POST, "张科长", h.now)
    assert h.state(WECHAT_POST) == st.FAILED and world.wechat.calls["submit"] == 1
    review.confirm(h.queue, WECHAT_POST, "张科长", "https://mp.weixin.qq.com/s/abc", h.now)  # what a person does instead
    assert h.state(WECHAT_POST) == st.PUBLISHED


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_publish_job_the_platform_failed_may_be_retried_from_the_kept_draft(world: World) -> None:
    h = world.harness
    world.wechat.sending.publish_outcomes = [3]  # 常规失败: no article appeared
    h.start()
    h.approve_all()
    h.run_until(AFTER_SLOT)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and "文章没有发出" in post.last_error
    assert post.receipt is not None and "publish_id" not in post.receipt.data and post.receipt.data["publish_status"] == 3
    assert review.retry(h.queue, WECHAT_POST, "张科长", h.now) == st.APPROVED
    h.run_until(NEXT_DAY)
    assert h.state(WECHAT_POST) == st.PUBLISHED
    assert world.wechat.calls["submit"] == 2 and world.wechat.calls["add"] == 1  # the same draft, submitted again
    assert len(world.wechat.deliveries) == 1


def test_qm_retry_refuses_a_post_with_a_publish_id_in_chinese_with_exit_2(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    assert main(["-c", str(config), "queue", "--json"]) == 0
    post_id = next(p["id"] for p in json.loads(capsys.readouterr().out) if p["channel"] == "wechat")
    queue = Queue(open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}"))
    review.approve(queue, post_id, "张科长", 0.0)
    queue.move(post_id, st.SCHEDULED, "后台服务", "排入发布计划", 0.0)
    assert queue.claim(post_id, "后台服务", 0.0) is not None
    receipt = Receipt("accepted", "2247483647", data={"stage": "submitted", "publish_id": "2247483647", "media_id": "m1"})
    queue.move(post_id, st.FAILED, "后台服务", "平台超过一天仍未确认", 0.0, receipt=json.dumps(receipt.to_json()))
    code = main(["-c", str(config), "retry", post_id])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{post_id} 不能重发" in err and "publish_id 2247483647" in err and f"qm confirm {post_id}" in err
    queue_after = queue.get(post_id)
    assert queue_after is not None and queue_after.state == st.FAILED and queue_after.attempts == 1
