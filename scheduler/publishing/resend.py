"""Sending a failed, missed or cancelled post again (`qm retry`, the console's 重试), never sending the same words
twice on a channel: refused while the platform holds the post, and while another post of its channel carries its
item (queued, approved, on its way, out, or maybe out, cancelled since too: `twin`). A post that may have gone out
kept its words as the record (`waiting_words`): an edit made since is put in place now, and goes to review before it is sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ReviewConfig
from ..support.values import committed
from . import approval_standing, review_rules, waiting_words
from . import states as st
from .maybe_sent import METHOD, maybe_sent
from .post_rows import receipt_json
from .queue import Post, Queue, TransitionError, change_state
from .tables import posts

# States of a post that carries its words now: in the queue before publishing, on their way, or out.
LIVE = st.BEFORE_PUBLISHING | st.LOCKED
DEFAULT_REVIEW = ReviewConfig()


def retry(
    queue: Queue,
    post_id: str,
    who: str,
    now: float,
    too_late: Callable[[Post], str] | None = None,
    rules: ReviewConfig = DEFAULT_REVIEW,
    under: review_rules.Rules | None = None,
    label: Callable[[str], str] = str,
) -> str:
    """Send a failed, missed or cancelled post again; returns the new state. Refused with `too_late(post)`
    when that says why it could not go out (`retry_window`); else the grace window restarts now.
    A post whose content changed since approval goes back to review, and so does one whose approval the
    rules in force (`rules`, `under` as `pass_stage`) do not accept, its history saying what it lacks
    (`approval_standing`); under other rules than those recorded, reviving an approval is refused.
    Decided inside `Queue.locked`: words changed a moment ago are seen, never approved unreviewed. Refused while
    another post of the channel carries the same item (`twin`), naming it and the channel as staff call it (`label`). A failed post that may have gone out
    takes the words edited since it failed (`waiting_words.waiting`): not those approved, they go to review.
    """
    with queue.locked(post_id) as (conn, post):
        if post.state not in (st.FAILED, st.MISSED, st.CANCELLED):
            raise TransitionError(f"{post_id} 当前状态为“{st.label(post.state)}”，只有失败、已错过或已取消的内容可以重发")
        sent = committed(post.receipt)
        if sent:
            raise TransitionError(
                f"{post_id} 不能重发：平台已经接收了这条内容（{sent}），再发一次就是重复发布。"
                f"请到平台核实：已发出的用 qm confirm {post_id} --url 链接 补记；平台上确实没有的，在平台上手工发出后再补记"
            )
        if too_late is not None and (late := too_late(post)):
            raise TransitionError(late)
        if (other := twin(conn, post)) is not None:
            raise TransitionError(_twice(post, other, label(post.channel)))
        fresh = waiting_words.waiting(conn, post) if maybe_sent(post.state, post.attempts, post.receipt) else None
        version = fresh.version if fresh is not None else post.version
        approved = post.state != st.CANCELLED and post.approved_version == version
        under = under or review_rules.rules_of(rules)
        lacked = approval_standing.standing(conn, rules, under, post, "重发已审核的内容") if approved else ""
        target = st.APPROVED if approved and not lacked else st.PLANNED
        if lacked:
            why = f"人工重发；{approval_standing.why_back(under, lacked)}，回到待审核"
        elif approved:
            why = "人工重发"
        elif post.state == st.CANCELLED:
            why = "人工重发（已取消的内容重新排入，需要重新审核）"
        else:
            why = "人工重发（审核后内容又修改过，需要重新审核）"
        # sent anew: now, or at its time when that is still ahead (a post cancelled before its time and wanted back
        # goes out at its slot, not the moment it is approved again)
        values: dict[str, Any] = {"due": max(now, post.due), "next_try": None, "attempts": 0, "last_error": "", "sent_at": None}
        if post.receipt is not None:  # sent anew by the method in force, whatever made its marks (`maybe_sent.made_by`)
            values["receipt"] = receipt_json(dataclasses.replace(post.receipt, data={**post.receipt.data, METHOD: ""}))
        if fresh is not None:  # the words edited after the failure take the place of those kept as its record
            values.update(version=fresh.version, payload=fresh.payload, images=fresh.images)
            why = f"{why}；换上发布失败后修改的文字（版本 {post.version} → {fresh.version}）"
        if post.state == st.CANCELLED or lacked:  # the old approval does not come back
            values.update(approved_by="", approved_version="")
        change_state(conn, post_id, post.state, target, who, why, now, values)
    return target


def twin(conn: Connection, post: Post) -> Post | None:
    """Another post of `post`'s channel that carries its item now (`LIVE`), or after an attempt that may have sent
    it (`maybe_sent`: failed, missed or cancelled since), if any: sending `post` too would send the same words twice."""
    carries = sa.or_(posts.c.state.in_(LIVE), posts.c.attempts > 0)
    query = sa.select(posts).where(posts.c.channel == post.channel, posts.c.item == post.item, posts.c.id != post.id, carries)
    found = (Post.from_row(row) for row in conn.execute(query.order_by(posts.c.at, posts.c.id)))
    return next((p for p in found if p.state in LIVE or maybe_sent(p.state, p.attempts, p.receipt)), None)


def _twice(post: Post, other: Post, channel: str) -> str:
    """Why `post` may not be sent again while `other` carries its words, and what to do."""
    unsure = maybe_sent(other.state, other.attempts, other.receipt)
    state = f"{st.label(other.state)}，可能已经发出" if unsure else st.label(other.state)
    head = f"{post.id} 不能重发：同一条内容 {post.item} 在{channel}上还有 {other.id}（{state}），再发就是重复发布。"
    if maybe_sent(post.state, post.attempts, post.receipt):
        head += f"{post.id} 发布失败时可能已经发出，先到平台核实：已发出的用 qm confirm {post.id} --url 链接 补记；"
    if unsure and other.state in LIVE:  # tried again by itself, under the same version (the platform may recognise it)
        return head + f"{other.id} 上次发布时可能已经发出，后台服务会按原来的文字再试，{post.id} 不必重发"
    if unsure:
        return head + (
            f"{other.id} 发布失败时可能已经发出，先到平台核实：已发出的用 qm confirm {other.id} --url 链接 补记，{post.id} 不必重发；"
            f"确实没有发出的，用 qm retry {other.id} 重发那一条，不必重发这一条"
        )
    if other.state in st.LOCKED:
        return head + f"{other.id} 已经发出或正在发出，{post.id} 不必重发；确实要再发一次的，在配置的 pins 中固定它"
    return (
        head + f"只发一条：要发 {post.id}，先用 qm cancel {other.id} 取消另一条（审核台“取消发布”）再重发；要发 {other.id}，不必重发这一条"
    )
