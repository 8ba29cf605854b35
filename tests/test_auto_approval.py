"""Auto-approval passes only what `qm check` passes: on an `auto_approve` channel, a post the check finds
problems in (here a launch report pinned before the launch starts) waits for review with the reason in
`qm queue` and its history, the channel's other posts are approved; one approved automatically before
goes back to review. Real SQLite queue, a fixed clock."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Post, Queue
from scheduler.publishing.queue_sync import SyncResult, fill
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.support.notify import APPROVAL, Notice, Notifications

from .conftest import run_qm
from .daemon_helpers import Harness, Recorder, robot_server

BEFORE = dt.datetime(2027, 8, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()  # the month ahead
LAUNCH_POST = "20270908-wechat-0837"
TOO_EARLY = "还没开始，文案却写成已经举行"


def _auto_wechat_before_the_launch(text: str) -> str:
    """WeChat auto-approved at 08:37, the launch report pinned there: before the 09:00 launch."""
    text = text.replace('    times: ["20:00"]\n', '    times: ["08:37"]\n    auto_approve: true\n', 1)
    return text.replace('    time: "20:00"', '    time: "08:37"', 1)


def _fill(config: Path, queue: Queue, now: float) -> SyncResult:
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    return fill(queue, campaign, plan, Renderer(campaign), now)


def test_auto_approval_holds_a_post_the_check_rejects(project: Callable[..., Path]) -> None:
    config = project(_auto_wechat_before_the_launch)
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and LAUNCH_POST in checked.stderr and TOO_EARLY in checked.stderr
    queue = Queue(open_db(load_campaign(config).db_url))
    result = _fill(config, queue, BEFORE)

    wechat = {p.id: p for p in queue.find() if p.channel == "wechat"}
    held = wechat.pop(LAUNCH_POST)
    assert held.state == st.PLANNED and held.approved_by == "" and TOO_EARLY in held.last_error
    assert list(result.held) == [LAUNCH_POST] and TOO_EARLY in result.held[LAUNCH_POST]
    assert len(wechat) > 20 and {(p.state, p.approved_by) for p in wechat.values()} == {(st.APPROVED, "自动审核")}
    assert {p.state for p in queue.find() if p.channel == "weibo"} == {st.PLANNED}  # not auto-approved: as before
    history = run_qm("history", LAUNCH_POST, "-c", config)
    assert "未自动审核" in history.stdout and TOO_EARLY in history.stdout
    shown = run_qm("queue", "--date", "2027-09-08", "-c", config)  # a refresh: the post stays where it is
    line = next(x for x in shown.stdout.splitlines() if LAUNCH_POST in x)
    assert "待审核" in line and TOO_EARLY in line

    # approved automatically by an earlier qm (no check then): back to review with the reason
    with queue.engine.begin() as conn:
        values = {"state": st.SCHEDULED, "approved_by": "自动审核", "approved_version": held.version, "last_error": ""}
        conn.execute(posts.update().where(posts.c.id == LAUNCH_POST).values(**values))
    _fill(config, queue, BEFORE + 60)
    again = queue.get(LAUNCH_POST)
    assert again is not None and again.state == st.PLANNED and again.approved_by == "" and TOO_EARLY in again.last_error
    assert all(p.state == st.APPROVED for p in queue.find() if p.channel == "wechat" and p.id != LAUNCH_POST)


def test_the_daemon_says_at_start_which_auto_approve_posts_wait_and_why(
    project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Logged, and told to staff once: not again by the morning refresh or after a restart; a post newly held
    (here its words got an absolute term) gets a notice of its own."""
    campaign = load_campaign(project(_auto_wechat_before_the_launch))
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    notices = Recorder()
    h = Harness(campaign, plan, Renderer(campaign), dt.datetime.fromtimestamp(BEFORE, campaign.timezone), notices)

    def told() -> list[Notice]:
        said = [n for n in notices.sent if n.title.startswith("【未自动审核】")]
        notices.sent.clear()
        return said

    try:
        with caplog.at_level(logging.WARNING, logger="qm"):
            h.start()
        said = [r.__dict__.get("qm_fields", {}) for r in caplog.records if r.getMessage() == "auto_approve_held"]
        assert len(said) == 1 and said[0]["count"] == 1
        assert said[0]["note"].startswith("1 条自动审核渠道的内容 qm check 发现问题，未自动审核，留待人工审核")
        assert LAUNCH_POST in said[0]["note"] and TOO_EARLY in said[0]["note"]
        assert h.state(LAUNCH_POST) == st.PLANNED
        (notice,) = told()
        assert notice.kind == APPROVAL and notice.title.startswith("【未自动审核】1 条")
        assert any(line.startswith(f"{LAUNCH_POST}：") and TOO_EARLY in line for line in notice.lines)
        h.run_until(h.clock.now() + dt.timedelta(days=1))  # the morning refresh
        h.crash()
        h.start()
        assert told() == []
        other = _absolute_term_in_an_approved_wechat_post(h)
        h.run_until(h.clock.now() + dt.timedelta(days=1))
        (grown,) = told()
        assert h.state(other.id) == st.PLANNED and grown.title.startswith("【未自动审核】")
        assert any(other.id in line and "最佳" in line for line in grown.lines)
        assert not any(LAUNCH_POST in line for line in grown.lines)  # told already
    finally:
        h.close()


