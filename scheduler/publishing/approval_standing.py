"""Whether an approval still counts under the review rules in force.

An approval counts when the passes of the approved version cover every stage of the rules now (by the
stages they were given for: `review_progress.counted`), or, on a channel that auto-approves now, always.
An auto-approval counts only while its channel auto-approves. An approval recorded before qm kept stage
passes counts as one pass of the single stage qm then had.

Words changed back to an approved version are approved again only when that approval counts (`come_back`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from ..inputs.campaign import ReviewConfig
from . import states as st
from .queue import Post, change_state, record_audit
from .review import passed_by
from .review_progress import StagePass, missing, passes_at
from .tables import posts


def _stages_left(rules: ReviewConfig, done: Iterable[StagePass]) -> str:
    left = missing(rules, done)
    return f"原来的审核还差{'、'.join(s.name for s in left)}" if left else ""


def restore_lack(conn: Connection, rules: ReviewConfig, post_id: str, version: str) -> str:
    """What the approval of `version`, whose words came back, lacks under `rules` ("" when it counts). Only
    passes tell: an auto-approval (its channel auto-approves no more) and one without passes lack every stage."""
    return _stages_left(rules, passes_at(conn, {post_id: version}).get(post_id, []))


def come_back(conn: Connection, rules: ReviewConfig | None, old: Post, values: dict[str, Any], who: str, lead: str, now: float) -> str:
    """A planned post whose words (`values`) came back to its approved version: approved again, as nobody
    withdrew that approval (a reject or a cancel clears it), when `rules` accept it (None: this machine's
    rules are not the recorded ones). Else it keeps waiting, its words updated and the approval it no longer
    has forgotten (a retry does not bring it back). Its history says which (`who`, `lead`: the edit that did
    it). The state it is in now; "" if it was moved meanwhile."""
    back = f"{lead}内容改回了审核通过的版本 {old.approved_version}"
    if rules is None:
        why = f"{back}，但本机的审核规则与共用数据库记录的不同，没有恢复为已审核，需要审核"
    elif short := restore_lack(conn, rules, old.id, old.approved_version):
        why = f"{back}，但审核规则已改，{short}，需要审核"
    else:
        approved = {**values, "approved_by": passed_by(conn, old.id, old.approved_version, rules), "last_error": ""}
        return st.APPROVED if change_state(conn, old.id, st.PLANNED, st.APPROVED, who, f"{back}，恢复为已审核", now, approved) else ""
    forget = {**values, "approved_by": "", "approved_version": "", "updated": now}
    if conn.execute(posts.update().where(posts.c.id == old.id, posts.c.state == st.PLANNED).values(**forget)).rowcount != 1:
        return ""
    record_audit(conn, old.id, st.PLANNED, st.PLANNED, who, why, now)
    return st.PLANNED
