"""The WeChat channel against the fake WeChat server: tokens, uploads, limits, publishing, mass sends, errors."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from scheduler.channels.base import ChannelError, PermanentError, TransientError
from scheduler.channels.wechat.api import WeChatChannel, client_msg_id
from scheduler.channels.wechat.rules import PUBLISH_STATUS
from scheduler.fakes.wechat import FakeWeChat
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.maybe_sent import maybe_sent
from scheduler.runtime.clock import FakeClock
from scheduler.support import http_client
from scheduler.support.values import Receipt

from .channel_helpers import SECRET, WECHAT_POST, configured, outgoing, posters, running, wechat_server, with_api

PLATFORM = "wechat"  # the conftest fixtures clock, server, campaign


def channel(campaign: Campaign, clock: FakeClock, **changes: Any) -> WeChatChannel:
    return WeChatChannel(configured(campaign, "wechat", **{"mode": "publish", **changes}), SECRET, posters(campaign), clock)


def test_publish_uploads_images_drafts_submits_then_polls_until_published(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch = channel(campaign, clock, mode="publish")
    checkpoints: list[dict[str, Any]] = []
    post = outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints)
    receipt = ch.publish(post)
    assert receipt.status == "accepted" and receipt.data["publish_id"] == receipt.external_id
    assert receipt.data["thumb_media_id"] in server.library.materials and receipt.data["media_id"] in server.library.drafts
    article = server.library.drafts[receipt.data["media_id"]]["articles"][0]
    assert "qm-image:" not in article["content"]  # every placeholder replaced by an uploaded URL
    assert set(receipt.data["image_urls"].values()) <= server.library.image_urls and receipt.data["image_urls"]
    assert all(url in article["content"] for url in receipt.data["image_urls"].values())
    assert article["title"] == post.payload["title"] and article["thumb_media_id"] == receipt.data["thumb_media_id"]
    # The publish_id was stored before publish() returned, so a crash right now loses nothing.
    uploads = 1 + len(receipt.data["image_urls"])  # the cover and each in-article image, checkpointed as each returns
    assert [c["stage"] for c in checkpoints] == ["uploading"] * uploads + ["draft", "submitting", "submitted"]
    assert checkpoints[-1]["publish_id"] == receipt.external_id
    assert ch.reconcile(post, receipt) == receipt  # still publishing (status 1)
    clock.advance(server.sending.publish_delay)
    done = ch.reconcile(post, receipt)
    assert done is not None and done.status == "published" and done.url.startswith("https://mp.weixin.qq.com/s/")
    assert done.data["publish_id"] == receipt.external_id and done.data["thumb_media_id"] and done.data["article_url"] == done.url
    assert server.calls["submit"] == 1 and len(server.deliveries) == 1
    ch.close()


@pytest.mark.parametrize("failing", ["uploadimg", "add"])
def test_a_retry_after_a_fault_reuses_the_uploads_the_platform_already_holds(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock, failing: str
) -> None:
    ch = channel(campaign, clock)
    checkpoints: list[dict[str, Any]] = []
    server.fail_next(failing, body={"errcode": -1, "errmsg": "system error"})
    name = {"uploadimg": "media/uploadimg", "add": "draft/add"}[failing]
    with pytest.raises(TransientError, match=f"微信接口 {name} 返回错误 -1"):  # the call named in full
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints))
    held = checkpoints[-1]
    assert held["stage"] == "uploading" and held["thumb_media_id"] in server.library.materials and "media_id" not in held
    receipt = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints))  # the retry resumes from the checkpoint
    assert receipt.status == "accepted" and receipt.data["thumb_media_id"] == held["thumb_media_id"]
    assert server.calls["add_material"] == 1 and len(server.library.materials) == 1  # one permanent cover for the post
    assert len(server.library.image_urls) == len(receipt.data["image_urls"])  # each in-article image stored once
    ch.close()


def _delete_material(server: FakeWeChat, media_id: str) -> dict[str, Any]:
    """Staff delete an image from the account's library (material/del_material over HTTP)."""
    with http_client.client(base_url=server.url) as client:
        token = client.post("/cgi-bin/stable_token", json={"grant_type": "client_credential", "appid": server.app_id, "secret": SECRET})
        answer = client.post(
            "/cgi-bin/material/del_material", params={"access_token": token.json()["access_token"]}, json={"media_id": media_id}
        )
    return dict(answer.json())


