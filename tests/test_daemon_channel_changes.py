"""Channels added to or removed from config.yaml while the daemon runs: the daemon takes them up when it reads
the config again (the morning refresh; a publish of a post whose channel it does not run), between jobs. A
channel added gets its approved posts published, one removed gets none published: its posts are cancelled
with the reason, and staff are told. The project's config on disk read as `qm daemon` reads it, real SQLite,
the fake platforms.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from scheduler.cli.context import Context
from scheduler.cli.daemon_cmds import _fresh, _fresh_source
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Post
from scheduler.publishing.queue_sync import fill
from scheduler.runtime import job_table
from scheduler.views.daemon_status import gather, job_names, to_text

from .daemon_helpers import Harness, Recorder

TZ = dt.timezone(dt.timedelta(hours=8))
EVENING = dt.datetime(2027, 9, 7, 21, 0, tzinfo=TZ)  # the daemon starts; the station screen's next slot is 06:30
MORNING = dt.datetime(2027, 9, 7, 9, 0, tzinfo=TZ)  # Weibo posts at 09:30
DAY = dt.date(2027, 9, 8)
STATION = "screen:station"


def without_station(text: str) -> str:
    """The config with the station screen taken out of `channels`."""
    cut = re.sub(r"\n    - id: station\n(      .*\n)+", "\n", text)
    assert cut != text
    return cut


class Start(Protocol):
    def __call__(self, edit: Callable[[str], str] | None, at: dt.datetime = EVENING) -> tuple[Harness, Recorder, Path]: ...


@pytest.fixture
def run(project: Callable[..., Path]) -> Iterator[Start]:
    """A daemon over the project's config as `qm daemon` wires it: fills and channels read from the file again."""
    made: list[Harness] = []

    def start(edit: Callable[[str], str] | None, at: dt.datetime = EVENING) -> tuple[Harness, Recorder, Path]:
        path = project(edit)
        ctx = Context(path)
        told = Recorder()
        h = Harness(ctx.campaign, ctx.plan, ctx.renderer, at, told)
        h.source = lambda: _fresh_source(path, h.engine)
        h.config = lambda: _fresh(path, h.engine).campaign
        made.append(h)
        h.start()
        return h, told, path

    yield start
    for h in made:
        h.close()


def of_day(h: Harness, channel: str, states: list[str] | None = None) -> list[Post]:
    return [p for p in h.queue.find(states) if p.channel == channel and p.when(TZ).date() == DAY]


def test_a_channel_added_while_the_daemon_runs_gets_its_approved_posts_published(
    run: Start,
    project: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    h, told, _ = run(without_station)
    assert not of_day(h, STATION)
    project()  # the station screen back in config.yaml
    with caplog.at_level(logging.INFO, logger="qm"):
        h.run_until(dt.datetime(2027, 9, 8, 6, 5, tzinfo=TZ))  # the 06:00 refresh reads the config again
    added = of_day(h, STATION)
    assert added and all(p.state == st.PLANNED for p in added)
    assert any(r.getMessage() == "channels_changed" for r in caplog.records)
    assert any("【发布渠道已更新】" in n.title and "新增渠道" in "".join(n.lines) for n in told.sent)
    for post in added:
        assert h.approve(post.id, "张科长")
    h.run_until(dt.datetime(2027, 9, 8, 7, 0, tzinfo=TZ))
    assert {p.id: p.state for p in of_day(h, STATION)} == {p.id: st.PUBLISHED for p in added}
    assert sorted(h.channels[STATION].published) == sorted(p.id for p in added)


def test_posts_a_qm_command_queued_for_a_channel_added_go_out_before_the_daemon_refreshes(run: Start, project: Callable[..., Path]) -> None:
    """`qm queue` (any command's fill) queues the new channel's posts of today; approved, they go out on time."""
    h, _, _ = run(without_station)
    ctx = Context(project())  # the station screen back in config.yaml, and a command fills the queue with it
    fill(h.queue, ctx.campaign, ctx.plan, ctx.renderer, h.now)
    today = [p for p in h.queue.find([st.PLANNED]) if p.channel == STATION and p.when(TZ).date() == EVENING.date()]
    assert today  # 06:30 this morning: the screen shows it until its on-hours end at 23:00
    h.step_at(dt.datetime(2027, 9, 7, 21, 1, tzinfo=TZ))  # a heartbeat before anyone reviews them
    assert {p.id: h.state(p.id) for p in today} == {p.id: st.PLANNED for p in today}  # not missed by a grace of none
    for post in today:
        assert h.approve(post.id, "张科长")
    h.run_until(dt.datetime(2027, 9, 7, 21, 30, tzinfo=TZ))
    assert {p.id: h.state(p.id) for p in today} == {p.id: st.PUBLISHED for p in today}


def test_a_channel_removed_while_the_daemon_runs_gets_no_post_published_and_staff_are_told(run: Start) -> None:
    h, told, path = run(None, MORNING)
    h.approve_all()
    ours = [p for p in h.queue.find([st.APPROVED]) if p.channel == "weibo"]
    assert any(p.when(TZ) == MORNING.replace(minute=30) for p in ours)  # 09:30 today
    path.write_text(re.sub(r"\n  weibo:\n(    .*\n)+", "\n", path.read_text(encoding="utf-8")), encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 8, 21, 0, tzinfo=TZ))
    assert h.channels["weibo"].published == []
    assert {p.id: h.state(p.id) for p in ours} == {p.id: st.CANCELLED for p in ours}
    assert not h.queue.find([st.FAILED])
    notice = next(n for n in told.sent if "【发布渠道已更新】" in n.title)
    assert any("已删除的渠道" in line and ours[0].id in line for line in notice.lines)


