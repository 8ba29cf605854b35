"""Whether a post a person sends again (`review.retry`) could still go out: its channel's kind says
(`Kind.too_late_to_retry`). A screen's item cannot once the wall has gone dark on its slot's day: sent
again, it would only be marked missed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign
from ..planning.slots import Slot
from .queue import Post


def too_late(campaign: Campaign, now: float) -> Callable[[Post], str]:
    """For `review.retry`: why a post sent again at `now` could not go out, for staff ("" when it could)."""
    tz = campaign.timezone

    def why(post: Post) -> str:
        config = campaign.channel(post.channel)
        if config is None:  # a channel no longer configured: sending fails and says why
            return ""
        slot = Slot(dt.datetime.fromtimestamp(post.at, tz), post.channel)
        reason = kind_of(config).too_late_to_retry(campaign, config, slot, post.item, dt.datetime.fromtimestamp(now, tz))
        return f"{post.id} 不能重发：{reason}" if reason else ""

    return why