def test_auto_approval_holds_the_posts_of_an_item_the_content_guide_rejects(project: Callable[..., Path]) -> None:
    """A Markdown link written into an item's body: `qm check` refuses the item, so auto-approval holds each of
    its posts (not only ones whose rendered words the platform rules catch); fixed, they are approved."""
    config = project(lambda text: text.replace('    times: ["20:00"]\n', '    times: ["20:00"]\n    auto_approve: true\n', 1))
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    item = next(p.item for p in plan.posts if p.channel == "wechat" and p.at.timestamp() > BEFORE and p.item.body)
    path = Path(item.source.rsplit(":", 1)[0])
    original = path.read_text(encoding="utf-8")
    sentence = item.body.splitlines()[0]
    path.write_text(original.replace(sentence, sentence + "详见[官网](http://example.com)", 1), encoding="utf-8")
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and "Markdown 链接" in checked.stderr and item.id in checked.stderr
    located = checked.stderr[checked.stderr.index(f"{path}:") :].splitlines()[0]  # the problem as `qm check` words it
    assert "Markdown 链接" in located and "内容没有链接字段" in located, located  # file:line, what, the fix

    queue = Queue(open_db(campaign.db_url))
    result = _fill(config, queue, BEFORE)
    mine = {p.id for p in plan.posts if p.item.id == item.id and p.channel == "wechat" and p.at.timestamp() > BEFORE}
    assert mine and set(result.held) == mine
    wechat = {p.id: p for p in queue.find() if p.channel == "wechat"}
    for post_id in mine:
        held = wechat.pop(post_id)
        assert held.state == st.PLANNED and "未自动审核" in held.last_error and located in held.last_error
    assert {(p.state, p.approved_by) for p in wechat.values()} == {(st.APPROVED, "自动审核")}

    path.write_text(original, encoding="utf-8")  # the link taken out: approved at the next fill
    _fill(config, queue, BEFORE + 60)
    assert {queue.get(i).state for i in mine} == {st.APPROVED}  # type: ignore[union-attr]


def test_a_post_held_again_for_the_same_reason_after_it_was_approved_is_told_again(project: Callable[..., Path]) -> None:
    """Held (a Markdown link), fixed and approved, then the same link written back: staff are told again,
    since the post once more waits for a person (the first notice was about a hold that ended)."""
    config = project(lambda text: text.replace('    times: ["20:00"]\n', '    times: ["20:00"]\n    auto_approve: true\n', 1))
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    notices = Recorder()
    h = Harness(campaign, make_plan(campaign, library), Renderer(campaign), dt.datetime.fromtimestamp(BEFORE, campaign.timezone), notices)
    item = next(p.item for p in h.plan.posts if p.channel == "wechat" and p.at.timestamp() > BEFORE + 3 * 86400 and p.item.body)
    path = Path(item.source.rsplit(":", 1)[0])
    original = path.read_text(encoding="utf-8")
    sentence = item.body.splitlines()[0]
    linked = original.replace(sentence, sentence + "详见[官网](http://example.com)", 1)

    def edit(text: str) -> list[str]:
        """Write the item's file, refresh the queue the next morning; the ids of the posts staff were told are held."""
        path.write_text(text, encoding="utf-8")
        h.plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
        h.run_until(h.clock.now() + dt.timedelta(days=1))
        said = [line for n in notices.sent if n.title.startswith("【未自动审核】") for line in n.lines]
        notices.sent.clear()
        return said

    try:
        h.start()
        notices.sent.clear()
        first = edit(linked)
        mine = [p.id for p in h.queue.find() if p.item == item.id and p.channel == "wechat" and p.at > h.clock.now().timestamp()]
        assert mine and all(any(i in line for line in first) for i in mine)
        assert edit(original) == [] and {h.state(i) for i in mine} <= {st.APPROVED, st.SCHEDULED}
        again = edit(linked)
        assert {h.state(i) for i in mine} == {st.PLANNED}
        assert all(any(i in line and "Markdown 链接" in line for line in again) for i in mine)
        assert not any(str(path.parent) in line for line in again)  # the file by its name: the reason fits the chat message
    finally:
        h.close()


