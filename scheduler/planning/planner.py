"""The planner: a pure function from (campaign, content library) to a month of posts.

How a channel's slots are filled, in order:
1. pins from the config take their slot;
2. launch-day slots take launch items whose wording fits their time (`phase: before` invites, only
   before the event starts; `phase: after` reports, only after); pre-announcements left over go to
   the LEAD_DAYS before;
3. each topic `coverage` names gets its posts (spread over the channels);
4. the other slots are shared among the five areas as evenly as the library allows
   (water-filling), interleaved through the month;
5. within an area, items and slots are matched by rendezvous hashing (`matching`): every (item,
   slot) pair gets a fixed pseudo-random score and the best-scoring free pairs win. A pair's score
   depends only on the ids, so adding or editing one item moves few others (editing text moves none);
6. slots an area could not fill (e.g. items limited by valid dates) take any item left.
No item appears twice on one channel (unless a pin repeats words that went out).

Once the queue holds posts, the plan keeps them (`kept`, read from the queue by the caller): a slot
keeps the item it was given while that item may still go there, so editing the library changes only the
slots whose items left it, and approved posts never go back to review because an unrelated item was
added or deleted. What went out is a fact: its slot keeps its item before anything else, and its item is
spent on its channel even when the config moved the slot; so for a post that failed after an attempt that may
have sent it (`publishing.maybe_sent`). New items take only slots that are free (`keeping`).
Not enough content is a PlanError that says how many are missing.
What `qm check` adds about a plan is in `plan_checks`; the staff's deadline reminders in `reminders`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..inputs.campaign_days import validity
from ..inputs.content import Library
from ..inputs.vocabulary import AREAS
from ..support.errors import PlanError, Problem
from . import keeping, launch, matching
from .board import Board, Note, PlannedPost, match
from .kept import Kept
from .launch import LEAD_DAYS
from .reminders import Reminder, reminders
from .slots import Slot, channel_slots, day_and_time, local_time

__all__ = ["LEAD_DAYS", "Kept", "Plan", "PlannedPost", "make_plan"]


@dataclass(frozen=True)
class Plan:
    posts: tuple[PlannedPost, ...]
    reminders: tuple[Reminder, ...]
    set_aside: tuple[Problem, ...] = ()  # pins not placed: their slot sent other words already
    notes: tuple[Note, ...] = ()  # days that keep a post that went out at a time the config moved (`keeping`)

    def between(self, start: dt.date | None, end: dt.date | None) -> Plan:
        def inside(d: dt.date) -> bool:
            return (start is None or d >= start) and (end is None or d <= end)

        return Plan(
            tuple(p for p in self.posts if inside(p.slot.day)),
            tuple(r for r in self.reminders if inside(r.at.date())),
            self.set_aside,
            tuple(n for n in self.notes if inside(n.day)),
        )

    def on(self, day: dt.date) -> list[PlannedPost]:
        return [p for p in self.posts if p.slot.day == day]


def make_plan(campaign: Campaign, library: Library, kept: Mapping[str, Kept] | None = None) -> Plan:
    """The plan; with `kept` (the queue's posts by id), the slots keep their items where they still may.
    A kept post that the plan from the rules alone gives the same item keeps that plan's reason."""
    kept = keeping.follow_moves(campaign, kept) if kept else kept  # a time moved in the config keeps its items
    try:
        plan = _plan(campaign, library, {})
    except PlanError:
        if not kept:
            raise
        return _plan(campaign, library, kept)  # e.g. a pin to a slot that went out: set aside, not an error
    planned = {p.id: p.item.id for p in plan.posts}
    on_channel = {(p.channel, p.item.id) for p in plan.posts}
    channel_days = {(p.channel, p.slot.day) for p in plan.posts}

    def agrees(post_id: str, k: Kept) -> bool:
        if post_id in planned:
            return planned[post_id] == k.item
        if not k.out:
            return True
        when = day_and_time(post_id)  # a slot the config moved: its words not sent again, its day not given one more
        return (k.channel, k.item) not in on_channel and (when is None or (k.channel, when[0]) not in channel_days)

    if kept is None or all(agrees(post_id, k) for post_id, k in kept.items()):
        return plan  # the queue holds what the rules give (the usual case)
    reasons = {(p.id, p.item.id): p.reason for p in plan.posts}
    kept_plan = _plan(campaign, library, kept)
    posts = tuple(PlannedPost(p.slot, p.item, reasons.get((p.id, p.item.id), p.reason)) for p in kept_plan.posts)
    return Plan(posts, kept_plan.reminders, kept_plan.set_aside, kept_plan.notes)


def _plan(campaign: Campaign, library: Library, kept: Mapping[str, Kept]) -> Plan:
    problems: list[Problem] = []
    set_aside: list[Problem] = []
    boards = [Board(c, channel_slots(campaign, c), [i for i in library.items if i.allows(c.kind)], {}) for c in campaign.channels]
    for board in boards:
        keeping.place_out(campaign, board, library, kept)
        _place_pins(campaign, board, library, problems, set_aside)
        keeping.place_kept(campaign, board, kept)
        launch.place(campaign, board, problems)
        board.area_slots = _area_slots(board)
    _place_coverage(campaign, boards)
    posts: list[PlannedPost] = []
    for board in boards:
        _place_areas(board)
        _check_full(campaign, board, problems)
        posts += [board.chosen[s] for s in board.slots if s in board.chosen]
    _check_pins_known(campaign, problems)
    if problems:
        raise PlanError(f"无法排期：{len(problems)} 个问题", problems)
    posts.sort(key=lambda p: (p.slot.at, _channel_order(campaign, p.channel), p.slot.index))
    notes = tuple(sorted((n for b in boards for n in b.notes), key=lambda n: n.day))
    return Plan(tuple(posts), tuple(reminders(campaign)), tuple(set_aside), notes)


def _channel_order(campaign: Campaign, name: str) -> int:
    return [c.name for c in campaign.channels].index(name)


def _place_pins(campaign: Campaign, board: Board, library: Library, problems: list[Problem], set_aside: list[Problem]) -> None:
    """Pins take their slot (only posts that went out are placed yet). A pin whose words went out at its
    slot is done; a pin to a slot that sent other words is set aside. Words pinned again after they
    went out from another slot go out again: a pin is a person's choice."""
    for pin in campaign.pins:
        if pin.channel != board.name:
            continue
        item = library.get(pin.item)
        if item is None:
            continue  # reported once by _check_pins_known
        out = [p for s, p in board.chosen.items() if p.reason == "kept" and _pinned_to(pin.date, pin.time, s)]
        if any(p.item.id == item.id for p in out):
            continue
        slot = _pin_slot(pin.date, pin.time, board.slots, board.chosen)
        if slot is None and out:
            set_aside.append(
                Problem(
                    f"固定内容 {item.id} 的时段 {out[0].id} 已经发出了 {out[0].item.id}，这条固定不再排期",
                    pin.where,
                    "把固定改到还没发出的日期，或删除这条固定",
                )
            )
            continue
        if not item.allows(board.channel.kind):
            problems.append(Problem(f"固定内容 {item.id} 不允许发到 {board.name}", pin.where, "修改该内容的 channels 或固定到别的渠道"))
        elif slot is None:
            when = f"{pin.date} {pin.time:%H:%M}" if pin.time else str(pin.date)
            if not campaign.start <= pin.date <= campaign.end:
                why, fix = f"不在活动期 {campaign.start} 至 {campaign.end} 内", "把固定日期改到活动期内，或删除这条固定"
                problems.append(Problem(f"{board.label}固定 {item.id} 的 {when} {why}", pin.where, fix))
            else:
                why, fix = f"没有空闲时段可固定 {item.id}", "检查日期和时间是否与渠道的 times 一致"
                problems.append(Problem(f"{board.label}在 {when} {why}", pin.where, fix))
        elif any(p.item.id == item.id and p.reason == "pin" for p in board.chosen.values()):
            problems.append(Problem(f"内容 {item.id} 在 {board.name} 上被固定了两次", pin.where, "同一渠道上每条内容只发一次"))
        elif not item.valid_on(slot.day):
            problems.append(
                Problem(f"固定内容 {item.id} 在 {slot.day} 不在有效期内（{validity(item)}）", pin.where, "换一条内容或改固定日期")
            )
        else:
            board.chosen[slot] = PlannedPost(slot, item, "pin")


def _area_slots(board: Board) -> dict[str, list[Slot]]:
    """Share the open slots among the five areas as evenly as their items allow, interleaved in time."""
    by_area = Counter(i.area for i in board.regular())
    quotas = matching.water_fill(len(board.free()), {a: by_area[a] for a in AREAS})
    return matching.interleave(board.free(), quotas)


def _place_coverage(campaign: Campaign, boards: list[Board]) -> None:
    """Give each topic the config asks for its posts before the areas are filled: an item of the topic
    takes one of its own area's slots, so the balance of areas (and the plan's stability) stays as it
    was. The posts are spread over the channels: the channel with the fewest of them so far goes first."""
    counts = Counter(p.item.topic for b in boards for p in b.chosen.values())
    given = dict.fromkeys((b.name for b in boards), 0)
    for topic in campaign.coverage.topics:
        while counts[topic] < campaign.coverage.times:
            for board in sorted(boards, key=lambda b: given[b.name]):  # sorted() is stable: ties keep config order
                items = [i for i in board.regular() if i.topic == topic]
                slots = [s for i in items for s in board.area_slots.get(i.area, [])]
                own = {area: set(area_slots) for area, area_slots in board.area_slots.items()}  # looked up per pair
                fits = lambda s, i, own=own: i.valid_on(s.day) and s in own.get(i.area, ())  # noqa: E731
                if match(board, items, slots, "coverage", fits, limit=1):
                    given[board.name] += 1
                    counts[topic] += 1
                    break
            else:
                break  # the content cannot cover it: `coverage_shortfalls` says so


def _place_areas(board: Board) -> None:
    regular = board.regular()
    for area, area_slots in board.area_slots.items():
        match(board, [i for i in regular if i.area == area], area_slots, "area")
    match(board, board.regular(), board.free(), "fill")


def _check_full(campaign: Campaign, board: Board, problems: list[Problem]) -> None:
    missing = board.free()
    if missing:
        slots = board.slots
        problems.append(
            Problem(
                f"{board.label}有 {len(slots)} 个时段，内容只够排 {len(slots) - len(missing)} 个，还缺 {len(missing)} 条",
                str(campaign.paths.content),
                f"为该渠道再添加至少 {len(missing)} 条内容，或减少 times / items_per_day",
            )
        )


def _pin_slot(day: dt.date, time: dt.time | None, slots: list[Slot], chosen: dict[Slot, PlannedPost]) -> Slot | None:
    return next((s for s in slots if _pinned_to(day, time, s) and s not in chosen), None)


def _pinned_to(day: dt.date, time: dt.time | None, slot: Slot) -> bool:
    return slot.day == day and (time is None or local_time(slot) == time)


def _check_pins_known(campaign: Campaign, problems: list[Problem]) -> None:
    names = {c.name for c in campaign.channels}
    for pin in campaign.pins:
        if pin.channel not in names:
            meant = f"screen:{pin.channel}" if f"screen:{pin.channel}" in names else ""  # a screen is named screen:编号
            hint = f"是不是想写 channel: {meant}？" if meant else f"可用渠道：{'、'.join(sorted(names))}"
            problems.append(Problem(f"固定内容的渠道 {pin.channel!r} 不存在", pin.where, hint))
