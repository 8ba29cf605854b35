"""One channel's slots while the plan is being filled (`Board`), the posts placed in them (`PlannedPost`),
and how free items meet free slots (`match`, rendezvous pairs from `matching`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..channels.kinds import kind_named
from ..inputs.campaign import ChannelConfig
from ..inputs.content import ContentItem
from . import matching
from .slots import Slot


@dataclass(frozen=True)
class PlannedPost:
    slot: Slot
    item: ContentItem
    reason: str  # pin | launch | preview (days before the launch) | coverage | area | fill | kept (the queue holds it)

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
class Note:
    """What the plan tells the staff about a day of a channel (not an error), e.g. a slot not given because
    the day's post went out already at the time the config had before."""

    day: dt.date
    text: str


@dataclass
class Board:
    """One channel's slots while the plan is being filled."""

    channel: ChannelConfig
    slots: list[Slot]
    pool: list[ContentItem]  # items allowed on this channel
    chosen: dict[Slot, PlannedPost]
    area_slots: dict[str, list[Slot]] = field(default_factory=dict)  # the open slots each area gets
    spent: set[str] = field(default_factory=set)  # items that went out on this channel from a slot the plan no longer has
    notes: list[Note] = field(default_factory=list)

    def used(self) -> set[str]:
        return {p.item.id for p in self.chosen.values()} | self.spent

    def regular(self) -> list[ContentItem]:
        used = self.used()
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


def match(
    board: Board,
    items: Iterable[ContentItem],
    slots: Iterable[Slot],
    reason: str,
    fits: Callable[[Slot, ContentItem], bool] | None = None,
    limit: int | None = None,
) -> int:
    """Place the best-matching free items in free slots (`matching.pairs`); returns how many were placed."""
    used = board.used()
    free_items = [i for i in items if i.id not in used]
    free_slots = [s for s in slots if s not in board.chosen]
    placed = matching.pairs(board.name, free_items, free_slots, fits or (lambda s, i: i.valid_on(s.day)), limit)
    for slot, item in placed:
        board.chosen[slot] = PlannedPost(slot, item, reason)
    return len(placed)
