"""Review before publishing (先审后发): approve, reject, cancel, retry, and the kill switch.

Thin rules over the queue; each call records who did it and why in the audit log.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from . import states as st
from .channels.base import Receipt
from .db import pauses
from .errors import InputError
from .queue import Post, Queue, TransitionError

ALL_CHANNELS = "*"


def _post(queue: Queue, post_id: str) -> Post:
    post = queue.get(post_id)
    if post is None:
        raise InputError(f"队列中没有编号为 {post_id} 的内容（用 qm queue 查看编号）")
    return post


def approve(queue: Queue, post_id: str, who: str, now: float) -> bool:
    """Approve the current version of a post; False if it was already approved."""
    post = _post(queue, post_id)
    if post.state in (st.APPROVED, st.SCHEDULED) and post.approved_version == post.version:
        return False
    values = {"approved_by": who, "approved_version": post.version, "last_error": ""}
    why = f"审核通过（版本 {post.version}）"
    if not queue.move(post_id, st.APPROVED, who, why, now, expect=(st.PLANNED, st.REJECTED), **values):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改，请用 qm queue 查看后重试")
    return True


def reject(queue: Queue, post_id: str, who: str, reason: str, now: float) -> None:
    _post(queue, post_id)
    values = {"approved_by": "", "approved_version": "", "last_error": f"退回：{reason}（{who}）"}
    if not queue.move(post_id, st.REJECTED, who, reason, now, expect=(st.PLANNED, st.APPROVED, st.SCHEDULED), **values):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改，请用 qm queue 查看后重试")


def cancel(queue: Queue, post_id: str, who: str, reason: str, now: float) -> None:
    post = _post(queue, post_id)
    if not queue.move(post_id, st.CANCELLED, who, reason or "人工取消", now):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改（原状态“{st.label(post.state)}”），请用 qm queue 查看后重试")


def retry(queue: Queue, post_id: str, who: str, now: float) -> str:
    """Send a failed, missed or cancelled post again; returns the new state.

    The grace window restarts now. A post whose content changed since approval goes back to review.
    """
    post = _post(queue, post_id)
    if post.state not in (st.FAILED, st.MISSED, st.CANCELLED):
        raise TransitionError(f"{post_id} 当前状态为“{st.label(post.state)}”，只有失败、已错过或已取消的内容可以重发")
    approved = post.state != st.CANCELLED and post.approved_version == post.version
    target = st.APPROVED if approved else st.PLANNED
    if approved:
        why = "人工重发"
    elif post.state == st.CANCELLED:
        why = "人工重发（已取消的内容重新排入，需要重新审核）"
    else:
        why = "人工重发（审核后内容又修改过，需要重新审核）"
    values: dict[str, Any] = {"due": now, "next_try": None, "attempts": 0, "last_error": ""}
    if not queue.move(post_id, target, who, why, now, **values):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改，请用 qm queue 查看后重试")
    return target


def confirm(queue: Queue, post_id: str, who: str, url: str, now: float) -> None:
    """A person says the post is out (assisted posting, or a post whose outcome the daemon could not tell)."""
    post = _post(queue, post_id)
    if post.state not in (st.ACCEPTED, st.FAILED):
        raise TransitionError(f"{post_id} 当前状态为“{st.label(post.state)}”，只有“待平台确认”或“失败”的内容可以确认已发布")
    if url and not url.startswith(("https://", "http://")):
        raise InputError(f"--url {url} 不是网址（写发出后的链接，以 https:// 开头）")
    old = post.receipt or Receipt("accepted")
    receipt = Receipt("published", old.external_id, url or old.url, {**old.data, "confirmed_by": who, "confirmed_at": now})
    values = {"receipt": json.dumps(receipt.to_json(), ensure_ascii=False), "published_at": now, "last_error": "", "next_try": None}
    why = "人工确认已发布" + (f"：{url}" if url else "")
    if not queue.move(post_id, st.PUBLISHED, who, why, now, expect=(st.ACCEPTED, st.FAILED), **values):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改，请用 qm queue 查看后重试")


def pause(queue: Queue, channel: str | None, who: str, reason: str, now: float) -> None:
    key = channel or ALL_CHANNELS
    with queue.engine.begin() as conn:
        conn.execute(pauses.delete().where(pauses.c.channel == key))
        conn.execute(pauses.insert().values(channel=key, reason=reason, who=who, at=now))


def resume(queue: Queue, channel: str | None) -> bool:
    """Lift a pause; resuming without a channel lifts every pause. False if nothing was paused."""
    query = pauses.delete() if channel is None else pauses.delete().where(pauses.c.channel == channel)
    with queue.engine.begin() as conn:
        return bool(conn.execute(query).rowcount)


def paused(queue: Queue) -> dict[str, tuple[str, str, float]]:
    """channel ("*" for all) -> (reason, who, since)."""
    with queue.engine.connect() as conn:
        return {r.channel: (r.reason, r.who, r.at) for r in conn.execute(sa.select(pauses))}


def is_paused(pauses_now: dict[str, tuple[str, str, float]], channel: str) -> bool:
    return ALL_CHANNELS in pauses_now or channel in pauses_now
