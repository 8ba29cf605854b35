"""Assisted Weibo (staff post by hand what qm pushes them): a push whose answer was lost may have reached the group,
so it is not pushed again (two packages, two colleagues, the status posted twice); one every robot refused reached
nobody, and is pushed again later. Real HTTP to a group robot."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from scheduler.publishing import states as st
from scheduler.publishing.maybe_sent import maybe_sent

from . import test_channels_e2e as e2e
from .channel_helpers import TZ, WEIBO_POST
from .daemon_helpers import Robot, robot_server
from .test_channels_e2e import World, run_into_crash

world = e2e.world


class DroppingRobot(Robot):
    """Puts every message in its group, but the answer to the first never comes (the connection drops)."""

    def do_POST(self) -> None:
        received: list[dict[str, Any]] = self.server.received  # type: ignore[attr-defined]
        if received:
            super().do_POST()
            return
        received.append({"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))})
        self.close_connection = True
        self.connection.shutdown(2)


def _run(world: World, monkeypatch: pytest.MonkeyPatch, until: dt.datetime, **robot: Any) -> list[dict[str, Any]]:
    """Approve every post and run the daemon until `until`, staff's group behind the robot `robot_server(**robot)`
    makes; what the robot was sent."""
    h = world.harness
    with robot_server(**robot) as (url, received):
        monkeypatch.setenv("QM_ROBOT", url)
        h.start()
        h.approve_all()
        h.run_until(until)
    return [r["body"] for r in received]


def _packages(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in sent if b.get("msgtype") == "markdown" and f"【请发微博】{WEIBO_POST}" in b["markdown"]["content"]]


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_a_push_to_staff_whose_answer_was_lost_is_not_pushed_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The robot put it in the group, the answer never came: retried, the group would get the package twice."""
    sent = _run(world, monkeypatch, dt.datetime(2016, 9, 2, 10, 30, tzinfo=TZ), handler=DroppingRobot)
    assert len(_packages(sent)) == 1
    h = world.harness
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "宣传群没有应答，可能已经收到：请先在群里和微博上核实" in post.last_error
    assert f"qm confirm {WEIBO_POST} --url 链接" in post.last_error and f"qm retry {WEIBO_POST} 重新推送" in post.last_error
    told = [n for n in h.notifications.sent if n.title == "【发布失败】" + WEIBO_POST]  # type: ignore[union-attr]
    assert len(told) == 1 and any(line.startswith("先到平台核实") for line in told[0].lines)


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_a_push_every_robot_refused_is_retried_and_counts_as_never_sent(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused, nobody has it: tried again until the grace window ends, then failed as not sent (fix, then qm retry)."""
    _run(world, monkeypatch, dt.datetime(2016, 9, 2, 12, 30, tzinfo=TZ), answer={"errcode": 93000, "errmsg": "invalid webhook url"})
    post = world.harness.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.FAILED and post.attempts > 1
    assert not maybe_sent(post.state, post.attempts, post.receipt) and "没有送达任何工作人员" in post.last_error


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_a_push_to_a_webhook_address_without_https_is_retried_as_never_sent(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx refuses the address before sending anything (UnsupportedProtocol): nobody has it, so it is not failed as
    maybe received, it is tried again and fails as not sent, with the real cause."""
    h = world.harness
    monkeypatch.setenv("QM_ROBOT", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    h.start()
    h.approve_all()
    h.run_until(dt.datetime(2016, 9, 2, 12, 30, tzinfo=TZ))
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.FAILED and post.attempts > 1
    assert not maybe_sent(post.state, post.attempts, post.receipt) and "没有应答" not in post.last_error
    assert "没有送达任何工作人员" in post.last_error and "UnsupportedProtocol" in post.last_error


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_a_crash_after_the_push_before_it_was_recorded_does_not_push_it_again(world: World) -> None:
    """The group has the package; the daemon died before recording so (`notifying` on record): restarted, it cannot
    tell whether staff have it, so it does not push a second package; staff are told to check first."""
    h = world.harness
    run_into_crash(world, "weibo", "notified", stored=False)
    assert h.state(WEIBO_POST) == st.PUBLISHING and len(_packages([r["body"] for r in world.robot])) == 1
    h.clock.advance(5 * 60)
    h.start()
    h.step_at(h.clock.now())
    assert len(_packages([r["body"] for r in world.robot])) == 1
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "推送给工作人员时服务中断，可能已经收到" in post.last_error
