"""Expand each channel's configured times into the concrete slots of the campaign window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..inputs.campaign import Campaign, ChannelConfig, ScreenConfig


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
        """Stable, readable id: 20160908-weibo-0930, 20160908-screen-center-0700-2."""
        channel = self.channel.replace(":", "-")
        base = f"{self.at:%Y%m%d}-{channel}-{self.at:%H%M}"
        return f"{base}-{self.index + 1}" if self.index or self.channel.startswith("screen:") else base


def channel_slots(campaign: Campaign, channel: ChannelConfig) -> list[Slot]:
    days = campaign.days() if channel.dates is None else list(channel.dates)
    slots = []
    for day in days:
        for time in channel.times:
            count = channel.per_slot
            if isinstance(channel, ScreenConfig) and day == campaign.key_dates.launch:
                count += channel.launch_extra
            slots += [Slot(campaign.at(day, time), channel.name, i) for i in range(count)]
    return sorted(slots)


def all_slots(campaign: Campaign) -> dict[str, list[Slot]]:
    return {c.name: channel_slots(campaign, c) for c in campaign.channels}
