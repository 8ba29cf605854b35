"""Mass-send quotas known in advance: flagged before the time, moved to the next slot with room, never failed at it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.channels.base import PermanentError
from scheduler.channels.kinds import kind_of
from scheduler.channels.wechat.config import WeChatConfig
from scheduler.channels.wechat.quota import Send, over_quota
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer

from .daemon_helpers import Harness, local_campaign
from .test_daemon import Recorder

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2016, 9, day, hour, minute, tzinfo=TZ)


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


def test_a_send_is_moved_only_to_a_slot_of_its_channel_inside_the_campaign() -> None:
    """Not past the campaign's last day, nor to a day the channel does not post on (its `dates`)."""
    sends = [Send("retried", at(2, 10), done=True), Send("a", at(2, 20))]
    [last_day] = over_quota(config("subscription"), sends, TZ, end=dt.date(2016, 9, 2))
    assert last_day.post_id == "a" and last_day.next_free is None
    assert last_day.moving(TZ) == "活动期内已没有可以顺延的时段，到时不发出，记为失败并通知"
    some_days = dataclasses.replace(config("subscription"), dates=(dt.date(2016, 9, 2), dt.date(2016, 9, 5)))
    [issue] = over_quota(some_days, sends, TZ, end=dt.date(2016, 9, 30))
    assert issue.next_free == at(5, 20)
    [none_left] = over_quota(some_days, sends, TZ, end=dt.date(2016, 9, 4))
    assert none_left.next_free is None


def test_the_plan_moves_no_send_past_the_campaign(heihe: Campaign, library: Library) -> None:
    """Two mass sends a day on a subscription account: every day's second has no slot left in the campaign
    (`qm check` and `qm plan` say so), none is moved to the days after it."""
    assert heihe.wechat is not None
    wechat = dataclasses.replace(heihe.wechat, times=(dt.time(12, 0), dt.time(20, 0)), account_type="subscription")
    campaign = heihe.with_channels(wechat)
    issues = kind_of(wechat).postponements(campaign, wechat, make_plan(campaign, library))
    assert len(issues) == (campaign.end - campaign.start).days + 1 and all(i.next_free is None for i in issues)


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


def test_a_send_with_no_slot_left_in_the_campaign_is_not_sent_after_it_and_staff_are_told(harness: Harness) -> None:
    """The campaign's last day's quota is used by a retry: the day's own send has no later slot of the campaign.
    Moved to the day after, it would go out when the campaign is over; it fails at its time instead, nothing sent."""
    h = harness
    h.campaign = dataclasses.replace(h.campaign, end=dt.date(2016, 9, 2))
    h.start()
    h.approve_all()
    h.channels["wechat"].fail_with = [PermanentError("模拟：微信拒绝", "wechat")]  # type: ignore[attr-defined]
    h.run_until(at(2, 9))
    h.clock.set(at(2, 10))
    review.retry(h.queue, "20160901-wechat-2000", "张科长", h.now)  # goes out today at 10:00: the day's one mass send
    h.step_at(at(2, 10))
    [warned] = [n for n in h.notifications.sent if "群发次数不足" in n.title]  # type: ignore[union-attr]
    assert "活动期内已没有有群发次数的时段，到时不群发，记为失败并通知" in "".join(warned.lines)
    assert "qm confirm 20160902-wechat-2000 --url 链接" in "".join(warned.lines)
    h.run_until(at(3, 21))
    post = h.queue.get("20160902-wechat-2000")
    assert post is not None and post.state == st.FAILED and h.ledger.first(post.id) is None
    assert "2016-09-02 的群发次数已排满，活动期内已没有可以顺延的时段，没有发出" in post.last_error
    assert "qm cancel 20160902-wechat-2000" in post.last_error
    assert [n.title for n in h.notifications.sent if n.title.startswith("【发布失败】")] == [  # type: ignore[union-attr]
        "【发布失败】20160901-wechat-2000",
        "【发布失败】20160902-wechat-2000",
    ]
    [told] = [n for n in h.notifications.sent if n.title == "【发布失败】20160902-wechat-2000"]  # type: ignore[union-attr]
    said = "\n".join(told.lines)  # one piece of advice: not also a qm retry, which would fail again for want of a slot
    assert "qm cancel 20160902-wechat-2000" in said and "qm retry" not in said, said


@pytest.mark.parametrize("resent", [False, True], ids=["moved", "cancelled and sent anew"])
def test_a_send_moved_past_an_end_config_yaml_moved_earlier_is_not_sent_after_it_and_staff_are_told(harness: Harness, resent: bool) -> None:
    """Moved to the 3rd for want of quota on the 2nd, then config.yaml ends the campaign on the 2nd while the daemon
    runs: its own day is still in the period, the day it was moved to is not. It is not sent after the end, also
    when a person cancelled it and sent it anew meanwhile (it keeps the slot it was moved to)."""
    h = harness
    fresh = [h.campaign]
    h.config = lambda: fresh[0]  # config.yaml as the daemon reads it again before a publish
    h.start()
    h.approve_all()
    h.channels["wechat"].fail_with = [PermanentError("模拟：微信拒绝", "wechat")]  # type: ignore[attr-defined]
    h.run_until(at(2, 9))
    h.clock.set(at(2, 10))
    review.retry(h.queue, "20160901-wechat-2000", "张科长", h.now)
    h.step_at(at(2, 10))
    h.run_until(at(2, 21))
    post = h.queue.get("20160902-wechat-2000")
    assert post is not None and post.state == st.SCHEDULED and post.due == at(3, 20).timestamp()
    if resent:
        review.cancel(h.queue, post.id, "张科长", "再想想", h.now)
        assert review.retry(h.queue, post.id, "张科长", h.now) == st.PLANNED and h.approve(post.id, "张科长")
        h.step_at(at(2, 21, 1))
        assert h.state(post.id) == st.SCHEDULED
    fresh[0] = dataclasses.replace(h.campaign, end=dt.date(2016, 9, 2))
    h.run_until(at(3, 21))
    post = h.queue.get("20160902-wechat-2000")
    assert post is not None and h.ledger.first(post.id) is None, "sent after the campaign's new end"
    assert post.state == st.FAILED, post.state
    assert "顺延后的发布时间 2016-09-03 20:00 已不在活动期（2016-09-01 至 2016-09-02）内，没有发出" in post.last_error
    assert "qm cancel 20160902-wechat-2000" in post.last_error and "qm confirm 20160902-wechat-2000 --url 链接" in post.last_error
    assert any(n.title == "【发布失败】20160902-wechat-2000" for n in h.notifications.sent)  # type: ignore[union-attr]
