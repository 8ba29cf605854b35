"""What staff are told when a post failed or was missed: the post, the reason, and what to do next."""

from __future__ import annotations

from ..channels.kinds import named_channel
from ..inputs.campaign import Campaign
from ..publishing.maybe_sent import maybe_sent
from ..publishing.queue import Post
from ..publishing.retry_window import late_advice
from ..support.notify import FAILURE, Notice
from ..support.values import committed
from ..views.console_links import link_line, post_url


def problem_notice(campaign: Campaign, title: str, post: Post, reason: str, *, action: str = "", now: float | None = None) -> Notice:
    """A post the platform already took (`committed`) is never to be sent again: staff confirm it instead.
    `action`: what to do, when it is something else (a post out twice). `now`: when the notice is sent."""
    action = action or next_step(campaign, post, now)
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


def next_step(campaign: Campaign, post: Post, now: float | None) -> str:
    """What staff do about a failed or missed `post`: confirm what the platform took; check on the platform first
    when an attempt may have sent it (`maybe_sent`); what `qm retry` itself would say when it would refuse at `now`
    (`retry_window`: a screen's day is over); else send it again."""
    if sent := committed(post.receipt):
        return f"不要重发（{sent}）：到平台核实，已发出的用 qm confirm {post.id} 补记"
    if maybe_sent(post.state, post.attempts, post.receipt):
        return f"先到平台核实：已发出的 qm confirm {post.id} --url 链接；确实没有发出的再 qm retry {post.id}"
    refused, pin = late_advice(campaign, now)(post) if now is not None else ("", "")
    if refused:
        fields = "，".join(line.strip(" -") for line in pin.splitlines()[1:])
        return f"{refused}（{fields}）" if fields else refused
    return f"处理后重发：qm retry {post.id}"
