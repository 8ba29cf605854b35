"""Whether a post a person sends again (`review.retry`) could still go out: by the same rule the daemon
applies to any late post, its kind's `deadline` counted from the moment it is sent again. For most kinds
that window starts again (`grace_minutes` from now), so a retry always may; a screen's ends when the wall
goes dark on its slot's day, after which a retry would only be marked missed, so it is refused with how to
show the words on a later day instead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..channels.kinds import kind_of, label_of
from ..inputs.campaign import Campaign
from ..planning.slots import Slot
from .queue import Post


def too_late(campaign: Campaign, now: float) -> Callable[[Post], str]:
    """For `review.retry`: why a post sent again at `now` could not go out, for staff ("" when it could)."""
    advise = late_advice(campaign, now)

    def why(post: Post) -> str:
        refused, pin = advise(post)
        return f"{refused}，如：\n{pin}" if pin else refused

    return why


def late_advice(campaign: Campaign, now: float) -> Callable[[Post], tuple[str, str]]:
    """Why a post sent again at `now` could not go out and what to do instead ("" when it could), and the pin
    (config.yaml lines) that shows its words on a later day ("" when there is none): `too_late`, and the notice
    of a post missed or failed that a retry could not send (`problem_notices`)."""
    tz = campaign.timezone
    sent = dt.datetime.fromtimestamp(now, tz)

    def why(post: Post) -> tuple[str, str]:
        config = campaign.channel(post.channel)
        if config is None:  # a channel no longer configured: sending fails and says why
            return "", ""
        kind = kind_of(config)
        slot = Slot(dt.datetime.fromtimestamp(post.at, tz), post.channel)
        deadline = kind.deadline(campaign, config, slot, due=sent)
        if sent < deadline.at:
            return "", ""
        where = f"{kind.short_label or kind.label}“{label_of(campaign, config.name)}”{slot.at:%Y-%m-%d %H:%M} 的这条内容"
        refused = f"{post.id} 不能重发：{where}已超过{deadline.limit}，重发也只会记为“已错过”。"
        later = max(slot.day + dt.timedelta(days=1), sent.date())
        if later > campaign.end:
            return f"{refused}活动期内已没有以后的日期可以发布", ""
        pin = f"pins:\n  - item: {post.item}\n    channel: {config.name}\n    date: {later:%Y-%m-%d}"
        return f"{refused}要在以后的某一天发布这条内容，在 config.yaml 的 pins 中把它固定到那一天", pin

    return why
