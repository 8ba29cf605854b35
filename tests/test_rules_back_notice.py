"""Approvals the review rules in force no longer accept, sent back to review by a refill: staff get one notice
whoever refilled (`qm queue`, the web console after an edit, the daemon), sent by the daemon through the
configured group robots (real HTTP to a local robot), never twice for one sending-back, and a robot that
failed gets it at a later heartbeat without the others getting it again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.publishing import notices_due, review_notices, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.rendering.payloads import Renderer
from scheduler.support.notify import Notifications, wecom_body

from .conftest import TWO_STAGES, run_qm
from .daemon_helpers import Harness, local_campaign, robot_server
from .test_daemon import EARLY
from .test_review_rules import START, _daemon_ran
from .test_review_rules_changed import ADDED, _days, _under
from .test_web_core import client
from .web_helpers import console_server, csrf_of, http_login

HOOK = "QM_WECOM_WEBHOOK"  # the project config's notifier (宣传工作群), subscribed to every kind of notice


def _approved_then_stricter(config: Path) -> list[str]:
    """A daemon reviewed in one stage, two posts were approved, then the daemon started with two stages and
    recorded them; the refill that judges the approvals under them is someone else's. The two posts' ids."""
    _daemon_ran(config)
    ctx = Context(config)
    approved = [p.id for p in Queue(ctx.engine).find([st.PLANNED]) if not p.channel.startswith("screen")][:2]
    for post_id in approved:
        done = run_qm("approve", post_id, "--by", "张科长", "-c", config)
        assert done.returncode == 0, done.stderr
    config.write_text(config.read_text(encoding="utf-8") + TWO_STAGES, encoding="utf-8")
    stricter = Context(config)
    with stricter.engine.begin() as conn:
        review_rules.record(conn, review_rules.of(stricter.campaign), START.timestamp())
    ctx.close()
    stricter.close()
    return approved


def _told(config: Path, approved: list[str]) -> list[dict[str, object]]:
    """Start the daemon with the robot's address (and once more, and let it beat later): what the robot got."""
    ctx = Context(config)
    with robot_server() as (url, received):
        for _ in range(2):
            h = Harness(ctx.campaign, ctx.plan, ctx.renderer, START, Notifications(ctx.campaign.notifiers, env={HOOK: url}))
            h.start()
            h.step_at(START + dt.timedelta(hours=1))
            h.close()
    queue = Queue(ctx.engine)
    assert {queue.get(i).state for i in approved} == {st.PLANNED}  # type: ignore[union-attr]
    ctx.close()
    return [r["body"] for r in received]


def _rules_back(config: Path, approved: list[str]) -> dict[str, object]:
    """The notice the daemon's own fill would send for these posts, as the robot gets it."""
    campaign = Context(config).campaign
    return wecom_body(review_notices.rules_back(campaign, approved, review_rules.of(campaign).description))


def test_a_qm_queue_refill_is_told_once_by_the_daemon(project: Callable[..., Path]) -> None:
    config = project()
    approved = _approved_then_stricter(config)
    for _ in range(2):  # the first refill sends them back; the second finds nothing more to send back
        listed = run_qm("queue", "-c", config)  # no robot address in its environment: it needs none
        assert listed.returncode == 0, listed.stderr
        assert "审核规则已改" in listed.stdout
    told = _told(config, approved)
    assert told == [_rules_back(config, approved)]
    assert "【审核规则已改】2 条已审核的内容回到待审核" in str(told[0])


def test_a_console_edit_refill_is_told_once_by_the_daemon(project: Callable[..., Path]) -> None:
    config = project()
    approved = _approved_then_stricter(config)
    ctx = Context(config)
    queue = Queue(ctx.engine)
    taken = {queue.get(i).item for i in approved}  # type: ignore[union-attr]
    other = next(p.item for p in queue.find([st.PLANNED]) if p.item not in taken)
    with console_server(ctx.campaign) as r, client(r) as c:
        r.add_user("王编辑", "editor")
        assert http_login(c, "王编辑").status_code == 303
        form = c.get(f"/edit/{other}").text
        digest = re.search(r'name="digest" value="([^"]+)"', form)
        assert digest is not None
        saved = c.post(f"/edit/{other}", data={"csrf": csrf_of(form), "digest": digest.group(1), "title": "质量月活动安排有调整"})
        assert saved.status_code == 303 and "done=saved" in saved.headers["location"]
    assert {queue.get(i).state for i in approved} == {st.PLANNED}  # type: ignore[union-attr]
    ctx.close()
    assert _told(config, approved) == [_rules_back(config, approved)]


