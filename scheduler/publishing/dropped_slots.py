"""Slots the plan drops and wants again: a post whose slot left the plan (a time, `items_per_day`, a channel's
days or the launch day changed in the config, or the campaign's period shortened: its day is outside it) is
cancelled by the plan (`drop`), and comes back when the plan gives that slot again (`Dropped.give_back`), e.g.
once the change is undone. Only the plan's own cancels come back: a
person's cancel (`qm cancel`, the console) stays, and so does a slot cancelled because its words went out
from another slot. A post given back waits for review, or is approved again when the approval of its
words still counts under the review rules in force (as words changed back do: `approval_standing`);
one a person rejected stays rejected while its words are the same.

An approval the plan cancels is lost with it until its slot comes back: `approvals_dropped` names them, for
staff to be told (`approvals_lost`, which also cancels a post about to be published whose day the period left:
`approvals_lost.outside`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import Campaign, ReviewConfig
from ..rendering.payloads import RenderedPost
from . import approval_standing, version_records
from . import states as st
from .back_in_review import RULES_CHANGED
from .queue import PLAN, Post, change_state
from .review_progress import passed_by
from .tables import audit, posts

DROPPED = "排期已调整，这个时段不再安排该内容"  # the history line of a post the plan cancelled
OUTSIDE = "活动期改为"  # how the history line of a post cancelled for a day outside the period begins (`Period.why`)
REMOVED = " 已从 config.yaml 删除，这条内容不再发布"  # how the history line of a post of a channel removed ends
BACK = "排期恢复了这个时段"
APPROVED_BEFORE = (st.APPROVED, st.SCHEDULED)  # cancelled from these, a post loses an approval


@dataclass(frozen=True)
class Period:
    """The campaign's period as the plan covers it: from `start` (its first day's midnight) to `end` (the
    midnight after its last day), and how staff wrote it (`shown`, e.g. 2027-09-01 至 2027-09-25); with the
    channels config.yaml has (`channels`), to tell a post whose channel was removed."""

    start: float
    end: float
    shown: str
    channels: frozenset[str] | None = None

    @classmethod
    def of(cls, campaign: Campaign) -> Period:
        start, end = (campaign.at(day, dt.time()).timestamp() for day in (campaign.start, campaign.end + dt.timedelta(days=1)))
        return cls(start, end, f"{campaign.start} 至 {campaign.end}", frozenset(c.name for c in campaign.channels))

    def why(self, post: Post) -> str:
        """The history line of `post` cancelled for its slot: its channel removed from config.yaml, its day
        outside the period, or the slot gone."""
        if self.channels is not None and post.channel not in self.channels:
            return channel_removed(post.channel)
        return DROPPED if self.start <= post.at < self.end else f"{OUTSIDE} {self.shown}，这一天不在活动期内，不再安排该内容"


def channel_removed(channel: str) -> str:
    """Why a post of `channel` is cancelled once config.yaml no longer has the channel (the plan's and the daemon's)."""
    return f"渠道 {channel}{REMOVED}"


def drop(conn: Connection, found: Iterable[Post], now: float, period: Period | None = None) -> list[str]:
    """Cancel the posts not yet out whose slots the plan no longer has, saying why (`period`: the campaign's,
    to tell a day outside it); the ids cancelled."""
    cancelled = []
    for p in found:
        why = period.why(p) if period is not None else DROPPED
        if p.state in st.BEFORE_PUBLISHING and change_state(conn, p.id, p.state, st.CANCELLED, PLAN, why, now, {}):
            cancelled.append(p.id)
    return cancelled


@dataclass
class Dropped:
    """One fill's view of the posts the plan cancelled for their slots (read once, when first asked)."""

    before: dict[str, str] | None = None  # post id -> the state it was cancelled from

    def give_back(
        self,
        conn: Connection,
        rules: ReviewConfig | None,
        old: Post,
        r: RenderedPost,
        values: dict[str, Any],
        now: float,
        out: Container[tuple[str, str]],
    ) -> str:
        """A cancelled post whose slot the plan gives again (rendered as `r`, its columns `values`): back in the
        queue when the plan cancelled it (its state now), else "" (left cancelled). Not when its words went out
        on its channel from another slot (`out`: channel and item). `rules`: the review stages in force, None
        when they are not the recorded ones (no approval comes back)."""
        if self.before is None:
            self.before = _dropped(conn)
        before = self.before.pop(old.id, None) if (r.channel, r.item) not in out else None
        if before is None:
            return ""
        same = old.version == r.version and old.item == r.item
        if before == st.REJECTED and same:  # a person rejected these words: still rejected, for the same reason
            why, to, values = f"{BACK}，内容与退回时相同，仍为已退回", st.REJECTED, {**values, "approved_by": ""}
        elif old.item != r.item:
            why, to = f"{BACK}，{version_records.SWAPPED}（{old.item} → {r.item}），需要审核", st.PLANNED
            values = {**values, "approved_by": "", "last_error": ""}
        elif old.version != r.version:
            why, to = f"{BACK}，内容已修改（版本 {old.version} → {r.version}），需要重新审核", st.PLANNED
            values = {**values, "approved_by": ""}
        else:
            why, to, values = _approval(conn, rules, old, before, {**values, "last_error": ""})
        return to if change_state(conn, old.id, st.CANCELLED, to, PLAN, why, now, values) else ""


