"""Approved posts a refresh of the queue cancelled because their slots left the plan (a time, `items_per_day`, a
channel's days or the launch day changed in config.yaml, the period shortened, a channel removed: `dropped_slots`),
and the posts it put in instead: the approvals are gone and the new posts wait for review, so unless someone is
told, their slots are missed. The daemon cancels an approved post the same way just before it would publish it,
once its day left the period (`outside`): told the same way.

Whoever refreshes (`qm queue` and the other commands that refresh, the web console, the daemon: before a publish
once the channels changed, the morning refresh) records one notice in the refresh's transaction (`notices_due`,
as `words_back` does): the cancels are made once, so they are told once, and the daemon sends it at its next
heartbeat. `qm queue` also says it at once (`warning`). The posts waiting for review are listed most urgent
first, those due today or tomorrow marked (`words_back.listed`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..inputs.campaign import Campaign
from ..support.notify import APPROVAL, Notice
from . import dropped_slots, notices_due, words_back
from . import states as st
from .queue import PLAN, Post
from .tables import audit, posts
from .words_back import Back

NOTICE = "approvals-lost"  # the notice's topic (`notices_due`): `Lost` as a mapping
TITLE = "【已审核的内容被取消】"
NEW = "排期调整后新排入，需要审核"  # what a new post's line says of it
IDS_SHOWN = 10  # ids a notice names in a sentence; the rest are counted


@dataclass(frozen=True)
class Lost:
    """What one refresh did to approvals: the approved posts it cancelled, and the posts it put in."""

    cancelled: tuple[str, ...]
    waiting: tuple[Back, ...]  # put in, waiting for review: most urgent first
    auto: tuple[str, ...]  # put in approved by their channel's auto_approve (nobody reviewed them)


def record(conn: Connection, since: int, now: float) -> Lost | None:
    """What the refresh that began after history entry `since` cancelled of approved posts and put in instead,
    recorded as one notice in its transaction; None when it cancelled no approved post."""
    cancelled = dropped_slots.approvals_dropped(conn, since)
    if not cancelled:
        return None
    added = sa.select(audit.c.post_id).where(audit.c.id > since, audit.c.who == PLAN, audit.c.from_state == "")
    rows = conn.execute(sa.select(posts.c.id, posts.c.channel, posts.c.at, posts.c.state).where(posts.c.id.in_(added))).all()
    waiting = words_back.ordered(Back(r.id, r.channel, r.at, NEW) for r in rows if r.state not in st.APPROVED_STATES)
    lost = Lost(tuple(cancelled), tuple(waiting), tuple(sorted(r.id for r in rows if r.state in st.APPROVED_STATES)))
    notices_due.record(conn, NOTICE, dataclasses.asdict(lost), now)
    return lost


def outside(engine: Engine, post: Post, campaign: Campaign, now: float) -> bool:
    """Whether `post`, about to be published, is dated outside `campaign`'s period (config.yaml read again just
    before): then it is cancelled as the next refresh would cancel it, saying why, and is not published; an
    approval so cancelled is recorded to be told (`record`), as the refresh's would be. So a period shortened
    while the daemon runs stops today's post, and a post waiting to retry, at once."""
    period = dropped_slots.Period.of(campaign)
    if period.start <= post.at < period.end:
        return False
    with engine.begin() as conn:
        entry = dropped_slots.last_entry(conn)
        dropped_slots.drop(conn, [post], now, period)
        record(conn, entry, now)
    return True


def recorded(campaign: Campaign, body: dict[str, Any], now: float) -> Notice:
    """The notice `record` recorded, as the daemon sends it at `now` (today and tomorrow marked)."""
    lost = Lost(tuple(body["cancelled"]), tuple(Back(**b) for b in body["waiting"]), tuple(body["auto"]))
    waiting = list(lost.waiting)
    title = f"{TITLE}排期调整取消了 {len(lost.cancelled)} 条已审核的内容"
    if waiting:
        title += f"，新排入的 {len(waiting)} 条待审核{words_back.urgent(campaign, waiting, now)}"
    return Notice(APPROVAL, title, (*words_back.listed(campaign, waiting, now), warning(lost, "刷新队列时", IDS_SHOWN)))


def warning(lost: Lost, opening: str = "这次刷新", shown: int | None = None) -> str:
    """What staff are told of `lost` (`qm queue`'s 注意, the notice's last line): the approvals are gone unless
    the slots come back, and what became of the posts put in (approved without a person, they go out unless
    checked). `shown`: how many ids a list names (all when None)."""
    waiting = [b.post for b in lost.waiting]
    then = ""  # nothing put in (the period shortened, fewer posts a day, a channel removed): nothing to review
    if lost.auto:
        then = f"；新排进来的 {_ids(lost.auto, shown)} 已自动审核通过（渠道设置了 auto_approve），不经人工审核就会按时发出，请尽快核对"
        then += f"；{_ids(waiting, shown)} 要审核" if waiting else ""
    elif waiting:  # never reviewed: to be reviewed, not reviewed again
        then = "；新排进来的内容要审核"
    return (
        f"{opening}按调整后的排期取消了 {len(lost.cancelled)} 条已审核的内容，它们不会发出，审核也随之失效：{_ids(lost.cancelled, shown)}。"
        f"如果不是有意调整，把配置改回原样再运行 qm queue，这些内容会恢复为已审核{then}。"
    )


def put_in(waiting: int, auto: int) -> str:
    """What became of the posts a refresh put in (`waiting` for review, approved by `auto` approve), as a clause
    of the channel change's notice; "" when it put none in."""
    review = f"{waiting} 条要审核通过后才会发布" if waiting else ""
    auto_said = f"{auto} 条已自动审核通过（渠道设置了 auto_approve），不经人工审核就会按时发出" if auto else ""
    said = "，".join(part for part in (review, auto_said) if part)
    return f"新排入的 {said}" if said else ""


def _ids(ids: tuple[str, ...] | list[str], shown: int | None) -> str:
    if shown is None or len(ids) <= shown:
        return "、".join(ids)
    return f"{'、'.join(ids[:shown])} 等 {len(ids)} 条"
