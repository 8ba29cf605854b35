"""Telling staff ahead of time what a channel will not be able to do, whatever its kind.

Each kind says what to warn about (`Kind.notices`: a Weibo token about to expire, a WeChat mass
send over the account's quota) and which posts must wait for a later slot (`Kind.postponements`
for the plan, `Kind.postponement` for the post due now). The daemon sends each warning once (its
key in the `notices` table); `qm check` and `qm plan` show them too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign, ChannelConfig
from . import states as st

if TYPE_CHECKING:  # `qm check` and `qm plan` warn without the database layer (nor the notifiers)
    from ..channels.timing import Postponed
    from ..planning.planner import Plan
    from ..support.notify import Notice
    from .queue import Post, Queue


def notices(campaign: Campaign, today: dt.date, queue: Queue | None = None) -> dict[str, Notice]:
    """Every channel's warnings by key; without a queue, those that need none (`qm check`)."""
    return {key: notice for c in campaign.channels for key, notice in kind_of(c).notices(campaign, c, today, queue).items()}


def planned_postponements(campaign: Campaign, plan: Plan) -> list[tuple[ChannelConfig, Postponed]]:
    return [(c, issue) for c in campaign.channels for issue in kind_of(c).postponements(campaign, c, plan)]


def postponement(campaign: Campaign, queue: Queue, channel: str, post_id: str) -> Postponed | None:
    """Whether the post due now must move to a later slot (its channel says where, and why)."""
    config = campaign.channel(channel)
    return None if config is None else kind_of(config).postponement(campaign, config, queue, post_id)


def moved_past_end(campaign: Campaign, queue: Queue, post: Post) -> str:
    """Why `post`, moved by its channel to a later slot (`Queue.postpone`: its day had no room), may not go out there:
    config.yaml's period (`campaign`, read again) now ends before that slot, though the post's own day is still in it
    (else it is cancelled as the period's: `approvals_lost.outside`). A post sent anew since (`qm retry`) keeps the
    slot it was moved to, or is due when it was sent anew, after the end too: neither goes out. "" when it may go out."""
    end = campaign.at(campaign.end + dt.timedelta(days=1), dt.time()).timestamp()  # the midnight after its last day
    if post.due < end or post.at >= end:
        return ""
    if not any(e.from_state == e.to_state == st.SCHEDULED for e in queue.history(post.id)):  # never moved (only `postpone`)
        return ""
    moved = dt.datetime.fromtimestamp(post.due, campaign.timezone)
    return f"顺延后的发布时间 {moved:%Y-%m-%d %H:%M} 已不在活动期（{campaign.start} 至 {campaign.end}）内"
