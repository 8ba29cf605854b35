"""Outdoor screens show only words a person approved: a slide whose words changed after the approval stays
off the wall (the daemon's work ahead and `qm screen build`), and a slogan item a person rejected does not
rotate. Real content files, real SQLite, real drawing."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.cli.context import Context
from scheduler.cli.daemon_cmds import _ahead
from scheduler.daemon.notices_due import BUILDERS
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import PlannedPost
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import notices_due
from scheduler.rendering.payloads import RenderedPost, Renderer
from scheduler.runtime.work_ahead import Ahead
from scheduler.screens import held_words
from scheduler.screens.build import current_folder, screens_root
from scheduler.screens.daily import approval, day_playlists
from scheduler.screens.playlist import MIN_SLOGANS, daily_slogans

from .conftest import run_qm
from .daemon_helpers import Recorder

REHEARSAL = "2027-06-01T09:00:00+08:00"  # months before the campaign: every day of it is filled into the queue
DAY = dt.date(2027, 9, 3)
UNREVIEWED = "未经审核的新说法"


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", REHEARSAL)
    return project()


def featured(ctx: Context) -> PlannedPost:
    """A featured (not launch) post of the centre screen on DAY, from a content file of its own."""
    centre = next(s for s in ctx.campaign.screens if s.id == "center")
    return next(p for p in ctx.plan.on(DAY) if p.channel == centre.name and p.reason != "launch" and ".md:" in p.item.source)


def content_file(post: PlannedPost) -> Path:
    return Path(post.item.source.rsplit(":", 1)[0])


def edit_line(post: PlannedPost) -> None:
    path = content_file(post)
    text = path.read_text(encoding="utf-8")
    assert f"line: {post.item.line}\n" in text
    path.write_text(text.replace(f"line: {post.item.line}\n", f"line: {UNREVIEWED}\n"), encoding="utf-8")


def on_wall(ctx: Context) -> tuple[Path, list[dict[str, str]]]:
    folder = current_folder(screens_root(ctx.campaign), "center")
    assert folder is not None
    document = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
    assert document["date"] == DAY.isoformat()
    return folder, document["slides"]


def told(queue: Queue) -> list[dict[str, object]]:
    with queue.engine.connect() as conn:
        rows = conn.execute(sa.select(notices_due.c.body).where(notices_due.c.topic == "screen-held")).scalars()
        return [json.loads(body) for body in rows]


def test_words_edited_after_approval_leave_the_wall_at_once_and_the_post_goes_back_to_review(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    post = featured(ctx)
    review.approve(queue, post.id, "审核员甲", ctx.clock())
    morning = ctx.campaign.at(DAY, dt.time(6, 45))  # before the wall lights up: DAY's playlist is the current one
    ahead = Ahead()
    _ahead(config, queue, ahead, Recorder(), morning)
    folder, slides = on_wall(ctx)
    assert post.id in [s["post"] for s in slides]

    edit_line(post)  # nobody refills the queue: the daemon's next round must notice it by itself
    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=5))
    after, slides = on_wall(ctx)
    assert after != folder and post.id not in [s["post"] for s in slides]
    assert post.item.id not in [s["item"] for s in slides]  # nor as a slogan
    stored = queue.get(post.id)
    assert stored is not None and stored.state == st.PLANNED  # back to review, saying why
    assert "需要重新审核" in queue.history(post.id)[-1].why
    assert told(queue) == [{"posts": [{"post": post.id, "title": post.item.title, "out": False}]}]
    with queue.engine.connect() as conn:  # that notice tells of its return to review: not the refill's 【回到待审核】 too
        assert set(conn.execute(sa.select(notices_due.c.topic)).scalars()) == {"screen-held"}
    said = BUILDERS["screen-held"](ctx.campaign, told(queue)[0], ctx.clock())  # what the daemon sends approval subscribers
    assert said.title == "【电子屏】1 条内容审核后又改过，改过的文字没有上屏" and "已回到待审核" in said.lines[1]

    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=10))
    assert len(told(queue)) == 1  # told once
    review.approve(queue, post.id, "审核员甲", ctx.clock())  # the new words approved: on the wall again
    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=15))
    assert post.id in [s["post"] for s in on_wall(ctx)[1]]


def test_a_slide_already_on_the_wall_is_taken_off_when_its_words_change_and_comes_back_when_they_are_undone(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    post = featured(ctx)
    review.approve(queue, post.id, "审核员甲", ctx.clock())
    for state in (st.SCHEDULED, st.PUBLISHING, st.PUBLISHED):  # the slot came: the screen post counts as out
        assert queue.move(post.id, state, "后台服务", "", ctx.clock())
    noon = ctx.campaign.at(DAY, dt.time(12))
    ahead = Ahead()
    _ahead(config, queue, ahead, Recorder(), noon)
    original = content_file(post).read_text(encoding="utf-8")
    edit_line(post)
    _ahead(config, queue, ahead, Recorder(), noon + dt.timedelta(minutes=5))
    assert post.id not in [s["post"] for s in on_wall(ctx)[1]]
    stored = queue.get(post.id)
    assert stored is not None and stored.state == st.PUBLISHED  # out already: it cannot go back to review
    assert told(queue) == [{"posts": [{"post": post.id, "title": post.item.title, "out": True}]}]

    built = run_qm("screen", "build", "--date", DAY.isoformat(), "-c", config, env={**os.environ})  # the command holds it back too
    assert built.returncode == 0, built.stderr
    assert "1 条已经上屏的内容审核后又改过" in built.stdout and post.id in built.stdout
    assert post.id not in [s["post"] for s in on_wall(ctx)[1]]

    content_file(post).write_text(original, encoding="utf-8")  # the edit undone
    _ahead(config, queue, ahead, Recorder(), noon + dt.timedelta(minutes=10))
    assert post.id in [s["post"] for s in on_wall(ctx)[1]]


class CountingRenderer(Renderer):
    """The real renderer, counting what it renders by post id."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(campaign)
        self.rendered: Counter[str] = Counter()

    def render(self, post: PlannedPost) -> RenderedPost:
        self.rendered[post.id] += 1
        return super().render(post)


