"""A rejected post stays rejected until its words change: nobody approves it by pressing 通过 on a page
that still showed it waiting, nor by `qm approve` naming it.

A rejection is a reviewer's decision about one version. Changing the words (or the template, config …)
gives a new version, which goes back to review by itself (`queue_sync`). The same words can be approved
only by overruling the rejection on purpose (`qm approve --despite-rejection`), and only by someone with
the role of the last review stage or above: the person with the final say, who answers for it. Their
approval names the rejection it overrules in the post's history.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ROLE_LABELS, ROLES, ReviewConfig, role_needed
from . import states as st
from .queue import Post, TransitionError
from .review_reasons import rejection_said
from .tables import audit

OVERRULE = "--despite-rejection"


def overrule_role(rules: ReviewConfig) -> str:
    """The least role that may approve a rejected post unchanged: the last stage's (the final say)."""
    return rules.stages[-1].role


def rejection(conn: Connection, post: Post, rules: ReviewConfig, tz: dt.tzinfo) -> str:
    """Who rejected the post, when and why, in words: "已在 09-07 08:05 由赵初审（web）退回（初审退回：图片不清楚）"
    (one review stage: "…退回（图片不清楚）"; `rejection_said`)."""
    query = sa.select(audit.c.who, audit.c.at, audit.c.why).where(audit.c.post_id == post.id, audit.c.to_state == st.REJECTED)
    row = conn.execute(query.order_by(audit.c.id.desc()).limit(1)).first()
    if row is None:  # rejected before the history was kept: what the post row says
        return f"已退回（{post.last_error}）" if post.last_error else "已退回"
    stage, reason = rejection_said(row.why, [s.name for s in rules.stages])
    at = f"{stage}退回：" if stage else ""
    return f"已在 {dt.datetime.fromtimestamp(row.at, tz):%m-%d %H:%M} 由{row.who}退回（{at}{reason}）"


def hold(conn: Connection, post: Post, rules: ReviewConfig, role: str | None, overrule: bool, tz: dt.tzinfo) -> str:
    """Refuse to approve a rejected post (TransitionError naming the rejection), unless the person overrules it
    and may (`role`: their account's role, None on the command line without accounts). What the approval's
    history adds ("" for a post that is not rejected)."""
    if post.state != st.REJECTED:
        return ""
    said = rejection(conn, post, rules, tz)
    least = overrule_role(rules)
    if not overrule:
        raise TransitionError(
            f"{post.id} {said}，退回后内容没有改动，不能通过：请按退回原因修改内容（改动后自动回到待审核）再审核。"
            f"确实不用修改就要发布的，请{role_needed(least)}在命令行运行 qm approve {post.id} {OVERRULE} --by 姓名（记入审核记录）"
        )
    if role is not None and ROLES.index(role) < ROLES.index(least):
        raise TransitionError(f"{post.id} {said}；不修改内容就通过退回的内容需要{role_needed(least)}，你是{ROLE_LABELS[role]}")
    return f"；不顾退回通过：{said}"