def _approval(
    conn: Connection, rules: ReviewConfig | None, old: Post, before: str, values: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """Back with the words it had: approved again when it was approved and that approval counts."""
    if before not in APPROVED_BEFORE or old.approved_version != old.version:
        return f"{BACK}，重新排入，需要审核", st.PLANNED, {**values, "approved_by": ""}
    forget = {**values, "approved_by": "", "approved_version": ""}
    if rules is None:
        return f"{BACK}，但本机的审核规则与共用数据库记录的不同，没有恢复为已审核，需要审核", st.PLANNED, forget
    if short := approval_standing.restore_lack(conn, rules, old.id, old.version):
        return f"{BACK}，但{RULES_CHANGED}，{short}，需要审核", st.PLANNED, forget
    return f"{BACK}，内容与取消前相同，恢复为已审核", st.APPROVED, {**values, "approved_by": passed_by(conn, old.id, old.version, rules)}


def _dropped(conn: Connection) -> dict[str, str]:
    """The cancelled posts whose last cancel was the plan's, for their slot: the state each was cancelled from."""
    last = sa.select(sa.func.max(audit.c.id)).where(audit.c.to_state == st.CANCELLED, audit.c.from_state != st.CANCELLED)
    cancelled = sa.select(posts.c.id).where(posts.c.state == st.CANCELLED)
    outside = audit.c.why.startswith(f"{OUTSIDE} ", autoescape=True)
    mine = sa.or_(audit.c.why == DROPPED, outside, audit.c.why.endswith(REMOVED, autoescape=True))
    query = sa.select(audit.c.post_id, audit.c.from_state).where(
        audit.c.id.in_(last.where(audit.c.post_id.in_(cancelled)).group_by(audit.c.post_id)), audit.c.who == PLAN, mine
    )
    return {r.post_id: r.from_state for r in conn.execute(query)}


def last_entry(conn: Connection) -> int:
    """The latest history entry's number (0 when there is none): what a fill adds comes after it."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(audit.c.id), 0))).scalar_one())


def approvals_dropped(conn: Connection, since: int) -> list[str]:
    """The approved posts the plan cancelled after history entry `since`, their slots dropped or their
    words sent from another slot: their approval is gone."""
    query = sa.select(audit.c.post_id).where(
        audit.c.id > since, audit.c.who == PLAN, audit.c.to_state == st.CANCELLED, audit.c.from_state.in_(APPROVED_BEFORE)
    )
    return sorted({r.post_id for r in conn.execute(query)})