def _interrupted_after_the_uploads(campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, ch: WeChatChannel) -> list[dict[str, Any]]:
    checkpoints: list[dict[str, Any]] = []
    server.fail_next("add", body={"errcode": -1, "errmsg": "system error"})
    with pytest.raises(TransientError):
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints))
    assert checkpoints[-1]["thumb_media_id"] in server.library.materials
    return checkpoints


def test_a_retry_uploads_a_cover_deleted_on_the_platform_once_more(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch = channel(campaign, clock)
    checkpoints = _interrupted_after_the_uploads(campaign, heihe_plan, server, ch)
    stale = checkpoints[-1]["thumb_media_id"]
    assert _delete_material(server, stale)["errcode"] == 0 and stale not in server.library.materials
    assert _delete_material(server, stale)["errcode"] == 40007  # gone: the platform says so
    receipt = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints))
    fresh = receipt.data["thumb_media_id"]
    assert receipt.status == "accepted" and fresh != stale and fresh in server.library.materials
    assert server.library.drafts[receipt.data["media_id"]]["articles"][0]["thumb_media_id"] == fresh
    assert any(c.get("thumb_media_id") == fresh and "media_id" not in c for c in checkpoints)  # the new cover checkpointed at once
    assert server.calls["add_material"] == 2 and server.calls["add"] == 3  # refused once with the stale cover, then made
    ch.close()


def test_a_cover_refused_again_after_uploading_it_once_more_goes_to_a_person(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch = channel(campaign, clock)
    checkpoints = _interrupted_after_the_uploads(campaign, heihe_plan, server, ch)
    server.fail_next("add", body={"errcode": 40007, "errmsg": "invalid media_id"}, times=2)
    with pytest.raises(PermanentError, match="draft/add 返回错误 40007"):
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, checkpoints))
    assert server.calls["add_material"] == 2  # uploaded once more, never more than once per try
    server.fail_next("add", body={"errcode": 40007, "errmsg": "invalid media_id"})
    fresh_log: list[dict[str, Any]] = []
    with pytest.raises(PermanentError, match="40007"):  # a cover uploaded in this very try is not uploaded again
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, fresh_log))
    assert server.calls["add_material"] == 3
    ch.close()


def test_a_token_is_fetched_once_reused_and_refreshed_before_it_expires(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch = channel(campaign, clock)
    ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    ch.reconcile(outgoing(campaign, heihe_plan, WECHAT_POST), None)
    first = ch.token()
    assert server.calls["stable_token"] == 1 and server.calls["add_material"] == 1
    clock.advance(7200 - 200)  # inside the early-refresh margin: asked once; stable_token keeps a valid token
    assert ch.token() == first and ch.token() == first and server.calls["stable_token"] == 2
    clock.advance(200)  # expired: a new one before any call is refused
    assert ch.token() != first and server.calls["stable_token"] == 3
    ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    assert server.calls["stable_token"] == 3  # no call was refused meanwhile: that would have fetched a fourth


@pytest.mark.parametrize("code", [40001, 40014, 42001])
def test_a_refused_token_is_refreshed_once_and_the_call_retried(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock, code: int
) -> None:
    ch = channel(campaign, clock)
    ch.token()
    server.invalidate_tokens()  # another system force-refreshed
    server.fail_next("add_material", body={"errcode": code, "errmsg": "token refused"})
    receipt = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    assert receipt.status == "accepted" and server.calls["stable_token"] == 2 and server.calls["add_material"] == 2


def test_a_token_refused_again_after_refreshing_is_permanent(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    server.fail_next("add_material", body={"errcode": 40001, "errmsg": "invalid credential"}, times=2)
    with pytest.raises(PermanentError, match="40001"):
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    assert server.calls["stable_token"] == 2 and server.calls["add_material"] == 2


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"title": "质" * 33}, "标题超过 32 字（现为 33 字）"),
        ({"author": "作" * 17}, "作者超过 16 字（现为 17 字）"),
        ({"digest": "摘" * 129}, "摘要超过 128 字（现为 129 字）"),
        ({"content": "<p>" + "长" * 20000 + "</p>"}, "正文须少于 20000 字符"),
        ({"cover": ""}, "没有封面图"),
    ],
)
def test_limits_are_rejected_before_any_call(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock, payload: dict[str, str], expected: str
) -> None:
    with pytest.raises(PermanentError, match=expected) as caught:
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WECHAT_POST, **payload))
    assert WECHAT_POST in str(caught.value) and not server.log


