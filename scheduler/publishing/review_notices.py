"""Notices that review decisions send to staff (the daemon builds its own failure and reminder notices)."""

from __future__ import annotations

import re

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


HELD_SHOWN = 10  # posts a held notice lists; the rest are counted
FOLDERS = re.compile(r"[^\s：；（]*/(?=[^/\s：；（]+:\d+：)")  # of a located problem's file: /…/content/x.md:12：
REASON_SHOWN = 100  # characters of a held post's reasons in the notice (`qm queue` shows them whole)


def held(campaign: Campaign, why: dict[str, str]) -> Notice:
    """Posts of auto-approve channels the check held for a person's review, with their reasons in short."""
    lines = [f"{post_id}：{_clipped(reasons)}" for post_id, reasons in sorted(why.items())[:HELD_SHOWN]]
    if len(why) > HELD_SHOWN:
        lines.append(f"……共 {len(why)} 条")
    lines.append("这些内容所在渠道设置为自动审核，但 qm check 发现问题，没有自动通过；改好文字后自动通过，或人工审核")
    lines.append("查看：qm queue --state planned；审核：qm approve 编号")
    lines.extend(link_line(post_url(campaign, min(why))) if len(why) == 1 else ())
    return Notice(APPROVAL, f"【未自动审核】{len(why)} 条内容 qm check 发现问题，等待人工审核", tuple(lines))


def _clipped(reasons: str) -> str:
    """Short enough for a chat message; a content file named by its name and line, not its folders."""
    reasons = FOLDERS.sub("", reasons)
    return reasons if len(reasons) <= REASON_SHOWN else reasons[: REASON_SHOWN - 1] + "…"
