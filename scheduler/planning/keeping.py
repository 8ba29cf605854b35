"""What the plan keeps of the queue (`kept`): posts that went out stay where they are before anything is
placed, and the queue's other posts keep their items where the rules still let them go."""

from __future__ import annotations

from collections.abc import Mapping

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from . import launch
from .board import Board, PlannedPost
from .kept import Kept
from .slots import Slot


def place_out(board: Board, library: Library, kept: Mapping[str, Kept]) -> None:
    """Posts that went out keep their slot and item, whatever the rules say now. Their item is spent on
    the channel even when the slot is gone (the config moved it); a slot whose item left the library
    takes nothing else."""
    slots = {s.post_id: s for s in board.slots}
    gone: set[Slot] = set()
    for post_id, k in kept.items():
        if not k.out or k.channel != board.name:
            continue
        slot = slots.get(post_id)
        item = library.get(k.item)
        if slot is None or item is None:
            board.spent.add(k.item)
            if slot is not None:
                gone.add(slot)
        else:
            board.chosen[slot] = PlannedPost(slot, item, "kept")
    board.slots = [s for s in board.slots if s not in gone]


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
