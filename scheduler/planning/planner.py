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
No item appears twice on one channel. Not enough content is a PlanError that says how many are missing.
What `qm check` adds about a plan is in `plan_checks`; the staff's deadline reminders in `reminders`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..channels.kinds import kind_named
from ..inputs.campaign import Campaign, ChannelConfig
from ..inputs.content import ContentItem, Library
from ..inputs.vocabulary import AREAS
from ..support.errors import PlanError, Problem
from . import matching
from .reminders import Reminder, reminders
from .slots import Slot, channel_slots


@dataclass(frozen=True)
class PlannedPost:
    slot: Slot
    item: ContentItem
    reason: str  # pin | launch | preview (days before the launch) | coverage | area | fill

    @property
    def id(self) -> str:
        return self.slot.post_id

    @property
    def channel(self) -> str:
        return self.slot.channel

    @property
    def at(self) -> dt.datetime:
        return self.slot.at


@dataclass(frozen=True)
class Plan:
    posts: tuple[PlannedPost, ...]
    reminders: tuple[Reminder, ...]

    def between(self, start: dt.date | None, end: dt.date | None) -> Plan:
        def inside(d: dt.date) -> bool:
            return (start is None or d >= start) and (end is None or d <= end)

        return Plan(
            tuple(p for p in self.posts if inside(p.slot.day)),
            tuple(r for r in self.reminders if inside(r.at.date())),
        )

    def on(self, day: dt.date) -> list[PlannedPost]:
        return [p for p in self.posts if p.slot.day == day]


LEAD_DAYS = 3  # a launch pre-announcement goes out in the days just before the event


@dataclass
class _Board:
    """One channel's slots while the plan is being filled."""

    channel: ChannelConfig
    slots: list[Slot]
    pool: list[ContentItem]  # items allowed on this channel
    chosen: dict[Slot, PlannedPost]
    area_slots: dict[str, list[Slot]] = field(default_factory=dict)  # the open slots each area gets

    def regular(self) -> list[ContentItem]:
        used = {p.item.id for p in self.chosen.values()}
        return [i for i in self.pool if not i.is_launch and i.id not in used]

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def label(self) -> str:
        kind = kind_named(self.channel.kind)
        return f"渠道 {self.channel.name}（{kind.label if kind else self.channel.kind}）"

    def free(self, slots: Iterable[Slot] | None = None) -> list[Slot]:
        return [s for s in (self.slots if slots is None else slots) if s not in self.chosen]


def make_plan(campaign: Campaign, library: Library) -> Plan:
    problems: list[Problem] = []
    boards = [_Board(c, channel_slots(campaign, c), [i for i in library.items if i.allows(c.kind)], {}) for c in campaign.channels]
    for board in boards:
        _place_pins(campaign, board, library, problems)
        _place_launch(campaign, board, problems)
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
    return Plan(tuple(posts), tuple(reminders(campaign)))


def _channel_order(campaign: Campaign, name: str) -> int:
    return [c.name for c in campaign.channels].index(name)


def _place_pins(campaign: Campaign, board: _Board, library: Library, problems: list[Problem]) -> None:
    for pin in campaign.pins:
        if pin.channel != board.name:
            continue
        item = library.get(pin.item)
        slot = _pin_slot(pin.date, pin.time, board.slots, board.chosen)
        if item is None:
            continue  # reported once by _check_pins_known
        if not item.allows(board.channel.kind):
            problems.append(Problem(f"固定内容 {item.id} 不允许发到 {board.name}", pin.where, "修改该内容的 channels 或固定到别的渠道"))
        elif slot is None:
            when = f"{pin.date} {pin.time:%H:%M}" if pin.time else str(pin.date)
            problems.append(
                Problem(f"{board.label} 在 {when} 没有空闲时段可固定 {item.id}", pin.where, "检查日期和时间是否与渠道的 times 一致")
            )
        elif any(p.item.id == item.id for p in board.chosen.values()):
            problems.append(Problem(f"内容 {item.id} 在 {board.name} 上被固定了两次", pin.where, "同一渠道上每条内容只发一次"))
        elif not item.valid_on(slot.day):
            problems.append(
                Problem(f"固定内容 {item.id} 在 {slot.day} 不在有效期内（{_validity(item)}）", pin.where, "换一条内容或改固定日期")
            )
        else:
            board.chosen[slot] = PlannedPost(slot, item, "pin")


