"""Notices that review decisions and fills tell staff; the daemon makes each from what the change recorded
(`daemon.notices_due`) and sends it (it builds its own failure and reminder notices)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ..inputs.campaign import Campaign
from ..support.notify import APPROVAL, Notice
from ..views.console_links import link_line, post_url

TOLD_SOON = "退回通知由后台服务在 15 秒内发给订阅审核通知的群。"
TOLD_LATER = "后台服务现在没有运行：退回通知记在数据库里，在它下次启动后发出。"
TOLD_NOBODY = "没有设置接收审核通知的群（config.yaml 的 notifications，events 含 approval），退回不另行通知，请直接告诉编辑。"
TOLD = {"soon": TOLD_SOON, "later": TOLD_LATER, "nobody": TOLD_NOBODY}  # what the person who rejected is told


def rejection_told(campaign: Campaign, daemon_running: bool) -> str:
    """Which of `TOLD` the person who rejected is told: the 【退回】 notice goes out soon, when a daemon starts, or to nobody."""
    if not any(APPROVAL in n.events for n in campaign.notifiers):
        return "nobody"
    return "soon" if daemon_running else "later"


def rejection(campaign: Campaign, rejected: Mapping[str, Any]) -> Notice:
    """A rejection, as `review.reject` recorded it: the post, its slot, the stage, the reason and who."""
    when = dt.datetime.fromtimestamp(rejected["at"], campaign.timezone)
    lines = (
        f"内容：{rejected['item']}（{rejected['channel']}，{when:%Y-%m-%d %H:%M}）",
        f"退回：{rejected['stage']}，{rejected['who']}",
        f"原因：{rejected['reason']}",
        "修改内容后自动回到待审核",
        *link_line(post_url(campaign, rejected["post"])),
    )
    return Notice(APPROVAL, f"【退回】{rejected['post']}", lines)


HELD_SHOWN = 10  # posts a held notice lists; the rest are counted
FOLDERS = re.compile(r"[^\s：；（]*/(?=[^/\s：；（]+:\d+：)")  # of a located problem's file: /…/content/x.md:12：
REASON_SHOWN = 100  # characters of a held post's reasons in the notice (`qm queue` shows them whole)


def held(campaign: Campaign, why: dict[str, str]) -> Notice:
    """Posts of auto-approve channels the check held for a person's review, with their reasons in short."""
    lines = [f"{post_id}：{_clipped(reasons)}" for post_id, reasons in sorted(why.items())[:HELD_SHOWN]]
    if len(why) > HELD_SHOWN:
        lines.append(f"……共 {len(why)} 条")
    lines.append("这些内容所在渠道设置为自动审核，但 qm check 发现问题，没有自动通过；改好文字后自动通过，或人工审核")
    lines.append("查看：qm queue --state 待审核；审核：qm approve 编号")
    lines.extend(link_line(post_url(campaign, min(why))) if len(why) == 1 else ())
    return Notice(APPROVAL, f"【未自动审核】{len(why)} 条内容 qm check 发现问题，等待人工审核", tuple(lines))


RULES_SHOWN = 5  # posts a rules notice names; the rest are counted


def rules_back(campaign: Campaign, post_ids: list[str], rules_now: str) -> Notice:
    """Approved posts, not yet published, that a fill under the review rules now in force sent back to review
    (whoever filled: the daemon sends it, made from what the fill recorded, `daemon.notices_due`)."""
    shown = "、".join(sorted(post_ids)[:RULES_SHOWN]) + (f" 等 {len(post_ids)} 条" if len(post_ids) > RULES_SHOWN else "")
    lines = (
        f"回到待审核：{shown}",
        f"现在的审核规则：{rules_now}",
        "这些内容原来的审核不符合现在的规则（加了审核阶段、阶段要求的角色提高了，或渠道不再自动审核），还没有发布，"
        "已回到待审核；仍然有效的阶段不用再审，从还差的阶段接着审核",
        "查看还差什么：qm queue --state 待审核（备注一栏）；审核：qm approve 编号",
        *(link_line(post_url(campaign, post_ids[0])) if len(post_ids) == 1 else ()),
    )
    return Notice(APPROVAL, f"【审核规则已改】{len(post_ids)} 条已审核的内容回到待审核", lines)


def _clipped(reasons: str) -> str:
    """Short enough for a chat message; a content file named by its name and line, not its folders."""
    reasons = FOLDERS.sub("", reasons)
    return reasons if len(reasons) <= REASON_SHOWN else reasons[: REASON_SHOWN - 1] + "…"