def test_an_in_article_image_of_1_mb_or_more_is_rejected_before_any_call(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    post = outgoing(campaign, heihe_plan, WECHAT_POST)
    inline = posters(campaign)(post, next(ref for ref in post.images if not ref.endswith("/cover")))  # drawn: the file the channel takes
    inline.write_bytes(b"\x89PNG" + b"\0" * (1024 * 1024))
    with pytest.raises(PermanentError, match="超过1 MB"):
        channel(campaign, clock).publish(post)
    assert not server.log


def test_a_configured_longer_title_limit_is_honoured(campaign: Campaign, heihe_plan: Plan, clock: FakeClock) -> None:
    with running(wechat_server(clock, title_max=64)) as server:
        ch = channel(with_api(campaign, wechat=server.url), clock, title_max=64)
        receipt = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, title="质" * 40))
    assert receipt.status == "accepted"


@pytest.mark.parametrize(
    ("call", "status", "body", "error", "words"),
    [
        ("add_material", 200, {"errcode": -1, "errmsg": "system error"}, TransientError, "系统繁忙"),
        ("uploadimg", 503, {}, TransientError, "HTTP 503"),
        ("add", 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}, TransientError, "次数已用完"),
        ("submit", 200, {"errcode": 48001, "errmsg": "api unauthorized"}, PermanentError, "认证公众号"),
        ("submit", 200, {"errcode": 53503, "errmsg": "draft check failed"}, PermanentError, "草稿未通过发布检查"),
        ("stable_token", 200, {"errcode": 40164, "errmsg": "invalid ip 1.2.3.4"}, PermanentError, "IP 白名单"),
    ],
)
def test_platform_errors_are_classified_and_explained(
    campaign: Campaign,
    heihe_plan: Plan,
    server: FakeWeChat,
    clock: FakeClock,
    call: str,
    status: int,
    body: dict[str, Any],
    error: type,
    words: str,
) -> None:
    server.fail_next(call, status, body)
    with pytest.raises(error, match=words) as caught:
        channel(campaign, clock).publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    assert caught.value.channel == "wechat"


def test_a_refused_submit_keeps_the_draft_for_the_next_try(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch, log = channel(campaign, clock), []  # type: ignore[var-annotated]
    server.fail_next("submit", body={"errcode": -1, "errmsg": "system error"})
    with pytest.raises(TransientError):
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, log))
    assert log[-1]["stage"] == "draft"
    receipt = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, log))
    assert receipt.status == "accepted" and server.calls["add"] == 1 and server.calls["add_material"] == 1


def test_a_lost_submit_answer_is_never_resent_blindly(campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock) -> None:
    ch, log = channel(campaign, clock), []  # type: ignore[var-annotated]
    server.fail_next("submit", drop=True)  # the job is created, the answer never arrives
    with pytest.raises(PermanentError, match=r"提交发布时微信接口 freepublish/submit 的连接中断.*发表记录.*qm confirm.*qm retry"):
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST, log))  # to a person at once: there is nothing to wait for
    assert log[-1]["stage"] == "submitting" and len(server.sending.jobs) == 1
    with pytest.raises(PermanentError, match="发表记录"):
        ch.reconcile(outgoing(campaign, heihe_plan, WECHAT_POST, log), Receipt("accepted", data=log[-1]))
    assert server.calls["submit"] == 1


