"""WeChat mass sends the account has no quota left for, as the queue stands: a warning to staff as
soon as they are known, and moved to the next slot with room when their time comes (the plan's are
flagged by `quota.planned` for `qm check` and `qm plan`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...inputs.campaign import Campaign
from ...publishing import states as st
from ..timing import BY_HAND, NOT_SENT, Postponed
from .config import WeChatConfig
from .quota import Send, applies, over_quota

if TYPE_CHECKING:  # `qm check` and `qm plan` warn without the database layer (nor the notifiers)
    from ...publishing.queue import Queue
    from ...support.notify import Notice


_seen: dict[tuple[str, str], tuple[tuple[object, ...], list[Postponed]]] = {}


def queued(campaign: Campaign, config: WeChatConfig, queue: Queue) -> list[Postponed]:
    """Sends made (published, or handed to WeChat) and sends still to come, from the queue.

    The daemon asks at every heartbeat; while none of the channel's posts changed (same count,
    same latest change, same times) the last answer stands and the posts are not read again."""
    if not applies(config):
        return []
    key, stamp = (str(queue.engine.url), repr(config)), queue.channel_stamp(config.name)
    seen = _seen.get(key)
    if seen is not None and seen[0] == stamp:
        return seen[1]
    issues = _queued(campaign, config, queue)
    _seen[key] = (stamp, issues)
    return issues


def _queued(campaign: Campaign, config: WeChatConfig, queue: Queue) -> list[Postponed]:
    tz, sends = campaign.timezone, []
    for post in queue.brief([st.PUBLISHED, st.ACCEPTED, st.PUBLISHING, st.PLANNED, st.APPROVED, st.SCHEDULED], channel=config.name):
        done = post.state in st.LOCKED
        when = post.published_at if post.state == st.PUBLISHED and post.published_at else (post.updated if done else post.fire_at)
        sends.append(Send(post.id, dt.datetime.fromtimestamp(when, tz), done))
    return over_quota(config, sends, tz, campaign.end)


def notices(campaign: Campaign, config: WeChatConfig, queue: Queue) -> dict[str, Notice]:
    return {f"quota:{issue.post_id}:{issue.at:%Y%m%d%H%M}": _notice(campaign, issue) for issue in queued(campaign, config, queue)}


def _notice(campaign: Campaign, issue: Postponed) -> Notice:
    tz = campaign.timezone
    lines = (
        f"原定时间：{issue.at.astimezone(tz):%Y-%m-%d %H:%M}",
        f"原因：{issue.message}",
        f"到时将顺延到 {issue.next_free.astimezone(tz):%Y-%m-%d %H:%M}（下一个有群发次数的时段）；"
        f"不想顺延的，可用 qm cancel {issue.post_id} 取消，或调整 channels.wechat 的 times / dates 和 pins"
        if issue.next_free is not None
        else f"活动期内已没有有群发次数的时段，到时不群发，{NOT_SENT}；{BY_HAND.format(id=issue.post_id)}，"
        "或调整 channels.wechat 的 times / dates 和 pins",
    )
    from ...support.notify import FAILURE, Notice

    return Notice(FAILURE, f"【群发次数不足】{issue.post_id}", lines)