def _back(received: list[dict[str, Any]]) -> list[object]:
    """What a robot got of the notices saying approvals went back to review."""
    return [r["body"] for r in received if "【审核规则已改】" in str(r["body"])]


def _two_robots(campaign: Campaign) -> Campaign:
    robots = (
        Notifier("宣传工作群", "wecom", "QM_HOOK_A", events=("approval",)),
        Notifier("审核群", "wecom", "QM_HOOK_B", events=("approval",)),
    )
    return dataclasses.replace(campaign, notifiers=robots)


def test_a_robot_that_failed_gets_the_daemons_notice_later_and_the_others_do_not_get_it_twice(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    base = _two_robots(local_campaign(heihe, tmp_path, database_url))
    plan, renderer = _days(heihe_plan), Renderer(heihe)
    one = Harness(base, plan, renderer, EARLY)
    one.start()
    one.approve_all()
    approved = sorted(p.id for p in one.queue.find([st.APPROVED, st.SCHEDULED]))
    one.close()

    caplog.set_level(logging.INFO, logger="qm")
    with (
        robot_server() as (a, to_a),
        robot_server({"errcode": 93000, "errmsg": "invalid webhook url"}) as (b, refused),
        robot_server() as (b_again, to_b),
    ):
        env = {"QM_HOOK_A": a, "QM_HOOK_B": b}
        stricter = Harness(_under(base, ADDED), plan, renderer, EARLY, Notifications(base.notifiers, env=env))
        stricter.start()  # its own fill sends them back (after the notice that the rules changed)
        assert len(_back(to_a)) == 1 and len(_back(refused)) == 1 and to_b == []
        env["QM_HOOK_B"] = b_again  # the robot is fixed
        stricter.step_at(EARLY + dt.timedelta(seconds=notices_due.RETRY_SECONDS - 15))
        assert to_b == []
        stricter.step_at(EARLY + dt.timedelta(seconds=notices_due.RETRY_SECONDS))
        stricter.step_at(EARLY + dt.timedelta(seconds=notices_due.RETRY_SECONDS * 3))
        stricter.close()
    expected = wecom_body(review_notices.rules_back(base, approved, review_rules.of(_under(base, ADDED)).description))
    assert _back(to_a) == [expected] and _back(to_b) == [expected]
    assert "notice_retry" in caplog.text and "tok-SECRET-123" not in caplog.text and "127.0.0.1" not in caplog.text
    with stricter.engine.connect() as conn:  # nothing left to send
        assert notices_due.waiting(conn, float("inf")) == []
    stricter.engine.dispose()


def test_a_robot_that_keeps_failing_is_given_up_after_the_last_try_and_one_without_an_address_is_not_tried(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices_due, "TRIES", 3)  # a day of tries, shortened
    base = _two_robots(local_campaign(heihe, tmp_path))
    plan, renderer = _days(heihe_plan), Renderer(heihe)
    one = Harness(base, plan, renderer, EARLY)
    one.start()
    one.approve_all()
    one.close()

    caplog.set_level(logging.INFO, logger="qm")
    with robot_server({"errcode": 93000, "errmsg": "invalid webhook url"}) as (a, refused):
        stricter = Harness(_under(base, ADDED), plan, renderer, EARLY, Notifications(base.notifiers, env={"QM_HOOK_A": a}))
        stricter.start()  # 审核群 has no address here: skipped, not tried again
        for n in range(1, 5):
            stricter.step_at(EARLY + dt.timedelta(seconds=notices_due.RETRY_SECONDS * n))
        stricter.close()
    assert len(_back(refused)) == 3
    given_up = [r for r in caplog.records if r.getMessage() == "notice_given_up"]
    assert len(given_up) == 1 and getattr(given_up[0], "qm_fields", {})["notifiers"] == "宣传工作群"
    with stricter.engine.connect() as conn:
        assert notices_due.waiting(conn, float("inf")) == []
    stricter.engine.dispose()