def test_a_post_held_by_another_processs_refill_is_told_by_the_daemon_at_its_next_heartbeat(project: Callable[..., Path]) -> None:
    """`qm queue` or the console refills (their `fill`, here in this process) while the daemon runs, and holds a
    post: the daemon tells staff at its next heartbeat, not at its next morning refresh, through the group robot,
    and only once (not again at a later refill or after a restart)."""
    config = project(_auto_wechat_before_the_launch)
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    with robot_server() as (url, received):
        start = dt.datetime.fromtimestamp(BEFORE, campaign.timezone)
        h = Harness(campaign, plan, Renderer(campaign), start, Notifications(campaign.notifiers, env={"QM_WECOM_WEBHOOK": url}))
        try:
            h.start()
            assert len(_held_told(received)) == 1  # the launch post, at start
            received.clear()
            other = _absolute_term_in_an_approved_wechat_post(h)
            assert other.id in _fill(config, h.queue, h.now + 60).held  # another process's refill
            assert h.state(other.id) == st.PLANNED and received == []
            h.step_at(start + dt.timedelta(seconds=75))  # the daemon's next heartbeat
            (told,) = _held_told(received)
            assert other.id in told and "最佳" in told and LAUNCH_POST not in told  # told already
            _fill(config, h.queue, h.now + 60)
            h.crash()
            h.start()
            h.step_at(start + dt.timedelta(minutes=10))
            assert len(_held_told(received)) == 1
        finally:
            h.close()


def _held_told(received: list[dict[str, Any]]) -> list[str]:
    """The held notices a robot got, as their text."""
    return [str(r["body"]) for r in received if "【未自动审核】" in str(r["body"])]


def _absolute_term_in_an_approved_wechat_post(h: Harness) -> Post:
    """Write an absolute term (最佳) into the content file of an approved WeChat post; the daemon's plan follows."""
    campaign = h.campaign
    items = load_library(campaign.paths.content, campaign.text_values).by_id
    post, source = next(
        (p, Path(f))
        for p in h.queue.find(list(st.APPROVED_STATES))
        if p.channel == "wechat" and (f := items[p.item].source.split(":")[0]).endswith(".md")
    )
    source.write_text(source.read_text(encoding="utf-8") + "\n这是最佳做法。\n", encoding="utf-8")
    h.plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    return post


def test_an_auto_approve_screen_holds_an_item_whose_title_the_check_rejects(project: Callable[..., Path]) -> None:
    """A screen shows an item's own headline, but its title has an absolute term: `qm check` rejects the item
    (its posters and print sheets carry the title), so the screen does not approve it automatically. Edited
    again after it was approved, its note in `qm queue` says both what changed and why it was not approved."""
    screen = "      launch_extra: 2\n"
    config = project(lambda text: text.replace(screen, screen + "      auto_approve: true\n", 1))
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    item = next(
        p.item for p in plan.posts if p.channel == "screen:center" and p.at.timestamp() > BEFORE and p.item.headline == p.item.title
    )
    path = Path(item.source.rsplit(":", 1)[0])
    original = path.read_text(encoding="utf-8")
    own_headline = original.replace(f"title: {item.title}\n", f"title: {item.title}\nheadline: {item.title}\n", 1)
    absolute = own_headline.replace(f"title: {item.title}\n", f"title: 最好的{item.title}\n", 1)
    path.write_text(absolute, encoding="utf-8")
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and "绝对化用语“最好”" in checked.stderr and item.id in checked.stderr

    queue = Queue(open_db(campaign.db_url))
    result = _fill(config, queue, BEFORE)
    mine = {p.id for p in queue.find() if p.item == item.id and p.channel == "screen:center"}
    assert mine and mine <= set(result.held)
    for post_id in mine:
        held = queue.get(post_id)
        assert held is not None and held.state == st.PLANNED and held.approved_by == ""
        assert "未自动审核" in held.last_error and "标题含有广告法禁用的绝对化用语“最好”" in held.last_error

    path.write_text(own_headline, encoding="utf-8")  # fixed: approved at the next fill
    _fill(config, queue, BEFORE + 60)
    assert {queue.get(i).state for i in mine} == {st.APPROVED}  # type: ignore[union-attr]

    path.write_text(absolute.replace(f"line: {item.line}", f"line: {item.line[:-1]}", 1), encoding="utf-8")  # the slide changed too
    day = min(queue.get(i).when(campaign.timezone).date() for i in mine)  # type: ignore[union-attr]
    shown = run_qm("queue", "--date", day.isoformat(), "-c", config)
    line = next(x for x in shown.stdout.splitlines() if x.split()[3] in mine)
    assert "待审核" in line and "改动了内容" in line and "未自动审核" in line and "绝对化用语“最好”" in line, line
