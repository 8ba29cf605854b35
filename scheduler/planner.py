"""The planner: a pure function from (campaign, content library) to a month of posts.

How a channel's slots are filled, in order:
1. pins from the config take their slot;
2. launch-day slots take launch items (every channel gets at least one);
3. the other slots are shared among the five areas as evenly as the library allows
   (water-filling), interleaved through the month;
4. within an area, items and slots are matched by rendezvous hashing: every (item, slot) pair gets
   a fixed pseudo-random score and the best-scoring free pairs win. A pair's score depends only on
   the ids, so adding or editing one item moves few others (editing text moves none);
5. slots an area could not fill (e.g. items limited by valid dates) take any item left.
No item appears twice on one channel. Not enough content is a PlanError that says how many are missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from .campaign import Campaign, ChannelConfig
from .content import ContentItem, Library
from .domain import AREAS, CHANNEL_KINDS
from .errors import PlanError, Problem
from .slots import Slot, channel_slots


@dataclass(frozen=True)
class PlannedPost:
    slot: Slot
    item: ContentItem
    reason: str  # pin | launch | area | fill

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
class Reminder:
    """A notification to staff (not a public post), e.g. a deadline coming up."""

    at: dt.datetime
    key: str  # county_plans_due | summary_due | launch
    due: dt.date
    message: str

    @property
    def id(self) -> str:
        return f"{self.at:%Y%m%d}-notify-{self.key}"


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


def make_plan(campaign: Campaign, library: Library) -> Plan:
    problems: list[Problem] = []
    posts: list[PlannedPost] = []
    for channel in campaign.channels:
        posts += _plan_channel(campaign, channel, library, problems)
    _check_pins_known(campaign, problems)
    if problems:
        raise PlanError(f"无法排期：{len(problems)} 个问题", problems)
    posts.sort(key=lambda p: (p.slot.at, _channel_order(campaign, p.channel), p.slot.index))
    return Plan(tuple(posts), tuple(reminders(campaign)))


def _channel_order(campaign: Campaign, name: str) -> int:
    return [c.name for c in campaign.channels].index(name)


def _plan_channel(campaign: Campaign, channel: ChannelConfig, library: Library, problems: list[Problem]) -> list[PlannedPost]:
    slots = channel_slots(campaign, channel)
    pool = [i for i in library.items if i.allows(channel.kind)]
    chosen: dict[Slot, PlannedPost] = {}
    label = f"渠道 {channel.name}（{CHANNEL_KINDS[channel.kind]}）"

    for pin in campaign.pins:
        if pin.channel != channel.name:
            continue
        item = library.get(pin.item)
        slot = _pin_slot(pin.date, pin.time, slots, chosen)
        if item is None:
            continue  # reported once by _check_pins_known
        if not item.allows(channel.kind):
            problems.append(Problem(f"固定内容 {item.id} 不允许发到 {channel.name}", pin.where, "修改该内容的 channels 或固定到别的渠道"))
        elif slot is None:
            when = f"{pin.date} {pin.time:%H:%M}" if pin.time else str(pin.date)
            problems.append(Problem(f"{label} 在 {when} 没有空闲时段可固定 {item.id}", pin.where, "检查日期和时间是否与渠道的 times 一致"))
        elif any(p.item.id == item.id for p in chosen.values()):
            problems.append(Problem(f"内容 {item.id} 在 {channel.name} 上被固定了两次", pin.where, "同一渠道上每条内容只发一次"))
        else:
            chosen[slot] = PlannedPost(slot, item, "pin")

    launch_day = campaign.key_dates.launch
    launch_slots = [s for s in slots if s.day == launch_day and s not in chosen]
    launch_items = [i for i in pool if i.is_launch and i.valid_on(launch_day)]
    if launch_slots:
        already = any(p.item.is_launch for p in chosen.values())
        if not launch_items and not already:
            problems.append(
                Problem(
                    f"{label} 在启动日 {launch_day} 没有可用的启动活动内容",
                    str(campaign.paths.content),
                    "添加 topic: launch 的内容，并允许该渠道",
                )
            )
        _match(channel.name, launch_items, launch_slots, chosen, "launch")

    used = {p.item.id for p in chosen.values()}
    regular = [i for i in pool if not i.is_launch and i.id not in used]
    open_slots = [s for s in slots if s not in chosen]
    by_area = {area: [i for i in regular if i.area == area] for area in AREAS}
    quotas = _water_fill(len(open_slots), {a: len(items) for a, items in by_area.items()})
    for area, area_slots in _interleave(open_slots, quotas).items():
        _match(channel.name, by_area[area], area_slots, chosen, "area")
    _match(channel.name, regular, [s for s in slots if s not in chosen], chosen, "fill")

    missing = [s for s in slots if s not in chosen]
    if missing:
        problems.append(
            Problem(
                f"{label} 有 {len(slots)} 个时段，内容只够排 {len(slots) - len(missing)} 个，还缺 {len(missing)} 条",
                str(campaign.paths.content),
                f"为该渠道再添加至少 {len(missing)} 条内容，或减少 times / items_per_day",
            )
        )
    return [chosen[s] for s in slots if s in chosen]


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


def check_pins(campaign: Campaign, library: Library) -> list[Problem]:
    return [
        Problem(f"固定的内容 {pin.item!r} 在内容库中不存在", pin.where, "检查 pins 中 item 的拼写")
        for pin in campaign.pins
        if library.get(pin.item) is None
    ]


def _score(channel: str, slot: Slot, item: ContentItem) -> bytes:
    key = f"{channel}|{slot.at:%Y%m%d%H%M}|{slot.index}|{item.id}".encode()
    return hashlib.blake2b(key, digest_size=8).digest()


def _match(channel: str, items: Iterable[ContentItem], slots: list[Slot], chosen: dict[Slot, PlannedPost], reason: str) -> None:
    """Greedy rendezvous matching of free items to free slots, best score first."""
    used = {p.item.id for p in chosen.values()}
    free_items = [i for i in items if i.id not in used]
    free_slots = [s for s in slots if s not in chosen]
    pairs = sorted(
        ((_score(channel, s, i), s, i) for s in free_slots for i in free_items if i.valid_on(s.day)),
        key=lambda p: p[0],
        reverse=True,
    )
    for _, slot, item in pairs:
        if slot in chosen or item.id in used:
            continue
        chosen[slot] = PlannedPost(slot, item, reason)
        used.add(item.id)


def _water_fill(total: int, capacity: dict[str, int]) -> dict[str, int]:
    """Share `total` slots among areas as evenly as their item counts allow; ties go in plan order."""
    quotas = {a: 0 for a in capacity}
    remaining = total
    while remaining > 0:
        open_areas = [a for a in capacity if quotas[a] < capacity[a]]
        if not open_areas:
            break
        lowest = min(quotas[a] for a in open_areas)
        for area in open_areas:
            if remaining and quotas[area] == lowest:
                quotas[area] += 1
                remaining -= 1
    return quotas


def _interleave(slots: list[Slot], quotas: dict[str, int]) -> dict[str, list[Slot]]:
    """Give each slot (in time order) to the area furthest behind its even share."""
    total = sum(quotas.values())
    given = {a: 0 for a in quotas}
    out: dict[str, list[Slot]] = {a: [] for a in quotas}
    for n, slot in enumerate(sorted(slots)[:total], start=1):
        area = max(quotas, key=lambda a: (quotas[a] * n / total - given[a]) if given[a] < quotas[a] else -1e9)
        given[area] += 1
        out[area].append(slot)
    return out


def reminders(campaign: Campaign) -> list[Reminder]:
    """Deadline reminders for staff, from the key dates and `reminders` config."""
    kd, cfg = campaign.key_dates, campaign.reminders
    what = {
        "launch": (kd.launch, cfg.launch, "全市“质量月”启动暨集中宣传活动"),
        "county_plans_due": (kd.county_plans_due, cfg.county_plans_due, "各县区“质量月”活动方案上报"),
        "summary_due": (kd.summary_due, cfg.summary_due, "“质量月”活动工作总结上报"),
    }
    out = []
    for key, (due, offsets, title) in what.items():
        for days in offsets:
            day = due - dt.timedelta(days=days)
            when = "今天" if days == 0 else f"还有 {days} 天（{due:%m月%d日}）"
            out.append(Reminder(campaign.at(day, cfg.time), key, due, f"【提醒】{title}：{when}。"))
    return sorted(out, key=lambda r: r.at)
