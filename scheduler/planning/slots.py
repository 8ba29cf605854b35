"""Expand each channel's configured times into the concrete slots of the campaign window."""

from __future__ import annotations

import datetime as dt
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
