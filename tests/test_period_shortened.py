"""The campaign's period shortened in the config (`end` earlier, `start` later): the queued posts of the days it
no longer has are cancelled at the next refresh like a slot the plan dropped (`dropped_slots`), saying why (a running
daemon cancels one so before it would publish it); the
staff member is told of the approvals lost; what went out stays; `qm check` says what the refresh will cancel;
the period moved back brings them back, approved again. The real command line and the daemon on the bundled
campaign's SQLite queue."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.channels.base import TransientError
from scheduler.cli.context import Context
from scheduler.cli.daemon_cmds import _ahead, _fresh, _fresh_source
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.kept_posts import read_kept
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.work_ahead import Ahead
from scheduler.screens.build import current_folder, playlist_day, screens_root

from .conftest import run_qm
from .daemon_helpers import Harness, Recorder, local_campaign

END = ("end: 2027-09-30", "end: 2027-09-25")
START = ("start: 2027-09-01", "start: 2027-09-05")
TZ = dt.timezone(dt.timedelta(hours=8))
SEP29 = dt.datetime(2027, 9, 29, 7, 0, tzinfo=TZ)
SEP20 = dt.datetime(2027, 9, 20, 19, 0, tzinfo=TZ)


def _edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new), encoding="utf-8")


def _qm(config: Path, *args: str) -> str:
    done = run_qm(*args, "-c", config)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _states(config: Path) -> dict[str, str]:
    return {p["id"]: p["state"] for p in json.loads(_qm(config, "queue", "--json"))}


def test_an_earlier_end_cancels_the_days_past_it_tells_of_the_approvals_and_moved_back_approves_them_again(
    project: Callable[..., Path],
) -> None:
    config = project()
    first = _states(config)
    assert _qm(config, "approve", "--date", "2027-09-29", "--by", "张科长")
    approved = sorted(i for i, s in _states(config).items() if s == st.APPROVED)
    assert len(approved) == 7 and all(i.startswith("20270929-") for i in approved)
    _edit(config, *END)
    check = run_qm("check", "-c", config).stdout  # it may find more (the days left cover fewer topics): it says this first
    past = [i for i in first if i[:8] > "20270925"]
    assert f"发布队列里有 {len(past)} 条还没有发出的内容在新的活动期（2027-09-01 至 2027-09-25）之外" in check
    told = _qm(config, "queue")
    assert f"注意：这次刷新按调整后的排期取消了 7 条已审核的内容，它们不会发出，审核也随之失效：{'、'.join(approved)}。" in told
    states = _states(config)
    assert {i: s for i, s in states.items() if i in past} == dict.fromkeys(past, st.CANCELLED)
    inside = {i: s for i, s in first.items() if i not in past}
    assert {i: s for i, s in states.items() if i not in past} == inside  # the others as they were
    why = "活动期改为 2027-09-01 至 2027-09-25，这一天不在活动期内，不再安排该内容"
    assert f"已取消  排期：{why}" in _qm(config, "history", approved[0]).splitlines()[-1]
    row = next(line for line in _qm(config, "queue", "--state", "cancelled").splitlines() if approved[0] in line)
    assert f"{why}（排期）" in row
    assert "之外" not in run_qm("check", "-c", config).stdout  # refreshed: nothing left to cancel

    _edit(config, END[1], END[0])
    back = _states(config)
    assert back == {**first, **dict.fromkeys(approved, st.APPROVED)}
    assert "排期：排期恢复了这个时段，内容与取消前相同，恢复为已审核" in _qm(config, "history", approved[0]).splitlines()[-1]


@pytest.fixture
def second_of_september(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QM_NOW", "2027-09-02T09:00:00+08:00")


@pytest.mark.usefixtures("second_of_september")
def test_a_later_start_cancels_the_days_before_it_from_today_on_and_keeps_what_went_out(project: Callable[..., Path]) -> None:
    config = project()
    first = _states(config)
    assert _qm(config, "approve", "--date", "2027-09-03", "--by", "张科长")
    sent = "20270902-weibo-0930"
    with open_db(load_campaign(config).db_url).begin() as conn:  # went out this morning
        conn.execute(posts.update().where(posts.c.id == sent).values(state=st.PUBLISHED))
    _edit(config, *START)
    told = _qm(config, "queue")
    assert "注意：这次刷新按调整后的排期取消了 7 条已审核的内容" in told  # all of 9/03
    states = _states(config)
    before = {i for i in first if "20270902" <= i[:8] < "20270905" and i != sent}
    assert before and {i: states[i] for i in before} == dict.fromkeys(before, st.CANCELLED)
    assert states[sent] == st.PUBLISHED
    assert {i: s for i, s in states.items() if i[:8] >= "20270905"} == {i: s for i, s in first.items() if i[:8] >= "20270905"}
    _edit(config, START[1], START[0])
    back = _states(config)
    assert {i: back[i] for i in before} == {i: (st.APPROVED if i.startswith("20270903-") else st.PLANNED) for i in before}


def test_a_daemon_started_after_the_end_moved_earlier_publishes_nothing_past_it_and_moved_back_it_does(
    project: Callable[..., Path], tmp_path: Path, database_url: str
) -> None:
    config = project()

    def from_config() -> None:  # as the daemon's refresh reads them (`qm daemon` started after the edit)
        h.campaign = local_campaign(load_campaign(config), tmp_path, database_url)
        h.plan = make_plan(h.campaign, load_library(h.campaign.paths.content, h.campaign.text_values), read_kept(h.campaign.db_url))
        h.renderer = Renderer(h.campaign)

    campaign = local_campaign(load_campaign(config), tmp_path, database_url)
    h = Harness(campaign, make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)), Renderer(campaign), SEP29)
    try:
        h.fill()
        day = sorted(p.id for p in h.queue.find() if p.id.startswith("20270929-"))
        assert len(day) == 7 and all(h.approve(i, "张科长") for i in day)
        _edit(config, *END)
        from_config()
        h.start()
        h.run_until(SEP29.replace(hour=12))
        assert {i: h.state(i) for i in day} == dict.fromkeys(day, st.CANCELLED)
        assert [i for c in h.channels.values() for i in c.published] == []  # the screens' and the 09:30 Weibo post's times passed
        _edit(config, END[1], END[0])
        from_config()
        h.fill()
        assert {i: h.state(i) for i in day} == dict.fromkeys(day, st.APPROVED)
        h.run_until(SEP29.replace(hour=23))
        published = {i for c in h.channels.values() for i in c.published}
        assert {"20270929-weibo-1730", "20270929-wechat-2000"} <= published  # approved again: they go out
    finally:
        h.close()


def test_a_screen_that_holds_a_day_past_the_new_end_goes_back_to_the_last_day_of_the_period(project: Callable[..., Path]) -> None:
    """The evening before, the daemon made the 29th each wall's playlist; the end moved to the 25th the next
    morning, the daemon's round before the walls switch on puts the 25th back (its on-hours are over: black)."""
    config = project()
    _qm(config, "approve", "--date", "2027-09-29", "--by", "张科长")
    queue = Queue(open_db(load_campaign(config).db_url))
    root = screens_root(load_campaign(config))

    def shown() -> dict[str, dt.date | None]:
        return {s: playlist_day(f) if (f := current_folder(root, s)) is not None else None for s in ("center", "station")}

    try:
        _ahead(config, queue, Ahead(), Recorder(), dt.datetime(2027, 9, 28, 23, 30, tzinfo=TZ))
        assert shown() == dict.fromkeys(("center", "station"), dt.date(2027, 9, 29))
        _edit(config, *END)
        _qm(config, "queue")
        _ahead(config, queue, Ahead(), Recorder(), dt.datetime(2027, 9, 29, 6, 15, tzinfo=TZ))
        assert shown() == dict.fromkeys(("center", "station"), dt.date(2027, 9, 25))
    finally:
        queue.engine.dispose()


