"""What the plan keeps of the queue (`kept`): posts that went out stay where they are before anything is
placed, and the queue's other posts keep their items where the rules still let them go, also when the
config moved their time (`follow_moves`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign
from ..inputs.content import Library
from . import launch
from .board import Board, Note, PlannedPost
from .kept import Kept
from .slots import Slot, channel_slots, day_and_time, local_time


def place_out(campaign: Campaign, board: Board, library: Library, kept: Mapping[str, Kept]) -> None:
    """Posts that went out (or failed after an attempt that may have sent them) keep their slot and item,
    whatever the rules say now. Their item is spent on the channel even when the slot is gone (the config
    moved it), and it counts in its day: the day gives up the free slot nearest its time (`_moved_out`). A
    slot whose item left the library takes nothing else."""
    slots = {s.post_id: s for s in board.slots}
    gone: set[Slot] = set()
    moved: list[tuple[dt.date, dt.time, bool]] = []
    for post_id, k in sorted(kept.items()):
        if not k.out or k.channel != board.name:
            continue
        slot = slots.get(post_id)
        item = library.get(k.item)
        if slot is None or item is None:
            board.spent.add(k.item)
            if slot is not None:
                gone.add(slot)
            elif (when := day_and_time(post_id)) is not None:
                moved.append((*when, k.unsure))
        else:
            board.chosen[slot] = PlannedPost(slot, item, "kept")
    board.slots = [s for s in board.slots if s not in gone]
    for day, time, unsure in moved:
        _moved_out(campaign, board, day, time, unsure)


def _moved_out(campaign: Campaign, board: Board, day: dt.date, time: dt.time, unsure: bool) -> None:
    """A post went out on `day` at `time` (`unsure`: failed, but may have), a slot the config no longer has
    (its time was moved): the day keeps what went out and does not get one post more, so its free slot
    nearest that time is not given."""
    free = [s for s in board.free() if s.day == day]
    if not free:
        return

    def apart(slot: Slot) -> float:
        at = local_time(slot)
        return abs((at.hour * 60 + at.minute) - (time.hour * 60 + time.minute))

    dropped = min(free, key=lambda s: (apart(s), s))
    board.slots.remove(dropped)
    label = label_of(campaign, board.name)
    went = (
        f"{time:%H:%M} 的发布失败，但可能已经发出（到平台核实：已发出的用 qm confirm 补记，没有发出的用 qm retry 重发）"
        if unsure
        else f"已在 {time:%H:%M} 发出"
    )
    board.notes.append(Note(day, f"{day.month}月{day.day}日 {label} {went}，不再另排 {local_time(dropped):%H:%M}"))


def place_kept(campaign: Campaign, board: Board, kept: Mapping[str, Kept]) -> None:
    """The queue's other posts keep their items where the rules still let them go (the channel, the
    item's valid dates, a launch item's day and time), unless a pin took the slot or the item."""
    pool = {i.id: i for i in board.pool}
    used = board.used()
    for slot in board.free():
        k = kept.get(slot.post_id)
        item = pool.get(k.item) if k is not None and not k.out else None
        if item is None or item.id in used or not item.valid_on(slot.day):
            continue
        if item.is_launch and not launch.may_go(campaign, board.channel, slot, item):
            continue
        board.chosen[slot] = PlannedPost(slot, item, "kept")
        used.add(item.id)


def follow_moves(campaign: Campaign, kept: Mapping[str, Kept]) -> dict[str, Kept]:
    """`kept`, with the posts not yet out whose slots the config moved to another time of their day under the
    ids of the slots that took their place, so they keep their items there: on a day of a channel that has
    as many new slots (none in the queue) as queued posts whose slots are gone (a time moved, none added or
    taken away), each takes the post of its turn, in time order. The plan does not draw such a day again
    because a time of day changed (moved back, the words are those of the posts cancelled before)."""
    moved = dict(kept)
    for channel in campaign.channels:
        slots = channel_slots(campaign, channel)
        ids = {s.post_id for s in slots}
        gone: dict[dt.date, list[tuple[dt.time, str]]] = {}
        for post_id, k in kept.items():
            when = day_and_time(post_id) if k.channel == channel.name and not k.out and post_id not in ids else None
            if when is not None:
                gone.setdefault(when[0], []).append((when[1], post_id))
        new: dict[dt.date, list[str]] = {}
        for slot in slots:
            if slot.day in gone and slot.post_id not in kept:
                new.setdefault(slot.day, []).append(slot.post_id)
        for day, posts in gone.items():
            if len(posts) == len(new.get(day, ())):
                moved.update(
                    (slot_id, kept[post_id])
                    for slot_id, (_, post_id) in zip(new[day], sorted(posts, key=lambda p: (p[0], len(p[1]), p[1])), strict=True)
                )
    return moved
