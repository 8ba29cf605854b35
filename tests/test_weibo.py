"""The Weibo channel against the fake Weibo server, and assisted posting through a staff robot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from scheduler.channels.base import PermanentError, TransientError
from scheduler.channels.weibo.api import WeiboChannel
from scheduler.channels.weibo.assisted import AssistedChannel
from scheduler.fakes.weibo import FakeWeibo
from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.maybe_sent import maybe_sent
from scheduler.runtime.clock import FakeClock
from scheduler.support.notify import Notifications
from scheduler.support.values import Receipt

from .channel_helpers import RIP, WEIBO_POST, WEIBO_TOKEN, configured, outgoing, posters
from .daemon_helpers import robot_server

PLATFORM = "weibo"  # the conftest fixtures clock, server, campaign


def channel(campaign: Campaign, clock: FakeClock, **changes: Any) -> WeiboChannel:
    return WeiboChannel(configured(campaign, "weibo", **changes), WEIBO_TOKEN, posters(campaign), clock)


def test_share_posts_text_picture_and_rip_and_keeps_the_status_id(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock
) -> None:
    log: list[dict[str, Any]] = []
    post = outgoing(campaign, heihe_plan, WEIBO_POST, log)
    receipt = channel(campaign, clock).publish(post)
    request = server.log[-1]
    assert request.form["status"] == post.payload["text"] and request.form["rip"] == RIP and request.files["pic"][1].startswith(b"\x89PNG")
    assert receipt.status == "published" and receipt.external_id == server.statuses[0]["idstr"]
    assert receipt.url == f"https://weibo.com/1234567890/{receipt.external_id}" and receipt.data["original_pic"]
    assert [c.get("stage") for c in log] == ["sending", None] and log[-1]["idstr"] == receipt.external_id
    assert channel(campaign, clock).reconcile(post, Receipt("accepted", data=log[-1])) == receipt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("质量月活动开始了，欢迎参与。", "安全域名"),
        ("#质量月# 活动开始了 https://www.example.gov.cn/heihe/zlyue", "#话题#"),
        ("质" * 130 + " https://www.example.gov.cn/heihe/zlyue", "微博超过 140 字（按微博计数为 141 字）"),
        ("活动开始了 https://evil.example.com/x", "安全域名"),
    ],
)
def test_rules_are_checked_before_any_call(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock, text: str, expected: str
) -> None:
    with pytest.raises(PermanentError, match=expected):
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WEIBO_POST, text=text))
    assert not server.log


def test_a_picture_of_5_mb_or_more_is_refused_before_any_call(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock
) -> None:
    post = outgoing(campaign, heihe_plan, WEIBO_POST)
    picture = posters(campaign)(post, next(iter(post.images)))  # drawn from its words: the file the channel takes
    picture.write_bytes(b"\x89PNG" + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(PermanentError, match="须小于 5 MB"):
        channel(campaign, clock).publish(post)
    assert not server.log


def test_an_expired_token_date_fails_before_any_call(campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock) -> None:
    with pytest.raises(PermanentError, match="已于 2016-09-01 过期") as caught:
        channel(campaign, clock, token_expires=dt.date(2016, 9, 1)).publish(outgoing(campaign, heihe_plan, WEIBO_POST))
    assert "QM_WEIBO_TOKEN" in str(caught.value) and not server.log


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        (10023, TransientError, "频次超过上限"),
        (10024, TransientError, "频次超过上限"),
        (20016, TransientError, "太频繁"),
        (20019, PermanentError, "qm confirm"),
        (20021, PermanentError, "违规内容"),
        (21327, PermanentError, "重新授权"),
        (21332, PermanentError, "access_token 无效"),
    ],
)
def test_error_codes_are_classified_with_clear_messages(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock, code: int, error: type, words: str
) -> None:
    server.fail_next("share", 403 if code < 20000 else 400, {"request": "/2/statuses/share.json", "error_code": str(code), "error": "x"})
    log: list[dict[str, Any]] = []
    with pytest.raises(error, match=words) as caught:
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WEIBO_POST, log))
    assert str(code) in str(caught.value) and log[-1]["stage"] == "ready"  # refused: known not to be posted


def test_the_server_refuses_what_the_platform_refuses(campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock) -> None:
    ch = channel(campaign, clock)
    ch.publish(outgoing(campaign, heihe_plan, WEIBO_POST))
    with pytest.raises(PermanentError, match="20019"):  # the same text again
        ch.publish(outgoing(campaign, heihe_plan, WEIBO_POST))
    server.token_expires = clock.now().timestamp()
    with pytest.raises(PermanentError, match="21327"):
        ch.publish(outgoing(campaign, heihe_plan, "20160902-weibo-1800"))
    assert len(server.statuses) == 1


def test_a_lost_answer_goes_to_a_person_not_a_second_post(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock
) -> None:
    log: list[dict[str, Any]] = []
    server.fail_next("share", drop=True)
    with pytest.raises(PermanentError, match=r"发微博时微博接口 statuses/share 的连接中断.*到微博核实.*qm confirm.*qm retry"):
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WEIBO_POST, log))  # to a person at once
    with pytest.raises(PermanentError, match="到微博核实"):
        channel(campaign, clock).reconcile(outgoing(campaign, heihe_plan, WEIBO_POST), Receipt("accepted", data=log[-1]))
    assert len(server.statuses) == 1


def test_the_receipt_a_failed_share_leaves_says_whether_the_post_may_be_out(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeibo, clock: FakeClock
) -> None:
    """What the daemon stores from the checkpoints of a failed attempt decides whether the plan treats it as out.
    A token found expired stops the post before any checkpoint: no receipt, nothing went out."""
    left: dict[str, list[dict[str, Any]]] = {"lost": [], "refused": [], "expired": []}
    server.fail_next("share", drop=True)
    with pytest.raises(PermanentError):
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WEIBO_POST, left["lost"]))
    server.fail_next("share", 400, {"request": "/2/statuses/share.json", "error_code": "20021", "error": "x"})
    with pytest.raises(PermanentError):
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WEIBO_POST, left["refused"]))
    with pytest.raises(PermanentError, match="过期"):
        channel(campaign, clock, token_expires=dt.date(2016, 9, 1)).publish(outgoing(campaign, heihe_plan, WEIBO_POST, left["expired"]))
    judged = {k: maybe_sent(st.FAILED, 1, Receipt("accepted", data=log[-1]) if log else None) for k, log in left.items()}
    assert judged == {"lost": True, "refused": False, "expired": False}


def test_assisted_mode_sends_text_and_picture_reminds_then_reports(campaign: Campaign, heihe_plan: Plan, clock: FakeClock) -> None:
    config = configured(campaign, "weibo", mode="assisted", confirm_remind_minutes=30, confirm_deadline_minutes=120)
    with robot_server() as (url, received):
        notifier = Notifier("宣传群", "wecom", "ROBOT")
        staff = Notifications((notifier,), env={"ROBOT": url})
        ch = AssistedChannel(config, staff, posters(campaign), clock)
        post = outgoing(campaign, heihe_plan, WEIBO_POST)
        receipt = ch.publish(post)
        assert receipt.status == "accepted"
        text, picture = received[0]["body"]["markdown"]["content"], received[1]["body"]
        assert post.payload["text"] in text and f"qm confirm {WEIBO_POST}" in text
        assert picture["msgtype"] == "image" and picture["image"]["md5"]
        clock.advance(29 * 60)
        assert ch.reconcile(post, receipt) == receipt and len(received) == 2
        clock.advance(2 * 60)
        reminded = ch.reconcile(post, receipt)
        assert reminded is not None and reminded.data["reminded_at"] and "还没有确认" in received[2]["body"]["markdown"]["content"]
        assert ch.reconcile(post, reminded) == reminded and len(received) == 3  # reminded once
        clock.advance(90 * 60)
        with pytest.raises(PermanentError, match="仍没有人确认发布"):
            ch.reconcile(post, reminded)


def test_assisted_mode_without_a_reachable_robot_is_retried(campaign: Campaign, heihe_plan: Plan, clock: FakeClock) -> None:
    staff = Notifications((Notifier("宣传群", "wecom", "ROBOT"),), env={})
    ch = AssistedChannel(configured(campaign, "weibo", mode="assisted"), staff, posters(campaign), clock)
    with pytest.raises(TransientError, match="没有送达"):
        ch.publish(outgoing(campaign, heihe_plan, WEIBO_POST))
