"""Whether an approval still counts under the review rules in force, judged when the queue is filled.

An approval counts when the passes of the approved version cover every stage of the rules now (by the
stages they were given for: `review_progress.counted`), or, on a channel that auto-approves now, always.
An auto-approval counts only while its channel auto-approves. A person's approval recorded before qm kept
stage passes counts as one pass of the single stage qm then had.

Two moments: words changed back to an approved version are approved again only when that approval
counts (`come_back`), and a fill under the recorded rules sends approved posts not yet handed to publishing
back to review when their approval does not count (`rejudge`), keeping the passes that do, and records in
the same transaction the one notice that tells staff (sent by the daemon, whoever filled: `notices_due`).
Looser rules (a stage removed) leave every approval counting, so they un-approve nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ReviewConfig
from . import auto_approval, notices_due, review_rules
from . import states as st
from .back_in_review import RULES_CHANGED
from .queue import Post, Queue, change_state, record_audit
from .review_progress import StagePass, missing, passed_by, passes_at
from .tables import posts

WHO = "审核规则"  # who: the rules in force, when they un-approve a post
JUDGED = (st.APPROVED, st.SCHEDULED)  # approved and not yet claimed: the states a change of rules may undo
NO_LONGER_AUTO = "该渠道不再自动审核（auto_approve），原来的自动审核不再有效，需要人工审核"
RULES_BACK = "rules-back"  # the notice of a fill's posts sent back (`notices_due`): {"posts": [ids], "rules": in words}


def lack(rules: ReviewConfig, post: Post, done: list[StagePass]) -> str:
    """What the post's approval lacks under `rules` ("" when it counts); `done`: its approved version's passes."""
    if not done and post.approved_by == auto_approval.WHO:
        return NO_LONGER_AUTO
    if not done and post.approved_by:  # a person approved it before qm kept stage passes: the one stage there was
        first = ReviewConfig().stages[0]
        done = [StagePass(0, first.name, post.approved_by, post.updated, first.role)]
    return _stages_left(rules, done)  # nobody named and no passes (an auto-approval restored by an older qm): every stage


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
        why = f"{back}，但{RULES_CHANGED}，{short}，需要审核"
    else:
        approved = {**values, "approved_by": passed_by(conn, old.id, old.approved_version, rules), "last_error": ""}
        return st.APPROVED if change_state(conn, old.id, st.PLANNED, st.APPROVED, who, f"{back}，恢复为已审核", now, approved) else ""
    forget = {**values, "approved_by": "", "approved_version": "", "updated": now}
    if conn.execute(posts.update().where(posts.c.id == old.id, posts.c.state == st.PLANNED).values(**forget)).rowcount != 1:
        return ""
    record_audit(conn, old.id, st.PLANNED, st.PLANNED, who, why, now)
    return st.PLANNED


def rejudge(conn: Connection, rules: ReviewConfig, auto: Collection[str], now: float, under: review_rules.Rules) -> list[str]:
    """Send back to review the approved posts of any day (one of yesterday may still go out late), not yet
    claimed for publishing, whose approval
    does not count under `rules` (`auto`: the channels auto-approving now), when `under` (`rules` with `auto`)
    are the rules the daemon recorded: under other rules, or none recorded yet, nothing changes. The passes
    that count stay, so their review continues from the first stage missing. Staff are to be told: a notice
    for the daemon to send (`RULES_BACK`) is recorded with the change. The ids sent back."""
    recorded = review_rules.recorded(conn)
    if recorded is None or recorded.digest != under.digest:
        return []
    judged = [p for p in _approved(conn) if p.channel not in auto]
    done = passes_at(conn, {p.id: p.approved_version for p in judged}) if judged else {}
    back = [p.id for p in judged if (short := lack(rules, p, done.get(p.id, []))) and send_back(conn, p, under, short, now)]
    if back:  # one notice, whoever filled: the daemon sends it (`notices_due`)
        notices_due.record(conn, RULES_BACK, {"posts": back, "rules": under.description}, now)
    return back


def standing(conn: Connection, rules: ReviewConfig, under: review_rules.Rules, post: Post, act: str) -> str:
    """What the approval of `post` lacks under the rules in force, "" when it counts: `rules`, with the channels
    approving without people that `under` (this machine's whole rules) names. `act` (重发) is refused
    (`review_rules.RulesDiffer`) when `under` are not the rules the daemon recorded; none recorded yet (no
    daemon ran), every approval counts, as for a fill (`rejudge`)."""
    review_rules.check(conn, under, act)
    if post.channel in under.auto or review_rules.recorded(conn) is None:
        return ""
    return lack(rules, post, passes_at(conn, {post.id: post.approved_version}).get(post.id, []))


def judge_approved(queue: Queue, post_id: str, rules: ReviewConfig, under: review_rules.Rules, now: float) -> str:
    """Before a person passes a stage of an approved post: when the rules in force do not accept its approval,
    send it back to review (as the next fill would) and say what it lacks; "" when nothing was done."""
    with queue.locked(post_id) as (conn, post):
        if post.state not in JUDGED or post.approved_version != post.version:
            return ""
        lacked = standing(conn, rules, under, post, "审核通过")
        return lacked if lacked and send_back(conn, post, under, lacked, now) else ""


def why_back(under: review_rules.Rules, short: str) -> str:
    """What a post's history says when the rules in force (`under`) sent it back to review, lacking `short`."""
    return f"{RULES_CHANGED}（现在：{under.description}），{short}"


def send_back(conn: Connection, post: Post, under: review_rules.Rules, short: str, now: float) -> bool:
    """Move an approved post the rules in force do not accept (it lacks `short`) back to review, forgetting the
    approval; False when it was moved meanwhile."""
    why = f"{why_back(under, short)}，回到待审核"
    return change_state(conn, post.id, post.state, st.PLANNED, WHO, why, now, {"approved_by": "", "approved_version": ""})


def _approved(conn: Connection) -> list[Post]:
    """The posts that are approved and not yet claimed for publishing, of any day."""
    return [Post.from_row(r) for r in conn.execute(sa.select(posts).where(posts.c.state.in_(JUDGED)))]
