"""When launch items may go: on the launch day by the event's time (`phase: before` invites only before it
starts, `phase: after` reports only once it has), and pre-announcements in the LEAD_DAYS before."""

from __future__ import annotations

import datetime as dt

from ..channels.kinds import kind_named
from ..inputs.campaign import Campaign, ChannelConfig
from ..inputs.content import ContentItem
from ..support.errors import Problem
from .board import Board, match
from .slots import Slot

LEAD_DAYS = 3  # a launch pre-announcement goes out in the days just before the event


def place(campaign: Campaign, board: Board, problems: list[Problem]) -> None:
    """Launch day's slots take launch items that fit their time (invite before, report after the event);
    the days just before take what is left of the pre-announcements."""
    launch_day = campaign.key_dates.launch
    launch_items = [i for i in board.pool if i.is_launch]
    day_slots = board.free(s for s in board.slots if s.day == launch_day)
    if day_slots:
        if not any(i.valid_on(launch_day) for i in launch_items) and not any(p.item.is_launch for p in board.chosen.values()):
            problems.append(
                Problem(
                    f"{board.label}在启动日 {launch_day} 没有可用的启动活动内容",
                    str(campaign.paths.content),
                    "添加 topic: launch 的内容，并允许该渠道",
                )
            )
        match(board, launch_items, day_slots, "launch", lambda s, i: fits_launch_time(campaign, board.channel, s, i))
    lead = {launch_day - dt.timedelta(days=n) for n in range(1, LEAD_DAYS + 1)}
    before = [i for i in launch_items if i.phase == "before"]
    match(board, before, [s for s in board.slots if s.day in lead], "preview")


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


def may_go(campaign: Campaign, channel: ChannelConfig, slot: Slot, item: ContentItem) -> bool:
    """Whether the rules would let a launch item take this slot: launch day at a fitting time, or a
    pre-announcement in the days before."""
    launch_day = campaign.key_dates.launch
    if slot.day == launch_day:
        return fits_launch_time(campaign, channel, slot, item)
    return 0 < (launch_day - slot.day).days <= LEAD_DAYS and item.phase == "before" and item.valid_on(slot.day)
