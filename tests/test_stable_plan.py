"""The plan keeps what the queue already holds: a library edited mid-campaign changes only the slots whose
items left it, what went out stays spent on its channel, and `qm plan`, `qm check` and the daemon all plan
with the queue. Pure planner cases on the Heihe campaign; then a real SQLite queue through the CLI."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign, Pin
from scheduler.inputs.content import Library
from scheduler.planning.kept import Kept
from scheduler.planning.plan_checks import past_pins
from scheduler.planning.planner import Plan, PlannedPost, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.kept_posts import read_kept
from scheduler.publishing.tables import posts
from scheduler.support.errors import QmError

from .conftest import run_qm


def assignment(plan: Plan) -> dict[str, str]:
    return {p.id: p.item.id for p in plan.posts}


def held(plan: Plan, out: frozenset[str] = frozenset()) -> dict[str, Kept]:
    """The queue after it was filled from `plan` (the posts in `out` went out)."""
    return {p.id: Kept(p.channel, p.item.id, p.id in out) for p in plan.posts}


def on_weibo_of(plan: Plan, day: dt.date) -> list[PlannedPost]:
    return [p for p in plan.posts if p.channel == "weibo" and p.at.date() == day]


def without(library: Library, *ids: str) -> Library:
    return Library(tuple(i for i in library.items if i.id not in ids))


def most_moving(campaign: Campaign, library: Library, plan: Plan, among: Callable[[str], bool] = lambda _: True) -> str:
    """Of the items the areas placed, the one whose deletion makes the rules alone move the most slots."""
    before = assignment(plan)
    candidates = sorted({p.item.id for p in plan.posts if p.reason == "area" and among(p.item.id)})[:40]

    def moved(victim: str) -> int:
        after = assignment(make_plan(campaign, without(library, victim)))
        return sum(1 for k, v in before.items() if after.get(k) != v and v != victim)

    return max(candidates, key=moved)


def test_deleting_an_item_changes_only_the_slots_that_carried_it(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    victim = most_moving(heihe, library, heihe_plan)
    before = assignment(heihe_plan)
    carried = {k for k, v in before.items() if v == victim}
    by_rules = assignment(make_plan(heihe, without(library, victim)))
    assert len([k for k in before if by_rules[k] != before[k]]) > 3 * len(carried)  # the rules alone move others too

    plan = make_plan(heihe, without(library, victim), held(heihe_plan))
    after = assignment(plan)
    assert {k for k in before if after[k] != before[k]} == carried
    assert max(Counter((p.channel, p.item.id) for p in plan.posts).values()) == 1
    # why each post is there: the rules' reason where they give it the same words, else that the queue holds it
    rules = {(p.id, p.item.id): p.reason for p in make_plan(heihe, without(library, victim)).posts}
    assert all(p.reason == rules.get((p.id, p.item.id), "kept") for p in plan.posts if p.id not in carried)
    assert 0 < Counter(p.reason for p in plan.posts)["kept"] < len(before) / 2


def test_the_queue_holding_the_rules_plan_gives_that_very_plan(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    assert make_plan(heihe, library, held(heihe_plan)) == heihe_plan


def test_an_item_added_mid_campaign_takes_only_a_free_slot(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    template = next(i for i in library.items if i.area == "brand" and not i.is_launch and not i.is_slogan)
    bigger = Library((*library.items, dataclasses.replace(template, id="zz-new-brand", title="新增的内容")))
    queue = held(heihe_plan)
    assert assignment(make_plan(heihe, bigger, queue)) == assignment(heihe_plan)  # everything is held: nothing moves

    free = next(p.id for p in heihe_plan.posts if p.channel == "weibo" and p.reason == "area")
    del queue[free]  # e.g. its post was cancelled
    after = assignment(make_plan(heihe, bigger, queue))
    before = assignment(heihe_plan)
    assert {k for k in before if after[k] != before[k]} <= {free}


def test_words_that_went_out_keep_their_slot_and_are_never_planned_again_on_their_channel(
    heihe: Campaign, library: Library, heihe_plan: Plan
) -> None:
    weibo = [p for p in heihe_plan.posts if p.channel == "weibo" and p.reason == "area"]
    sent, other = weibo[0], weibo[10]
    # the queue says `sent`'s slot published `other`'s item (the plan moved it since)
    queue = {sent.id: Kept("weibo", other.item.id, out=True)}
    plan = make_plan(heihe, library, queue)
    on_weibo = [p for p in plan.posts if p.channel == "weibo"]
    assert next(p for p in on_weibo if p.id == sent.id).item.id == other.item.id
    assert sum(1 for p in on_weibo if p.item.id == other.item.id) == 1
    assert next(p for p in on_weibo if p.id == other.id).item.id != other.item.id

    # a slot the config moved after it went out: its words are spent on the channel all the same
    moved = {f"{sent.id[:-4]}0300": Kept("weibo", other.item.id, out=True)}
    plan = make_plan(heihe, library, moved)
    assert all(p.item.id != other.item.id for p in plan.posts if p.channel == "weibo")
    # and it counts in its day: the day gives up the slot nearest its time, and the plan says so
    day = [p.id for p in on_weibo_of(heihe_plan, sent.at.date())]
    assert [p.id for p in on_weibo_of(plan, sent.at.date())] == day[1:] and len(plan.posts) == len(heihe_plan.posts) - 1
    assert [n.text for n in plan.notes] == [f"{sent.at.month}月{sent.at.day}日 微博 已在 03:00 发出，不再另排 {sent.at:%H:%M}"]
    assert any(p.item.id == other.item.id for p in plan.posts if p.channel != "weibo")  # other channels may still have it

    # a slot whose words went out and then left the library: nothing else is planned there
    gone = make_plan(heihe, without(library, other.item.id), {sent.id: Kept("weibo", other.item.id, out=True)})
    assert sent.id not in assignment(gone) and len(gone.posts) == len(heihe_plan.posts) - 1


def test_a_held_item_that_may_no_longer_go_there_is_planned_anew(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    post = next(p for p in heihe_plan.posts if p.channel == "weibo" and p.reason == "area" and p.at.day > 20)
    expired = dataclasses.replace(post.item, valid_to=dt.date(2016, 9, 15))
    items = Library(tuple(expired if i.id == post.item.id else i for i in library.items))
    plan = make_plan(heihe, items, held(heihe_plan))
    changed = {k for k, v in assignment(heihe_plan).items() if assignment(plan)[k] != v}
    assert post.id in changed and len(changed) <= 2  # its own slot, and where its item may now go instead
    assert all(p.item.valid_on(p.at.date()) for p in plan.posts)


def test_pins_meet_posts_that_went_out(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    sent = next(p for p in heihe_plan.posts if p.channel == "weibo" and p.reason == "area" and p.at.day == 20)
    extra = next(i for i in library.items if i.area == "mechanism" and not i.is_slogan and not i.is_launch)
    queue = {sent.id: Kept("weibo", sent.item.id, out=True)}

    def pinned(item: str, at: dt.datetime) -> Campaign:
        return dataclasses.replace(
            heihe, pins=(*heihe.pins, Pin(item, "weibo", at.date(), at.time().replace(tzinfo=None), "config.yaml:40"))
        )

    # a pin to a slot that sent other words: set aside with where and why, the rest of the plan stands
    plan = make_plan(pinned(extra.id, sent.at), library, queue)
    assert assignment(plan)[sent.id] == sent.item.id
    assert [str(p) for p in plan.set_aside] and "config.yaml:40" in str(plan.set_aside[0]) and "已经发出" in str(plan.set_aside[0])
    # a pin whose words went out at its slot is simply done
    assert make_plan(pinned(sent.item.id, sent.at), library, queue).set_aside == ()
    # pinning words again after they went out is a person's choice: they are planned again
    later = next(p for p in heihe_plan.posts if p.channel == "weibo" and p.at.day == 25)
    again = make_plan(pinned(sent.item.id, later.at), library, queue)
    assert assignment(again)[later.id] == sent.item.id and assignment(again)[sent.id] == sent.item.id


# -- a real queue, through the command line ---------------------------------------------------------


def _item_file(library: Library, item_id: str) -> Path:
    item = next(i for i in library.items if i.id == item_id)
    return Path(item.source.rsplit(":", 1)[0])


def _approved_month(project: Callable[..., Path]) -> tuple[Path, Context, dict[str, str], str]:
    """The bundled campaign's queue filled and every post approved; the content item whose deletion would
    make the rules alone move the most slots (one of its own Markdown file, of no topic `coverage` asks for)."""
    config = project()
    ctx = Context(config)
    queue = ctx.filled_queue()
    now = time.time()
    for post in queue.find():
        if post.state == st.PLANNED:
            review.approve(queue, post.id, "李主任", now)
    covered = {i.id for i in ctx.library.items if i.topic in ctx.campaign.coverage.topics}

    def deletable(item_id: str) -> bool:
        return _item_file(ctx.library, item_id).suffix == ".md" and item_id not in covered

    victim = most_moving(ctx.campaign, ctx.library, make_plan(ctx.campaign, ctx.library), deletable)
    return config, ctx, {p.id: p.item for p in queue.find()}, victim


def test_an_item_deleted_mid_campaign_sends_back_to_review_only_its_own_posts(project: Callable[..., Path]) -> None:
    config, ctx, before, victim = _approved_month(project)
    _item_file(ctx.library, victim).unlink()

    listed = run_qm("queue", "-c", config)
    assert listed.returncode == 0, listed.stderr
    after = {p.id: p for p in Context(config).filled_queue().find()}
    carried = {k for k, v in before.items() if v == victim}
    assert carried and {k for k, p in after.items() if p.state != st.APPROVED} == carried
    assert all(after[k].item == before[k] for k in before if k not in carried)
    assert not [p for p in after.values() if p.state == st.CANCELLED]

    # `qm plan` shows what the queue holds, and `qm check` passes on it
    shown = run_qm("plan", "--format", "csv", "-c", config)
    assert shown.returncode == 0, shown.stderr
    rows = list(csv.DictReader(io.StringIO(shown.stdout.lstrip("\ufeff"))))
    assert {r["发布编号"]: r["内容编号"] for r in rows} == {k: p.item for k, p in after.items()}
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 0, checked.stderr


def test_a_slot_given_other_words_says_so_in_its_history_the_queue_and_the_diff(project: Callable[..., Path]) -> None:
    config, ctx, before, victim = _approved_month(project)
    missed = next(k for k, v in sorted(before.items()) if v == victim)  # the daemon was down over it: missed
    covered = set(ctx.campaign.coverage.topics)
    second = next(  # another item's post stays approved until its item goes too
        i.id
        for i in ctx.library.items
        if i.id in before.values()
        and i.id != victim
        and i.topic not in covered
        and not i.is_launch
        and _item_file(ctx.library, i.id).suffix == ".md"
    )
    with ctx.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == missed).values(state=st.MISSED))
    _item_file(ctx.library, victim).unlink()
    _item_file(ctx.library, second).unlink()
    queue = Context(config).filled_queue()

    post = queue.get(missed)
    assert post is not None and post.state == st.MISSED and post.item != victim
    assert post.approved_by == ""  # nobody approved these words
    assert queue.history(missed)[-1].why.startswith(f"这个时段改排了另一条内容（{victim} → {post.item}）")
    waiting = [p for p in queue.find() if before[p.id] == second]
    assert waiting and all(p.state == st.PLANNED for p in waiting)
    for p in waiting:
        assert queue.change_reasons([p])[p.id] == f"这个时段改排了另一条内容（{second} → {p.item}）"
    diff = run_qm("queue", "--diff", waiting[0].id, "-c", config)
    assert diff.returncode == 0 and f"{second} → {waiting[0].item}" in diff.stdout, diff.stdout + diff.stderr


def test_check_checks_again_when_the_queue_changes(project: Callable[..., Path]) -> None:
    """The plan `qm check` checks depends on the queue: a stored result is replayed only for the same queue."""
    config = project()
    stored = config.parent / ".qm" / "check-result.json"

    def check() -> str:
        result = run_qm("check", "-c", config)
        assert result.returncode == 0, result.stderr
        return str(json.loads(stored.read_text(encoding="utf-8"))["key"])

    empty = check()
    Context(config).filled_queue()
    filled = check()
    assert filled != empty and check() == filled


def test_a_queue_that_cannot_be_read_is_named_in_chinese(project: Callable[..., Path]) -> None:
    config = project()
    db = config.parent / ".qm" / "qm.sqlite3"
    db.parent.mkdir(exist_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(QmError) as info:
        read_kept(f"sqlite:///{db}")
    assert "已损坏" in str(info.value) and str(db) in str(info.value)
    result = run_qm("plan", "-c", config)
    assert result.returncode != 0 and "已损坏" in result.stderr and "Traceback" not in result.stderr
    assert read_kept(f"sqlite:///{config.parent / 'none.sqlite3'}") == {}
    assert not (config.parent / "none.sqlite3").exists()  # reading never creates a queue


def test_the_queue_is_read_from_sqlite_and_from_postgresql(project: Callable[..., Path], database_url: str) -> None:
    config = project((lambda text: f"database: {database_url}\n" + text) if database_url else None)
    ctx = Context(config)
    assert read_kept(ctx.campaign.db_url) == {}  # no queue yet (SQLite: no file; PostgreSQL: no table)
    queue = ctx.filled_queue()
    sent = queue.find()[0]
    with ctx.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == sent.id).values(state=st.PUBLISHED))
        conn.execute(posts.update().where(posts.c.id == queue.find()[1].id).values(state=st.CANCELLED))
    kept = read_kept(ctx.campaign.db_url)
    assert kept[sent.id] == Kept(sent.channel, sent.item, out=True)
    assert len(kept) == len(ctx.plan.posts) - 1 and sum(k.out for k in kept.values()) == 1  # a cancelled post holds nothing
    maybe = queue.find()[2]  # cancelled after an attempt that may have sent it (its receipt marks the call): kept as maybe out
    receipt = json.dumps({"status": "accepted", "external_id": "", "url": "", "data": {"stage": "sending"}})
    with ctx.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == maybe.id).values(state=st.CANCELLED, attempts=1, receipt=receipt))
    assert read_kept(ctx.campaign.db_url)[maybe.id] == Kept(maybe.channel, maybe.item, out=True, unsure=True)


def test_a_pin_to_a_day_already_past_that_the_queue_never_held_is_named(heihe: Campaign, library: Library) -> None:
    item = next(i for i in library.items if i.area == "brand" and not i.is_launch and not i.is_slogan)
    pin = Pin(item.id, "weibo", dt.date(2016, 9, 5), dt.time(18, 0), "config.yaml:77")
    campaign = dataclasses.replace(heihe, pins=(*heihe.pins, pin))
    plan = make_plan(campaign, library)
    pinned = next(p for p in plan.posts if p.reason == "pin" and p.item.id == item.id)
    found = {p.where: str(p) for p in past_pins(campaign, plan, {}, dt.date(2016, 9, 10))}
    assert "已经过去" in found["config.yaml:77"] and len(found) == 2  # and the launch pin of 8 September, also past
    assert "（微博从今天起才排入发布队列）" in found["config.yaml:77"], found  # the channel as staff call it
    sent = {pinned.id: Kept("weibo", item.id, out=True)}
    assert "config.yaml:77" not in {p.where for p in past_pins(campaign, plan, sent, dt.date(2016, 9, 10))}  # it went out
    assert past_pins(campaign, plan, {}, dt.date(2016, 9, 1)) == []  # still to come
    assert past_pins(campaign, plan, {}, dt.date(2026, 11, 27)) == []  # the campaign is over: nothing is sent any more


def test_a_pin_to_a_slot_that_sent_other_words_is_named_by_plan_and_check(project: Callable[..., Path]) -> None:
    config = project()
    ctx = Context(config)
    queue = ctx.filled_queue()
    sent = next(p for p in queue.find() if p.channel == "weibo")
    with ctx.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == sent.id).values(state=st.PUBLISHED))
    at = dt.datetime.fromtimestamp(sent.at, ctx.campaign.timezone)
    other = next(i.id for i in ctx.library.items if i.id != sent.item and not i.is_launch and i.allows("weibo"))
    pin = f'  - item: {other}\n    channel: weibo\n    date: {at:%Y-%m-%d}\n    time: "{at:%H:%M}"\n'
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("pins:\n", "pins:\n" + pin, 1), encoding="utf-8")
    line = text.splitlines().index("pins:") + 2

    planned = run_qm("plan", "-c", config)
    assert planned.returncode == 0, planned.stderr
    assert f"config.yaml:{line}" in planned.stderr and f"已经发出了 {sent.item}" in planned.stderr
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and f"已经发出了 {sent.item}" in checked.stderr and "Traceback" not in checked.stderr
    assert read_kept(ctx.campaign.db_url)[sent.id].item == sent.item  # the queue is as it was