def test_a_channel_setting_changed_while_the_daemon_runs_is_what_its_posts_go_by(run: Start) -> None:
    """Weibo paused before 09:30, its grace raised from 60 to 240 minutes meanwhile: resumed at 11:00, the
    post goes out late instead of being marked missed after an hour."""
    h, _, path = run(None, MORNING)
    h.approve_all()
    post = next(p for p in h.queue.find([st.APPROVED]) if p.channel == "weibo" and p.when(TZ) == MORNING.replace(minute=30))
    review.pause(h.queue, "weibo", "王科长", "等通知", h.now)
    text = path.read_text(encoding="utf-8")
    raised = re.sub(r"(\n  weibo:\n(?:    .*\n)*?    grace_minutes: )60\n", r"\g<1>240\n", text)
    assert raised != text
    path.write_text(raised, encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 7, 11, 0, tzinfo=TZ))
    assert h.state(post.id) == st.SCHEDULED
    review.resume(h.queue, "weibo", "王科长", h.now)
    h.run_until(dt.datetime(2027, 9, 7, 11, 10, tzinfo=TZ))
    assert h.state(post.id) == st.PUBLISHED


def test_a_post_of_a_channel_the_daemon_cannot_take_up_yet_waits_and_staff_are_told_once(run: Start, project: Callable[..., Path]) -> None:
    """config.yaml broken by the time the new channel's post is due: told once, published once it is fixed."""
    h, told, path = run(without_station)
    ctx = Context(project())
    fill(h.queue, ctx.campaign, ctx.plan, ctx.renderer, h.now)
    today = [p for p in h.queue.find([st.PLANNED]) if p.channel == STATION and p.when(TZ).date() == EVENING.date()]
    for post in today:
        assert h.approve(post.id, "张科长")
    good = path.read_text(encoding="utf-8")
    path.write_text(good + "\nchannels: [\n", encoding="utf-8")  # saved half-edited
    h.run_until(dt.datetime(2027, 9, 7, 21, 20, tzinfo=TZ))
    assert {p.id: h.state(p.id) for p in today} == {p.id: st.SCHEDULED for p in today}
    notices = [n for n in told.sent if n.title.startswith("【渠道未能启用】")]
    assert sorted(n.title.removeprefix("【渠道未能启用】") for n in notices) == sorted(p.id for p in today)
    path.write_text(good, encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 7, 21, 30, tzinfo=TZ))
    assert {p.id: h.state(p.id) for p in today} == {p.id: st.PUBLISHED for p in today}


def test_a_channel_removed_while_the_queue_cannot_be_filled_is_told_once_the_fill_succeeds(run: Start) -> None:
    """Weibo removed while the WeChat template has a mistake: its 09:30 post is neither sent, failed nor said to
    wait for a channel to start; once the template is fixed the fill cancels its posts, and staff hear of that
    change and of the station screen removed meanwhile in one notice."""
    h, told, path = run(None, MORNING)
    h.approve_all()
    h.run_until(dt.datetime(2027, 9, 7, 9, 20, tzinfo=TZ))  # this morning's screen posts out: the 09:30 post is next
    ours = [p for p in h.queue.find([st.APPROVED, st.SCHEDULED]) if p.channel == "weibo"]
    template = path.parent / "templates" / "wechat" / "article.html.j2"
    good = template.read_text(encoding="utf-8")
    template.write_text(good + "\n{{ item.no_such_field.deeper }}\n", encoding="utf-8")
    path.write_text(re.sub(r"\n  weibo:\n(    .*\n)+", "\n", path.read_text(encoding="utf-8")), encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 7, 10, 0, tzinfo=TZ))
    first = ours[0].id
    assert h.state(first) == st.SCHEDULED and h.channels["weibo"].published == []
    assert not any(n.title.startswith("【渠道未能启用】") or "【发布渠道已更新】" in n.title for n in told.sent)
    waiting = [n for n in told.sent if n.title.startswith("【渠道已删除，等待取消】")]
    assert [n.title.removeprefix("【渠道已删除，等待取消】") for n in waiting] == [first]
    assert any("已从 config.yaml 删除" in line and "article.html.j2" in line for line in waiting[0].lines)
    path.write_text(without_station(path.read_text(encoding="utf-8")), encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 7, 10, 10, tzinfo=TZ))  # taken up by the 09:30 post's next try, the fill failing again
    template.write_text(good, encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 8, 21, 0, tzinfo=TZ))
    assert {p.id: h.state(p.id) for p in ours} == {p.id: st.CANCELLED for p in ours}
    assert h.channels["weibo"].published == [] and not h.queue.find([st.FAILED])
    [notice] = [n for n in told.sent if "【发布渠道已更新】" in n.title]
    [removed] = [line for line in notice.lines if line.startswith("已删除的渠道")]
    assert removed.startswith("已删除的渠道：微博（weibo）、火车站广场竖屏（screen:station）。")
    assert all(p.id in removed for p in ours)


