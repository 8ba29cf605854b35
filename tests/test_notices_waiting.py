"""Notices waiting for the daemon to send them (a rejection, a fill's 【审核规则已改】 or 【未自动审核】) are seen
in `qm status`: how many of which, since when, how many tries failed and why (never the robot's address or
key), and what to do; those given up after a day of tries stay in view, as given up; nothing when nothing
waits. Real SQLite, real HTTP to the tests' group robot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.publishing import notices_due, review
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer
from scheduler.support.notify import Notice, Notifications
from scheduler.views import notices_waiting
from scheduler.views.daemon_status import gather, to_json, to_text

from .daemon_helpers import Harness, local_campaign, one_day, robot_server
from .test_daemon import EARLY, TZ

ROBOTS = (Notifier("审核群", "wecom", "QM_TEST_ROBOT"),)
REFUSED = {"errcode": 93000, "errmsg": "invalid webhook url"}


def _status(h: Harness, at: dt.datetime) -> str:
    return to_text(gather(h.engine, at.timestamp()), TZ, {}, 2016)


def _stopped(h: Harness) -> None:
    assert h.daemon is not None
    h.daemon.stop()
    h.close()


def test_qm_status_tells_a_waiting_rejection_its_failed_tries_and_why_then_that_it_was_given_up(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices_due, "TRIES", 3)  # a day of tries, shortened
    campaign = dataclasses.replace(local_campaign(heihe, tmp_path), notifiers=ROBOTS)
    plan, renderer = one_day(heihe_plan), Renderer(campaign)
    first = Harness(campaign, plan, renderer, EARLY)
    first.start()
    _stopped(first)
    assert "通知" not in _status(first, EARLY)  # nothing waits: nothing said

    post = first.queue.find([st.PLANNED])[0]
    rejected = EARLY + dt.timedelta(minutes=5)
    review.reject(first.queue, post.id, "李科长", "配图与主题不符", rejected.timestamp(), campaign.review, via="web")
    shown = _status(first, rejected + dt.timedelta(hours=2))
    assert "等待发出的通知：1 条\n  【退回】1 条，记下于 2016-09-01 12:05:00\n" in shown
    assert "处理通知：\n  后台服务没有运行：启动后台服务（qm daemon）后发出\n" in shown
    assert "失败" not in shown and "检查通知机器人" not in shown  # nothing was tried yet

    with robot_server(REFUSED) as (url, refused):
        h = Harness(campaign, plan, renderer, rejected + dt.timedelta(hours=2), Notifications(ROBOTS, env={"QM_TEST_ROBOT": url}))
        h.start()  # its first sweep tries: refused
        assert len(refused) == 1
        shown = _status(h, h.clock.now() + dt.timedelta(seconds=10))
        assert "【退回】1 条，记下于 2016-09-01 12:05:00，已试 1 次没有发出；最近一次失败：审核群：机器人拒收（errcode 93000）\n" in shown
        assert f"处理通知：\n  {notices_waiting.CHECK_ROBOTS}\n" in shown and "启动后台服务" not in shown  # it runs
        assert "tok-SECRET-123" not in shown and "127.0.0.1" not in shown and "robot/send" not in shown
        for _ in range(2):  # the second and last tries
            h.step_at(h.clock.now() + dt.timedelta(seconds=notices_due.RETRY_SECONDS))
        gave_up = h.clock.now()
        assert len(refused) == 3
        shown = _status(h, gave_up + dt.timedelta(seconds=10))
        listed = to_json(gather(h.engine, gave_up.timestamp() + 10), TZ, {})["notices"]
        _stopped(h)
    assert "等待发出的通知" not in shown
    assert "已放弃的通知（一天内都没有发出）：\n  【退回】1 条，记下于 2016-09-01 12:05:00，" in shown
    assert "放弃（试了 3 次都没有发出）；最近一次失败：审核群：机器人拒收（errcode 93000）" in shown
    assert f"处理通知：\n  {notices_waiting.CHECK_ROBOTS}\n  {notices_waiting.GONE}\n" in shown
    assert listed["groups"] == [
        {
            "title": "【退回】",
            "count": 1,
            "since": "2016-09-01T12:05:00+08:00",
            "tries": 3,
            "failed": "审核群：机器人拒收（errcode 93000）",
            "given_up": f"{gave_up.astimezone(TZ):%Y-%m-%dT%H:%M:%S}+08:00",
        }
    ]
    week_later = gave_up + dt.timedelta(seconds=notices_due.GIVEN_UP_KEPT + 1)
    assert "通知" not in _status(h, week_later)  # shown a week, then no more


def test_a_robot_that_cannot_be_reached_is_told_without_its_address(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=0123456789abcdef"
    sent = Notifications(ROBOTS, env={"QM_TEST_ROBOT": url}).deliver(Notice("approval", "【退回】x"))
    assert sent.failed == ("审核群",) and sent.reasons == ("审核群：连不上（地址或网络不对）",)


def test_the_status_json_lists_waiting_notices_by_topic_and_says_nothing_when_none_wait(tmp_path: Path, heihe: Campaign) -> None:
    h = Harness(local_campaign(heihe, tmp_path), one_day(Plan((), ())), Renderer(heihe), EARLY)
    at = EARLY.timestamp()
    assert to_json(gather(h.engine, at), TZ, {})["notices"] == {"groups": [], "advice": []}
    with h.engine.begin() as conn:
        notices_due.record(conn, "rules-back", {"posts": ["a"], "rules": "审核"}, at - 600)
        notices_due.record(conn, "held", {"why": {"a": "x"}}, at - 300)
        notices_due.record(conn, "rules-back", {"posts": ["b"], "rules": "审核"}, at - 60)
    listed = json.loads(json.dumps(to_json(gather(h.engine, at), TZ, {})["notices"]))
    assert [(g["title"], g["count"], g["since"]) for g in listed["groups"]] == [
        ("【审核规则已改】", 2, "2016-09-01T11:50:00+08:00"),
        ("【未自动审核】", 1, "2016-09-01T11:55:00+08:00"),
    ]
    assert listed["advice"] == [f"后台服务没有运行：{notices_waiting.START_DAEMON}"]
    h.close()


def test_every_notice_the_daemon_sends_has_its_own_name_in_qm_status() -> None:
    from scheduler.daemon.notices_due import BUILDERS
    from scheduler.views.notices_waiting import TOPICS

    assert set(TOPICS) == set(BUILDERS)  # a new notice is not listed as 其他通知 by the qm that records it
