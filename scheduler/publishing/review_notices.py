"""Notices that review decisions send to staff (the daemon builds its own failure and reminder notices)."""

from __future__ import annotations

from ..inputs.campaign import Campaign
from ..support.notify import APPROVAL, Notice, send_now
from ..views.console_links import link_line, post_url
from .queue import Post


def rejection(campaign: Campaign, post: Post, stage: str, reason: str, who: str) -> Notice:
    tz = campaign.timezone
    lines = (
        f"内容：{post.item}（{post.channel}，{post.when(tz):%Y-%m-%d %H:%M}）",
        f"退回：{stage}，{who}",
        f"原因：{reason}",
        "修改内容后自动回到待审核",
        *link_line(post_url(campaign, post.id)),
    )
    return Notice(APPROVAL, f"【退回】{post.id}", lines)


def send_rejection(campaign: Campaign, post: Post, stage: str, reason: str, who: str) -> int:
    return send_now(campaign.notifiers, rejection(campaign, post, stage, reason, who))
