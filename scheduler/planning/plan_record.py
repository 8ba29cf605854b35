"""A plan written down and read back, so that `qm check` after an edit of words only (`cli/check_parts.py`)
uses the plan it made before instead of planning again.

What the planner reads: the campaign (the whole config), the queue's kept posts and, of the content
library, each item's PLANNED fields in the library's order; nothing else of an item (its words, tags, file
and lines are the posts' business, not the plan's). `planned_view` writes exactly that down, for a
fingerprint; tests/test_check_kept_parts.py changes every other field and asserts the same plan.
A plan read back is the same plan, its posts pointing at the items of the library given."""

from __future__ import annotations

import datetime as dt

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..support.errors import Problem
from .board import Note, PlannedPost
from .planner import Plan
from .reminders import reminders
from .slots import Slot, local_time

PLANNED = ("id", "area", "topic", "channels", "valid_from", "valid_to", "phase")  # the fields of an item the planner reads


def planned_view(library: Library) -> str:
    """What the planner reads of `library`: each item's PLANNED fields, in the library's order."""
    return repr([(i.id, i.area, i.topic, i.channels, i.valid_from, i.valid_to, i.phase) for i in library.items])


def record(plan: Plan) -> dict[str, list[list[object]]]:
    """`plan` as JSON values (its reminders come from the campaign alone: made again when read back)."""
    return {
        "posts": [[str(p.slot.day), str(local_time(p.slot)), p.channel, p.slot.index, p.item.id, p.reason] for p in plan.posts],
        "set_aside": [[p.message, p.where, p.hint] for p in plan.set_aside],
        "notes": [[str(n.day), n.text] for n in plan.notes],
    }


def read_back(data: object, campaign: Campaign, library: Library) -> Plan | None:
    """The plan `record` wrote, its posts on `library`'s items; None for anything else (nothing kept, damaged)."""
    if not isinstance(data, dict):
        return None
    try:
        posts = tuple(
            PlannedPost(
                Slot(campaign.at(dt.date.fromisoformat(day), dt.time.fromisoformat(time)), channel, index), library.by_id[item], reason
            )
            for day, time, channel, index, item, reason in data["posts"]
        )
        set_aside = tuple(Problem(message, where, hint) for message, where, hint in data["set_aside"])
        notes = tuple(Note(dt.date.fromisoformat(day), text) for day, text in data["notes"])
    except (KeyError, TypeError, ValueError):
        return None
    texts = [
        *(a for p in posts for a in (p.channel, p.reason)),
        *(a for p in set_aside for a in (p.message, p.where, p.hint)),
        *(n.text for n in notes),
    ]
    if not all(isinstance(a, str) for a in texts) or not all(type(p.slot.index) is int for p in posts):
        return None
    return Plan(posts, tuple(reminders(campaign)), set_aside, notes)
