"""The words of a post that may have gone out (`maybe_sent`: failed, waiting to retry after a lost answer,
cancelled since...) stay as they were: they are the record of what may be on the platform, which `qm confirm`
records as published, and what a retry repeats (a WeChat mass send under the same clientmsgid, which the
platform recognises). Its item edited since, a refresh keeps the new words aside (the post's newest kept
version, `payload_versions`) and says so in the post's history, saying why: they wait for `qm retry`, which puts
them in place and sends the post back to review (`waiting`). Edited back, nothing waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..rendering.payloads import RenderedPost
from . import states as st
from . import version_records
from .maybe_sent import maybe_sent
from .queue import Post, record_audit
from .tables import payload_versions

# Why the new words wait, by the post's state: the daemon sends none of these again; `qm retry` puts them in place.
KEPT = "，保留当时的文字作为记录（平台上有的用 qm confirm 补记）；后台服务不会再发它，修改后的文字等 qm retry 重发时换上，重新审核后再发"
SINCE = {
    st.FAILED: "这条内容发布失败时可能已经发出",
    st.MISSED: "这条内容记为已错过，但之前的一次发布可能已经发出",
    st.CANCELLED: "这条内容已取消，但取消之前的一次发布可能已经发出",
}
# A post rejected after an attempt that may have sent it (rejecting one is refused now): `qm retry` refuses it until cancelled.
REJECTED = (
    "这条内容已退回，但退回之前的一次发布可能已经发出，保留当时的文字作为记录；后台服务不会再发它，修改后的文字也不换上："
    "先 qm cancel 取消（平台上有的再用 qm confirm 补记），要发修改后的文字再用 qm retry 重发，重新审核后再发"
)
# A post still to be tried again (its last attempt's answer was lost): the retry repeats these words.
RETRYING = (
    "这条内容上次发布时没有得到平台的应答，可能已经发出：后台服务重试时仍发当时的文字（平台能认出同一条，不会再发一次），"
    "不换成修改后的文字；重试失败后用 qm retry 重发时才换上，重新审核后再发"
)


def kept(state: str) -> str:
    """Why the edited words of a post in `state` that may be out wait (`hold`)."""
    if state == st.REJECTED:
        return REJECTED
    return RETRYING if state in st.BEFORE_PUBLISHING else SINCE.get(state, SINCE[st.FAILED]) + KEPT


def hold(conn: Connection, old: Post, r: RenderedPost, who: str, lead: str, now: float, keep: Callable[[RenderedPost], None]) -> None:
    """Bring `old` in line with its rendering `r` without touching its words: the new words wait (kept as the
    post's newest version), with a history line by `who` (`lead`: what they did) once per new version."""
    if r.item != old.item:
        return  # the plan keeps such a post's item (`planning.keeping`): other words are not its own
    found = waiting(conn, old)
    if r.version == old.version:
        if found is not None:  # edited back: the words on record are the ones to send again
            keep(r)
            _newest(conn, old.id, r.version, now)
            why = f"{lead}内容改回了可能已经发出的那一版文字（版本 {r.version}），重发时不再换文字"
            record_audit(conn, old.id, old.state, old.state, who, why, now)
        return
    if found is not None and found.version == r.version:
        return  # kept aside already
    keep(r)
    _newest(conn, old.id, r.version, now)
    named = version_records.changes(conn, old.id, old.version, r.version)
    what = f"改动了{'、'.join(named)}" if named else "内容已修改"
    record_audit(conn, old.id, old.state, old.state, who, f"{lead}{what}（版本 {old.version} → {r.version}）；{kept(old.state)}", now)


@dataclass(frozen=True)
class Words:
    """A version of a post's words as the queue stores them (payload and images in JSON)."""

    version: str
    payload: str
    images: str


def waiting(conn: Connection, post: Post) -> Words | None:
    """The words kept aside for `post` since it failed (version, payload, images), if other than its own."""
    query = (
        sa.select(payload_versions.c.version, payload_versions.c.payload, payload_versions.c.images)
        .where(payload_versions.c.post_id == post.id, payload_versions.c.created >= post.updated)
        .order_by(payload_versions.c.created.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return Words(row.version, row.payload, row.images) if row is not None and row.version != post.version else None


def notes(engine: Engine, found: Iterable[Post]) -> dict[str, str]:
    """What `qm queue`'s note column says of each of these posts whose edited words wait (`hold`), by post id."""
    maybe = [p for p in found if maybe_sent(p.state, p.attempts, p.receipt)]  # few: a query each
    with engine.connect() as conn:
        waits = {p.id: w.version for p in maybe if (w := waiting(conn, p)) is not None}
    return {i: f"修改后的文字（版本 {v}）暂不换上：可能已经发出的文字保留作记录（qm history {i}）" for i, v in waits.items()}


def _newest(conn: Connection, post_id: str, version: str, now: float) -> None:
    where = (payload_versions.c.post_id == post_id) & (payload_versions.c.version == version)
    conn.execute(payload_versions.update().where(where).values(created=now))
