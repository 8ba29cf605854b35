"""Expand each channel's configured times into the concrete slots of the campaign window."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign, ChannelConfig


@dataclass(frozen=True, order=True)
class Slot:
    at: dt.datetime  # aware, campaign timezone
    channel: str
    index: int = 0  # several items can share a slot time (a screen's featured items)

    @property
    def day(self) -> dt.date:
        return self.at.date()

    @property
    def post_id(self) -> str:
        """Stable, readable id: 20160908-weibo-0930, 20160908-screen-center-0700-2 (a channel that is one
        of several of its kind, `<kind>:<id>`, always numbers its posts)."""
        channel = self.channel.replace(":", "-")
        base = f"{self.at:%Y%m%d}-{channel}-{self.at:%H%M}"
        return f"{base}-{self.index + 1}" if self.index or ":" in self.channel else base


_POST_ID = re.compile(r"(\d{8})-.+-(\d{4})(?:-\d+)?")


def day_and_time(post_id: str) -> tuple[dt.date, dt.time] | None:
    """The slot's day and local time read back from its post id (`Slot.post_id`); None if it is not one."""
    found = _POST_ID.fullmatch(post_id)
    if found is None:
        return None
    try:
        return dt.datetime.strptime(found[1], "%Y%m%d").date(), dt.datetime.strptime(found[2], "%H%M").time()
    except ValueError:
        return None


def local_time(slot: Slot) -> dt.time:
    return slot.at.timetz().replace(tzinfo=None)


def channel_slots(campaign: Campaign, channel: ChannelConfig) -> list[Slot]:
    days = campaign.days() if channel.dates is None else list(channel.dates)
    kind = kind_of(channel)
    slots = []
    for day in days:
        count = kind.slot_count(campaign, channel, day)
        for time in channel.times:
            slots += [Slot(campaign.at(day, time), channel.name, i) for i in range(count)]
    return sorted(slots)


def all_slots(campaign: Campaign) -> dict[str, list[Slot]]:
    return {c.name: channel_slots(campaign, c) for c in campaign.channels}
