"""`qm retry`: a failed, missed or cancelled post sent anew, and what becomes of it told as it is: out within
seconds or at its slot still ahead, approved by its channel (`auto_approve`) as the next refresh would approve
it, or waiting for review and why (`review.retry` decides)."""

from __future__ import annotations

import argparse
import datetime as dt
import functools

from ..publishing import review, review_rules
from ..publishing import states as st
from ..publishing.queue import Post
from ..publishing.retry_window import too_late
from ..support.errors import QmError
from . import acting
from .context import Context

SOON = 60.0  # seconds: a post due within this is said to go out within seconds


def run_retry(ctx: Context, args: argparse.Namespace) -> int:
    who = acting.acting(ctx, args, "重发", "reviewer")
    queue = ctx.filled_queue()  # as `qm approve`: an edit saved while the post was publishing is seen, not the old words sent
    before = queue.get(args.id)
    now = ctx.clock()
    from ..channels.kinds import label_of

    rules, label = review_rules.of(ctx.campaign), functools.partial(label_of, ctx.campaign)
    state = review.retry(queue, args.id, who, now, too_late(ctx.campaign, now), ctx.campaign.review, rules, label)
    config = ctx.campaign.channel(before.channel) if before is not None else None
    auto = state == st.PLANNED and config is not None and config.auto_approve
    if auto:  # its channel approves it at the next refresh, this one (or holds it, saying why): not a person's `qm approve`
        try:
            queue = ctx.filled_queue()
        except QmError as exc:  # sent anew all the same: the daemon's next refresh approves it
            print(f"{args.id} 已重新排入发布，但这次没能自动审核（{exc}），后台服务下次刷新队列时会再审核。")
            return 0
    after = queue.get(args.id)
    if after is not None and after.state in st.APPROVED_STATES:  # approved, or moved on by the daemon since
        how = "，渠道设置了自动审核（auto_approve），已自动审核通过" if auto else ""
        print(f"{args.id} 已重新排入发布{how}，{_when(ctx, after, now)}。")
        return 0
    why = "已取消的内容重新排入，要重新审核" if before is not None and before.state == st.CANCELLED else "审核之后内容又修改过"
    why = (queue.change_reasons([after]).get(args.id) if after is not None else None) or why  # the rules in force: what it lacks
    print(f"{args.id} 已回到“待审核”（{why}），请先用 qm approve {args.id} 审核。")
    return 0


def _when(ctx: Context, post: Post, now: float) -> str:
    """When the daemon sends `post`: within seconds, or at its slot when that is still ahead (`review.retry`)."""
    if post.due <= now + SOON:
        return "后台服务将在几秒内发布"
    return f"后台服务将在原定时间 {dt.datetime.fromtimestamp(post.due, ctx.campaign.timezone):%Y-%m-%d %H:%M} 发布"
