"""What the queue lets on the screens some days, read without changing anything: the states an `Approval`
(`daily`) reads for those days. `qm screen build` reads them after refilling the queue; the console's screens
page reads them as they stand (its pages refill the queue when a content file changes)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from .daily import edited_since_approval, queue_states

if TYPE_CHECKING:
    from ..publishing.queue import Queue
    from ..rendering.payloads import Renderer


def days_states(
    campaign: Campaign, plan: Plan, renderer: Renderer, queue: Queue, first: dt.date, last: dt.date, today: dt.date
) -> dict[str, str]:
    """The states of the posts from `first` (or today, when later) to `last`, the screen posts among them approved at
    words they have no longer as `EDITED`, every rejected post and every pause (`queue_states`)."""
    start = campaign.at(max(first, today), dt.time())
    end = campaign.at(last + dt.timedelta(days=1), dt.time())
    found = queue.find(start=start.timestamp(), end=end.timestamp())
    screens = {s.name for s in campaign.screens}
    shown = [p for p in plan.posts if p.channel in screens and max(first, today) <= p.slot.day <= last]
    return queue_states(queue, found, (p.id for p, _ in edited_since_approval(renderer, found, shown)))