def test_a_slide_edited_after_it_went_out_is_rendered_once_to_find_it_and_to_tell_staff(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    post = featured(ctx)
    review.approve(queue, post.id, "审核员甲", ctx.clock())
    for state in (st.SCHEDULED, st.PUBLISHING, st.PUBLISHED):  # out already: no refill, which renders on its own
        assert queue.move(post.id, state, "后台服务", "", ctx.clock())
    edit_line(post)
    now, fresh = ctx.campaign.at(DAY, dt.time(12)), Context(config)
    renderer = CountingRenderer(fresh.campaign)
    held = held_words.hold(fresh.campaign, fresh.plan, renderer, queue, queue.find(start=now.timestamp() - 86400), now)
    assert held == [post.id] and told(queue) == [{"posts": [{"post": post.id, "title": post.item.title, "out": True}]}]
    assert renderer.rendered[post.id] == 1


def test_an_item_a_person_rejected_on_any_channel_rotates_as_no_slogan_but_a_cancelled_one_does(config: Path) -> None:
    ctx = Context(config)
    campaign, library = ctx.campaign, ctx.library
    days = [campaign.start + dt.timedelta(days=n) for n in range((campaign.end - campaign.start).days + 1)]
    rotating = {i.id for d in days for i in daily_slogans(campaign, library, d, MIN_SLOGANS, set())}
    rejected, cancelled = sorted(rotating & {p.item.id for p in ctx.plan.posts if not p.channel.startswith("screen")})[:2]
    states = {p.id: st.REJECTED if p.item.id == rejected else st.CANCELLED for p in ctx.plan.posts if p.item.id in (rejected, cancelled)}
    slogans = [
        s.key
        for d in day_playlists(campaign, ctx.plan, library, days, None, approval(states, campaign.start))
        for playlist in d.playlists
        for s in playlist.slides
        if s.kind == "slogan"
    ]
    assert rejected not in slogans
    assert cancelled in slogans  # a cancel withdraws a slot, it judges no words


def test_the_daemon_keeps_a_slogan_off_the_wall_whose_post_was_rejected_days_before(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    campaign = ctx.campaign
    later = [campaign.start + dt.timedelta(days=n) for n in range(10, (campaign.end - campaign.start).days + 1)]
    day, item = next(
        (d, i) for d in later for i in daily_slogans(campaign, ctx.library, d, MIN_SLOGANS, set()) if _early_post(ctx, i.id, d)
    )
    post = _early_post(ctx, item.id, day)
    assert post is not None
    review.reject(queue, post.id, "审核员甲", "口号提法不准确", ctx.clock())
    _ahead(config, queue, Ahead(), Recorder(), campaign.at(day, dt.time(6, 45)))
    folder = current_folder(screens_root(campaign), "center")
    assert folder is not None
    slides = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))["slides"]
    assert [s for s in slides if s["kind"] == "slogan"] and item.id not in [s["item"] for s in slides]


def _early_post(ctx: Context, item: str, day: dt.date) -> PlannedPost | None:
    """A post of `item` more than a day before `day` (the daemon reads the queue's last day only)."""
    return next((p for p in ctx.plan.posts if p.item.id == item and p.slot.day < day - dt.timedelta(days=2)), None)