def test_status_lists_neither_the_work_nor_the_publishes_of_a_screen_removed_while_the_daemon_runs(run: Start) -> None:
    """Once the morning refresh takes up a screen removed from config.yaml, `qm status` lists neither its
    playlist job (the daemon drops it) nor the publish jobs of its cancelled posts (they would do nothing)."""
    h, _, path = run(None)
    h.crash()
    h.ahead = lambda when: None  # a daemon that works ahead, as `qm daemon` runs
    h.start()
    h.approve_all()
    h.step_at(h.clock.now())  # the sweep schedules them
    station = [p.id for p in of_day(h, STATION, [st.SCHEDULED])]
    assert station and {f"post:{pid}" for pid in station} <= job_table.job_ids(h.engine)
    assert "ahead:station" in job_table.job_ids(h.engine)
    path.write_text(without_station(path.read_text(encoding="utf-8")), encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 8, 6, 5, tzinfo=TZ))  # the 06:00 refresh took the change up
    assert {h.state(pid) for pid in station} == {st.CANCELLED}
    assert "ahead:station" not in job_table.job_ids(h.engine)
    campaign = _fresh(path, h.engine).campaign
    report = gather(h.engine, h.now, jobs=50)
    listed = [j.id for j in report.next_jobs]
    assert listed and not [j for j in listed if "station" in j], listed
    text = to_text(report, TZ, job_names(campaign, ()), campaign.start.year)
    assert "station" not in text and "火车站广场" not in text, text
    assert "发布 " in text  # the other channels' posts still come


def test_approvals_a_time_change_drops_in_the_daemons_refresh_are_told_once_with_the_posts_now_awaiting_review(run: Start) -> None:
    """Weibo's 09:30 moved to 09:45 at 08:01, every post approved: the daemon takes the change up at the 09:30
    publish, cancelling the approved 09:30 posts and queueing 09:45 ones that wait for review. Reviewers hear of it
    once, today's 09:45 post first and marked, and the channel notice does not say publishing simply goes on."""
    h, told, path = run(None, dt.datetime(2027, 9, 7, 8, 0, tzinfo=TZ))
    h.approve_all()
    h.step_at(dt.datetime(2027, 9, 7, 8, 0, 15, tzinfo=TZ))
    approved = {p.id for p in h.queue.find([st.APPROVED, st.SCHEDULED])}
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('times: ["09:30", "17:30"]', 'times: ["09:45", "17:30"]'), encoding="utf-8")
    h.run_until(dt.datetime(2027, 9, 7, 9, 30, 30, tzinfo=TZ))
    h.step_at(dt.datetime(2027, 9, 7, 9, 30, 45, tzinfo=TZ))  # the heartbeat after the 09:30 publish's refresh
    lost = sorted(i for i in approved if h.state(i) == st.CANCELLED)
    waiting = sorted(p.id for p in h.queue.find([st.PLANNED]) if p.channel == "weibo")
    assert lost and all("-weibo-0930" in i for i in lost) and "20270907-weibo-0945" in waiting
    [notice] = [n for n in told.sent if n.title.startswith("【已审核的内容被取消】")]
    assert f"取消了 {len(lost)} 条已审核的内容" in notice.title and f"新排入的 {len(waiting)} 条待审核" in notice.title
    assert "2 条今明两天发布" in notice.title and notice.lines[1].startswith("【明天 09:45】20270908-weibo-0945")
    assert notice.lines[0].startswith("【今天 09:45】20270907-weibo-0945（微博）") and "qm approve 20270907-weibo-0945" in notice.lines[0]
    assert any(lost[0] in line and "审核也随之失效" in line for line in notice.lines)
    [channels] = [n for n in told.sent if "【发布渠道已更新】" in n.title]
    [changed] = [line for line in channels.lines if line.startswith("设置有改动的渠道")]
    assert f"{len(lost)} 条已审核的内容被取消" in changed and "【已审核的内容被取消】" in changed
    assert f"新排入的 {len(waiting)} 条要审核通过后才会发布" in changed and "新排进来的内容要审核。" in notice.lines[-1]
    h.run_until(dt.datetime(2027, 9, 8, 6, 5, tzinfo=TZ))  # the next morning's refresh: nothing new to tell
    assert len([n for n in told.sent if n.title.startswith("【已审核的内容被取消】")]) == 1