def _place_launch(campaign: Campaign, board: _Board, problems: list[Problem]) -> None:
    """Launch day's slots take launch items that fit their time (invite before, report after the event);
    the days just before take what is left of the pre-announcements."""
    launch_day = campaign.key_dates.launch
    launch_items = [i for i in board.pool if i.is_launch]
    day_slots = board.free(s for s in board.slots if s.day == launch_day)
    if day_slots:
        if not any(i.valid_on(launch_day) for i in launch_items) and not any(p.item.is_launch for p in board.chosen.values()):
            problems.append(
                Problem(
                    f"{board.label} 在启动日 {launch_day} 没有可用的启动活动内容",
                    str(campaign.paths.content),
                    "添加 topic: launch 的内容，并允许该渠道",
                )
            )
        _match(board, launch_items, day_slots, "launch", lambda s, i: fits_launch_time(campaign, board.channel, s, i))
    lead = {launch_day - dt.timedelta(days=n) for n in range(1, LEAD_DAYS + 1)}
    before = [i for i in launch_items if i.phase == "before"]
    _match(board, before, [s for s in board.slots if s.day in lead], "preview")


def visible_window(campaign: Campaign, channel: ChannelConfig, slot: Slot) -> tuple[dt.datetime, dt.datetime]:
    """When people see a post: a screen shows its featured items from their slot until the wall goes dark."""
    kind = kind_named(channel.kind)
    return slot.at, kind.seen_until(campaign, channel, slot) if kind is not None else slot.at


def fits_launch_time(campaign: Campaign, channel: ChannelConfig, slot: Slot, item: ContentItem) -> bool:
    """Whether a launch item's wording fits when it is seen: `before` items only before the event starts,
    `after` items only once it has started."""
    if not item.valid_on(slot.day):
        return False
    first, last = visible_window(campaign, channel, slot)
    start = campaign.launch_start
    return item.phase == "" or (item.phase == "before" and last < start) or (item.phase == "after" and first >= start)


def _area_slots(board: _Board) -> dict[str, list[Slot]]:
    """Share the open slots among the five areas as evenly as their items allow, interleaved in time."""
    by_area = Counter(i.area for i in board.regular())
    quotas = matching.water_fill(len(board.free()), {a: by_area[a] for a in AREAS})
    return matching.interleave(board.free(), quotas)


def _place_coverage(campaign: Campaign, boards: list[_Board]) -> None:
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
                if _match(board, items, slots, "coverage", fits, limit=1):
                    given[board.name] += 1
                    counts[topic] += 1
                    break
            else:
                break  # the content cannot cover it: `coverage_shortfalls` says so


def _place_areas(board: _Board) -> None:
    regular = board.regular()
    for area, area_slots in board.area_slots.items():
        _match(board, [i for i in regular if i.area == area], area_slots, "area")
    _match(board, board.regular(), board.free(), "fill")


def _check_full(campaign: Campaign, board: _Board, problems: list[Problem]) -> None:
    missing = board.free()
    if missing:
        slots = board.slots
        problems.append(
            Problem(
                f"{board.label} 有 {len(slots)} 个时段，内容只够排 {len(slots) - len(missing)} 个，还缺 {len(missing)} 条",
                str(campaign.paths.content),
                f"为该渠道再添加至少 {len(missing)} 条内容，或减少 times / items_per_day",
            )
        )


def _validity(item: ContentItem) -> str:
    return f"{item.valid_from or '不限'} 至 {item.valid_to or '不限'}"


def _pin_slot(day: dt.date, time: dt.time | None, slots: list[Slot], chosen: dict[Slot, PlannedPost]) -> Slot | None:
    for slot in slots:
        if slot.day == day and (time is None or slot.at.timetz().replace(tzinfo=None) == time) and slot not in chosen:
            return slot
    return None


def _check_pins_known(campaign: Campaign, problems: list[Problem]) -> None:
    names = {c.name for c in campaign.channels}
    for pin in campaign.pins:
        if pin.channel not in names:
            problems.append(Problem(f"固定内容的渠道 {pin.channel!r} 不存在", pin.where, f"可用渠道：{'、'.join(sorted(names))}"))


def _match(
    board: _Board,
    items: Iterable[ContentItem],
    slots: Iterable[Slot],
    reason: str,
    fits: Callable[[Slot, ContentItem], bool] | None = None,
    limit: int | None = None,
) -> int:
    """Place the best-matching free items in free slots (`matching.pairs`); returns how many were placed."""
    used = {p.item.id for p in board.chosen.values()}
    free_items = [i for i in items if i.id not in used]
    free_slots = [s for s in slots if s not in board.chosen]
    placed = matching.pairs(board.name, free_items, free_slots, fits or (lambda s, i: i.valid_on(s.day)), limit)
    for slot, item in placed:
        board.chosen[slot] = PlannedPost(slot, item, reason)
    return len(placed)