def test_before_the_campaign_a_later_start_moves_the_walls_off_a_day_it_no_longer_has(project: Callable[..., Path]) -> None:
    """Before the campaign a wall stays on the earliest day built (the one it plays first); once the start moved
    later, that day is not the campaign's: building the new first day puts the wall on it."""
    config = project()
    root = screens_root(load_campaign(config))

    def shown() -> dict[str, dt.date | None]:
        return {s: playlist_day(f) if (f := current_folder(root, s)) is not None else None for s in ("center", "station")}

    _qm(config, "screen", "build", "--date", "2027-09-01")
    assert shown() == dict.fromkeys(("center", "station"), dt.date(2027, 9, 1))
    _edit(config, *START)
    _qm(config, "screen", "build", "--date", "2027-09-05")
    assert shown() == dict.fromkeys(("center", "station"), dt.date(2027, 9, 5))


def _daemon_on(config: Path, start: dt.datetime) -> Harness:
    """A daemon on the project's queue that reads config.yaml, content and templates again as `qm daemon` does."""
    ctx = Context(config)
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, start, Recorder())
    h.source = lambda: _fresh_source(config, h.engine)
    h.config = lambda: _fresh(config, h.engine).campaign
    h.start()
    h.approve_all()
    h.step_at(start + dt.timedelta(seconds=15))
    return h