@pytest.mark.parametrize("mode", ["publish", "mass_send"])
def test_the_receipt_a_failed_attempt_leaves_says_whether_the_article_may_be_out(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock, mode: str
) -> None:
    """What the daemon keeps from the checkpoints of a failed attempt: a limit broken (no call made) and a refused
    submit or send (the draft kept) mean nothing went out; a lost answer to the call that publishes may mean it did."""
    call = "submit" if mode == "publish" else "sendall"
    left: dict[str, list[dict[str, Any]]] = {"limits": [], "refused": [], "lost": []}
    with pytest.raises(PermanentError):
        channel(campaign, clock, mode=mode).publish(outgoing(campaign, heihe_plan, WECHAT_POST, left["limits"], digest="摘" * 129))
    server.fail_next(call, body={"errcode": -1, "errmsg": "system error"})
    with pytest.raises(TransientError):
        channel(campaign, clock, mode=mode).publish(outgoing(campaign, heihe_plan, WECHAT_POST, left["refused"]))
    server.fail_next(call, drop=True)
    with pytest.raises(ChannelError):  # a lost submit goes to a person, a lost mass send is repeated later
        channel(campaign, clock, mode=mode).publish(outgoing(campaign, heihe_plan, WECHAT_POST, left["lost"]))
    judged = {k: maybe_sent(st.FAILED, 1, Receipt("accepted", data=log[-1]) if log else None) for k, log in left.items()}
    assert judged == {"limits": False, "refused": False, "lost": True}


@pytest.mark.parametrize("status", [2, 3, 4, 5, 6])
def test_final_publish_statuses_go_to_a_person_with_their_meaning(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock, status: int
) -> None:
    server.sending.publish_outcomes = [status]
    ch = channel(campaign, clock)
    post = outgoing(campaign, heihe_plan, WECHAT_POST)
    receipt = ch.publish(post)
    clock.advance(server.sending.publish_delay)
    with pytest.raises(PermanentError, match=PUBLISH_STATUS[status]) as caught:
        ch.reconcile(post, receipt)
    message = str(caught.value)
    assert f"状态 {status}" in message
    if status in (2, 3, 4):  # no article appeared: the draft is kept for a retry, the publish_id is gone
        assert "qm retry" in message and caught.value.progress is not None
        assert "publish_id" not in caught.value.progress and caught.value.progress["media_id"] == receipt.data["media_id"]
    else:  # it was out, then taken down: never sent again
        assert "不要重发" in message and "qm retry" not in message and caught.value.progress is None


def test_mass_send_is_recognised_when_repeated(campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock) -> None:
    ch, log = channel(campaign, clock, mode="mass_send"), []  # type: ignore[var-annotated]
    post = outgoing(campaign, heihe_plan, WECHAT_POST, log)
    first = ch.publish(post)
    assert first.status == "published" and first.external_id and first.data["clientmsgid"] == client_msg_id(post)
    assert len(client_msg_id(post).encode()) <= 64
    again = ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))  # as after a crash that lost every record
    assert again.status == "published" and again.external_id == first.external_id and again.data["already_sent"]
    assert len(server.deliveries) == 1 and server.calls["sendall"] == 2
    assert first.data["sent_at"] == server.deliveries[0][3] and "sent_at" not in again.data  # 45065 does not say when


def test_mass_send_quota_of_a_subscription_account_is_one_a_day(
    campaign: Campaign, heihe_plan: Plan, server: FakeWeChat, clock: FakeClock
) -> None:
    ch = channel(campaign, clock, mode="mass_send")
    ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    other = dataclasses.replace(outgoing(campaign, heihe_plan, WECHAT_POST), id="20160902-wechat-2100", version="other")
    with pytest.raises(PermanentError, match="每天只能群发 1 次"):
        ch.publish(other)
    clock.advance(86400)
    assert ch.publish(other).status == "published"


def test_an_unreachable_api_base_is_transient_and_says_where(campaign: Campaign, heihe_plan: Plan, clock: FakeClock) -> None:
    ch = channel(campaign, clock, api_base="http://127.0.0.1:9")
    with pytest.raises(TransientError, match=r"无法连接微信接口 http://127\.0\.0\.1:9.*channels\.wechat\.api_base"):
        ch.publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    with pytest.raises(TransientError) as told:  # an address with credentials, as a config before they were refused
        channel(campaign, clock, api_base="http://wx:pa55word@127.0.0.1:9").publish(outgoing(campaign, heihe_plan, WECHAT_POST))
    assert "无法连接微信接口 http://127.0.0.1:9（" in str(told.value)
