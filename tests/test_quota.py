"""Mass-send quotas known in advance: flagged before the time, moved to the next slot with room, never failed at it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.channels.base import PermanentError
from scheduler.channels.wechat.config import WeChatConfig
from scheduler.channels.wechat.quota import Send, over_quota
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer

from .daemon_helpers import Harness, local_campaign
from .test_daemon import Recorder

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2016, 9, day, hour, 0, tzinfo=TZ)


def config(account_type: str, mode: str = "mass_send") -> WeChatConfig:
    return WeChatConfig(name="wechat", times=(dt.time(20, 0),), mode=mode, account_type=account_type)


def test_a_subscription_account_has_one_mass_send_a_day() -> None:
    sends = [Send("retried", at(2, 10), done=True), Send("a", at(2, 20)), Send("b", at(3, 20))]
    [issue] = over_quota(config("subscription"), sends, TZ)
    assert issue.post_id == "a" and "每天只能群发 1 次" in issue.message and "2016-09-02" in issue.message
    assert issue.next_free == at(4, 20)  # the 3rd has its own send already: the next day with room


def test_a_service_account_has_four_a_month_and_spills_into_the_next_month() -> None:
    sends = [Send(f"p{d}", at(d, 20)) for d in (1, 8, 15, 22, 29)]
    [issue] = over_quota(config("service"), sends, TZ)
    assert issue.post_id == "p29" and "每月只能群发 4 次" in issue.message
    assert issue.next_free == dt.datetime(2016, 10, 1, 20, 0, tzinfo=TZ)


def test_publishing_has_no_follower_quota() -> None:
    assert over_quota(config("subscription", mode="publish"), [Send("a", at(2, 20)), Send("b", at(2, 21))], TZ) == []


@pytest.fixture
def harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> Iterator[Harness]:
    campaign = local_campaign(heihe, tmp_path)
    assert campaign.wechat is not None and campaign.wechat.mode == "mass_send"
    two_days = Plan(tuple(p for p in heihe_plan.posts if p.channel == "wechat" and p.slot.day.day in (1, 2)), ())
    h = Harness(campaign, two_days, Renderer(campaign), at(1, 8), Recorder())
    yield h
    h.close()


def test_a_send_that_would_exceed_the_quota_is_flagged_ahead_then_moved_not_failed(harness: Harness) -> None:
    h = harness
    h.start()
    h.approve_all()
    h.channels["wechat"].fail_with = [PermanentError("模拟：微信拒绝", "wechat")]  # type: ignore[attr-defined]
    h.run_until(at(2, 9))
    assert h.state("20160901-wechat-2000") == st.FAILED
    h.clock.set(at(2, 10))
    review.retry(h.queue, "20160901-wechat-2000", "张科长", h.now)  # yesterday's post goes out today at 10:00
    h.step_at(at(2, 10))
    assert h.state("20160901-wechat-2000") == st.PUBLISHED
    warned = [n for n in h.notifications.sent if "群发次数不足" in n.title]  # type: ignore[union-attr]
    assert [n.title for n in warned] == ["【群发次数不足】20160902-wechat-2000"]
    assert "2016-09-03 20:00" in "".join(warned[0].lines) and "qm cancel" in "".join(warned[0].lines)
    h.run_until(at(2, 21))
    post = h.queue.get("20160902-wechat-2000")
    assert post is not None and post.state == st.SCHEDULED and post.due == at(3, 20).timestamp()
    assert "顺延到 2016-09-03 20:00" in h.queue.history(post.id)[-1].why
    assert h.ledger.first(post.id) is None and len([n for n in h.notifications.sent if "群发次数不足" in n.title]) == 1  # type: ignore[union-attr]
    h.run_until(at(3, 21))
    assert h.state(post.id) == st.PUBLISHED