@pytest.mark.parametrize("retry", [False, True], ids=["due", "waiting to retry"])
def test_an_end_moved_before_today_while_the_daemon_runs_stops_todays_post_before_the_morning_refresh(
    project: Callable[..., Path], retry: bool
) -> None:
    """The daemon reads config.yaml again before each publish: today's 20:00 post (or one waiting to retry after an
    error) whose day the period no longer has is cancelled as the refresh would cancel it, and never sent."""
    config = project()
    h = _daemon_on(config, SEP20)
    post = "20270920-wechat-2000"
    try:
        if retry:
            h.channels["wechat"].fail_with = [TransientError("系统繁忙", "wechat")]  # type: ignore[attr-defined]
            h.step_at(SEP20.replace(hour=20))
            assert h.state(post) == st.SCHEDULED
        _edit(config, END[0], "end: 2027-09-19")
        h.step_at(SEP20.replace(hour=20))
        h.step_at(SEP20.replace(hour=20, minute=1))
        assert h.state(post) == st.CANCELLED and h.ledger.first(post) is None
        assert h.queue.history(post)[-1].why == "活动期改为 2027-09-01 至 2027-09-19，这一天不在活动期内，不再安排该内容"
        assert not any(post in n.title for n in h.notifications.sent)  # type: ignore[union-attr]  # nothing may be out: as the refresh
    finally:
        h.close()


def test_the_last_days_post_waiting_to_retry_is_not_sent_by_a_daemon_started_after_the_campaign(project: Callable[..., Path]) -> None:
    """One busy answer at 20:00 on the last day, then the daemon down for two days: past its grace window the retry
    does not go out after the campaign; it fails and staff are told."""
    config = project()
    last = dt.datetime(2027, 9, 30, 19, 0, tzinfo=TZ)
    h = _daemon_on(config, last)
    post = "20270930-wechat-2000"
    try:
        h.channels["wechat"].fail_with = [TransientError("系统繁忙", "wechat")]  # type: ignore[attr-defined]
        h.step_at(last.replace(hour=20))
        assert h.state(post) == st.SCHEDULED
        h.crash()
        h.clock.set(dt.datetime(2027, 10, 2, 9, 0, tzinfo=TZ))
        h.start()
        h.step_at(dt.datetime(2027, 10, 2, 9, 0, 15, tzinfo=TZ))
        assert h.state(post) == st.FAILED and h.ledger.first(post) is None
        assert any(n.title == "【发布失败】" + post for n in h.notifications.sent)  # type: ignore[union-attr]
    finally:
        h.close()
