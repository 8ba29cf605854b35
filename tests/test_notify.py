"""Group-robot webhooks over real HTTP to a local server: payloads, DingTalk signing, secrecy."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging
import urllib.parse
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign, Notifier, WebConfig
from scheduler.publishing import review_notices
from scheduler.support.notify import Notice, Notifications

from .daemon_helpers import robot_server

NOTICE = Notice("failure", "【发布失败】20270908-weibo-0930", ("渠道：weibo", "原因：内容违规"))


def test_wecom_gets_a_markdown_message() -> None:
    with robot_server() as (url, received):
        notifier = Notifier("宣传工作群", "wecom", "QM_TEST_WECOM")
        assert Notifications((notifier,), env={"QM_TEST_WECOM": url}).send(NOTICE) == 1
    assert received[0]["path"] == "/robot/send?access_token=tok-SECRET-123"
    assert received[0]["body"] == {
        "msgtype": "markdown",
        "markdown": {"content": "### 【发布失败】20270908-weibo-0930\n- 渠道：weibo\n- 原因：内容违规"},
    }


def test_dingtalk_signs_with_timestamp_and_hmac_sha256() -> None:
    secret = "SEC-test-secret"
    with robot_server() as (url, received):
        notifier = Notifier("钉钉群", "dingtalk", "QM_DT_URL", "QM_DT_SECRET")
        notes = Notifications((notifier,), env={"QM_DT_URL": url, "QM_DT_SECRET": secret}, clock_ms=lambda: 1_700_000_000_123)
        assert notes.send(NOTICE) == 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(received[0]["path"]).query)
    assert query["access_token"] == ["tok-SECRET-123"] and query["timestamp"] == ["1700000000123"]
    # The check a DingTalk server makes:
    expected = base64.b64encode(hmac.new(secret.encode(), f"1700000000123\n{secret}".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert received[0]["body"]["msgtype"] == "markdown"
    assert received[0]["body"]["markdown"]["title"] == NOTICE.title
    assert received[0]["body"]["markdown"]["text"].startswith("### 【发布失败】")


def test_only_subscribed_events_are_sent_and_secrets_can_come_from_a_file(tmp_path: Path) -> None:
    with robot_server() as (url, received):
        (tmp_path / "hook").write_text(url + "\n", encoding="utf-8")
        only_reminders = Notifier("提醒群", "wecom", "QM_HOOK", events=("reminder",))
        notes = Notifications((only_reminders,), env={"QM_HOOK_FILE": str(tmp_path / "hook")})
        assert notes.send(NOTICE) == 0
        assert notes.send(Notice("reminder", "【提醒】工作总结上报：今天。")) == 1
    assert len(received) == 1


def test_failures_are_logged_without_the_webhook_or_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with robot_server({"errcode": 310000, "errmsg": "sign not match"}) as (url, _):
        notifier = Notifier("钉钉群", "dingtalk", "QM_DT_URL", "QM_DT_SECRET")
        assert Notifications((notifier,), env={"QM_DT_URL": url, "QM_DT_SECRET": "SEC-hidden"}).send(NOTICE) == 0
    closed = Notifications((Notifier("企业微信群", "wecom", "QM_HOOK"),), env={"QM_HOOK": "http://127.0.0.1:9/robot?key=tok-SECRET-123"})
    assert closed.send(NOTICE) == 0  # connection refused: logged, not raised
    missing = Notifications((Notifier("企业微信群", "wecom", "QM_UNSET"),), env={})
    assert missing.send(NOTICE) == 0
    text = "\n".join(f"{r.getMessage()} {r.__dict__.get('qm_fields')}" for r in caplog.records)
    assert "310000" in text and "ConnectError" in text and "QM_UNSET" in text
    assert "tok-SECRET-123" not in text and "SEC-hidden" not in text and "127.0.0.1" not in text


def test_a_notifier_without_its_webhook_is_reported_once_at_start(caplog: pytest.LogCaptureFixture) -> None:
    notes = Notifications((Notifier("宣传工作群", "wecom", "QM_UNSET_WEBHOOK"),), env={})
    with caplog.at_level(logging.WARNING, logger="qm"):
        notes.warn_unconfigured()
        assert notes.send(NOTICE) == 0
        notes.warn_unconfigured()
    warnings = [r for r in caplog.records if r.getMessage() == "notify_unconfigured"]
    assert len(warnings) == 1
    assert getattr(warnings[0], "qm_fields", {})["env"] == "QM_UNSET_WEBHOOK"
    assert "环境变量 QM_UNSET_WEBHOOK 未设置" in getattr(warnings[0], "qm_fields", {})["msg"]


def test_a_notifier_whose_webhook_file_is_not_text_says_so_without_its_bytes(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    hook = tmp_path / "webhook.txt"
    hook.write_bytes("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY".encode("utf-16"))
    notes = Notifications((Notifier("宣传工作群", "wecom", "QM_WEBHOOK"),), env={"QM_WEBHOOK_FILE": str(hook)})
    with caplog.at_level(logging.WARNING, logger="qm"):
        notes.warn_unconfigured()
    said = [getattr(r, "qm_fields", {})["msg"] for r in caplog.records if r.getMessage() == "notify_unconfigured"]
    assert said == [
        f"没有通知地址，跳过通知：QM_WEBHOOK_FILE 指向的文件 {hook} 不是 UTF-8 编码的文本（可能在记事本里存成了 ANSI 或 Unicode 编码）：请另存为 UTF-8 编码，文件里只写密钥本身"
    ]
    assert "SECRET-KEY" not in caplog.text


@pytest.mark.parametrize(("kind", "field"), [("wecom", "content"), ("dingtalk", "text")])
def test_a_reason_written_as_markdown_reaches_the_robot_as_text(heihe: Campaign, kind: str, field: str) -> None:
    """A reject reason with a line break, a heading and a link (an older qm stored it, or a stored notice) shows
    in the group as the words written: no heading, no link of its own; the link to the console stays a link."""
    campaign = dataclasses.replace(heihe, web=WebConfig(public_url="https://qm.example.org"))
    reason = "错别字\n### 【紧急】审核台已迁移\n- [请点此重新登录](http://phish.example/login)"
    told = {"post": "20270930-wechat-2000", "item": "i", "channel": "wechat", "at": 1.8e9, "stage": "终审", "reason": reason}
    with robot_server() as (url, received):
        notes = Notifications((Notifier("群", kind, "QM_HOOK"),), env={"QM_HOOK": url})
        assert notes.send(review_notices.rejection(campaign, {**told, "who": '<font color="info">王</font>'})) == 1
    text = received[0]["body"]["markdown"][field]
    lines = text.splitlines()
    assert not any(line.startswith("#") for line in lines[1:]) and all(line.startswith("- ") for line in lines[1:]), text
    assert "- 原因：错别字 ### 【紧急】审核台已迁移 - ［请点此重新登录］（http://phish.example/login）" in lines, text
    assert "](http://phish" not in text and "<font" not in text and "＜font" in text
    assert (
        lines[-1] == "- 在控制台处理：[https://qm.example.org/post/20270930-wechat-2000](https://qm.example.org/post/20270930-wechat-2000)"
    )
