"""Telling staff ahead of time what a channel will not be able to do.

    token_notice     a Weibo access token expires within `token_warn_days` (it cannot be refreshed
                     by a server app: someone must authorise again)
    quota issues     a WeChat mass send that would exceed the account's quota: flagged as soon as it
                     is known, and moved to the next slot with room when its time comes

The daemon sends each warning once (keys in the `notices` table); `qm check` shows them too.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign, WeChatConfig, WeiboConfig
from ..planning.planner import Plan
from ..planning.wechat_quota import QuotaIssue, Send, applies, over_quota
from . import states as st

if TYPE_CHECKING:  # `qm check` and `qm plan` warn without the database layer (nor the notifiers)
    from ..support.notify import Notice
    from .queue import Queue


def token_notice(campaign: Campaign, today: dt.date) -> Notice | None:
    from ..channels.weibo_rules import token_expiry  # the channels' rules (and templates): not for `qm plan`

    config = campaign.weibo
    expires = token_expiry(config) if config is not None and _uses_token(config) else None
    if config is None or expires is None:
        return None
    left = (expires - today).days
    if left > config.token_warn_days:
        return None
    state = f"已于 {expires} 过期" if left < 0 else f"将于 {expires} 到期（还有 {left} 天）"
    lines = (
        f"微博 access_token {state}，到期后微博无法发布。",
        "处理：在微博开放平台重新授权，把新的 access_token 写入环境变量"
        f" {config.access_token_env}（或它的 _FILE 文件），并更新 config.yaml 中 channels.weibo.token_expires，然后重启后台服务。",
    )
    from ..support.notify import FAILURE, Notice

    return Notice(FAILURE, f"【微博授权{'已过期' if left < 0 else '即将到期'}】", lines)


def _uses_token(config: WeiboConfig) -> bool:
    return config.publisher == "api" and config.mode == "api"


def planned_quota_issues(campaign: Campaign, plan: Plan) -> list[QuotaIssue]:
    config = campaign.wechat
    if config is None or not applies(config):
        return []
    return over_quota(config, [Send(p.id, p.at) for p in plan.posts if p.channel == config.name], campaign.timezone)


_quota_seen: dict[tuple[str, str], tuple[tuple[object, ...], list[QuotaIssue]]] = {}


def queue_quota_issues(campaign: Campaign, queue: Queue) -> list[QuotaIssue]:
    """Sends made (published, or handed to WeChat) and sends still to come, from the queue.

    The daemon asks at every heartbeat; while none of the channel's posts changed (same count,
    same latest change, same times) the last answer stands and the posts are not read again."""
    config = campaign.wechat
    if config is None or not applies(config):
        return []
    key, stamp = (str(queue.engine.url), repr(config)), queue.channel_stamp(config.name)
    seen = _quota_seen.get(key)
    if seen is not None and seen[0] == stamp:
        return seen[1]
    issues = _quota_issues(campaign, config, queue)
    _quota_seen[key] = (stamp, issues)
    return issues


def _quota_issues(campaign: Campaign, config: WeChatConfig, queue: Queue) -> list[QuotaIssue]:
    tz, sends = campaign.timezone, []
    for post in queue.brief([st.PUBLISHED, st.ACCEPTED, st.PUBLISHING, st.PLANNED, st.APPROVED, st.SCHEDULED], channel=config.name):
        done = post.state in st.LOCKED
        when = post.published_at if post.state == st.PUBLISHED and post.published_at else (post.updated if done else post.fire_at)
        sends.append(Send(post.id, dt.datetime.fromtimestamp(when, tz), done))
    return over_quota(config, sends, tz)


def quota_notice(campaign: Campaign, issue: QuotaIssue) -> Notice:
    tz = campaign.timezone
    lines = (
        f"原定时间：{issue.at.astimezone(tz):%Y-%m-%d %H:%M}",
        f"原因：{issue.message}",
        f"到时将顺延到 {issue.next_free.astimezone(tz):%Y-%m-%d %H:%M}（下一个有群发次数的时段）；"
        f"不想顺延的，可用 qm cancel {issue.post_id} 取消，或调整 channels.wechat 的 times / dates 和 pins",
    )
    from ..support.notify import FAILURE, Notice

    return Notice(FAILURE, f"【群发次数不足】{issue.post_id}", lines)
