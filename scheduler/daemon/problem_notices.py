"""What staff are told when a post failed or was missed: the post, the reason, and what to do next."""

from __future__ import annotations

from ..inputs.campaign import Campaign
from ..publishing.queue import Post
from ..support.notify import FAILURE, Notice
from ..support.values import committed
from ..views.console_links import link_line, post_url
from ..views.plan_export import named_channel


def problem_notice(campaign: Campaign, title: str, post: Post, reason: str, *, action: str = "") -> Notice:
    """A post the platform already took (`committed`) is never to be sent again: staff confirm it instead.
    `action`: what to do, when it is something else (a post out twice)."""
    sent = committed(post.receipt)
    action = action or (
        f"不要重发（{sent}）：到平台核实，已发出的用 qm confirm {post.id} 补记" if sent else f"处理后重发：qm retry {post.id}"
    )
    when = post.when(campaign.timezone)
    lines = (
        f"内容：{post.item}",
        f"渠道：{named_channel(campaign, post.channel)}",
        f"时间：{when:%Y-%m-%d %H:%M}",
        f"原因：{reason}",
        action,
        *link_line(post_url(campaign, post.id)),
    )
    return Notice(FAILURE, f"{title}{post.id}", lines)
