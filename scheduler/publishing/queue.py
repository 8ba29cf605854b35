"""The persistent post queue: reading posts (their rows are `post_rows`), state transitions with an audit
trail, atomic claims (filling it from the plan is `queue_sync`).

Every state change is a conditional UPDATE (`WHERE id = ? AND state = ?`) whose row count is
checked, with its audit row written in the same transaction: two processes can never both move a
post, and no change goes unrecorded. Times are UTC epoch seconds; `now` is always passed in.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..support.errors import InputError
from . import back_in_review, notices_sent
from . import states as st
from .post_rows import AuditEntry as AuditEntry  # re-exported: callers read posts through the queue
from .post_rows import Brief as Brief
from .post_rows import Post as Post
from .tables import audit, pauses, payload_versions, posts

PLAN = "排期"  # who: the plan itself (filling and re-rendering)


class TransitionError(InputError):
    """A state change the rules do not allow (e.g. approving a post that is already published)."""


_ENTRY = [audit.c[f.name] for f in dataclasses.fields(AuditEntry)]  # the audit columns an AuditEntry holds, in its order


class Queue:
    def __init__(self, engine: Engine, listing: str = "qm queue") -> None:
        self.engine = engine
        self.listing = listing  # the command that lists this queue's ids (`qm queue --db 文件` for another database)

    # -- reading ---------------------------------------------------------------------------------

    def unknown(self, *post_ids: str, conn: Connection | None = None) -> InputError:
        """The error for ids the queue does not hold, with the ids closest to them (a digit left off)."""
        from ..support.suggest import close_to, guess_of

        if conn is None:
            with self.engine.connect() as own:
                return self.unknown(*post_ids, conn=own)
        held = list(conn.execute(sa.select(posts.c.id)).scalars())
        # ids share their day and channel: only one a character or two off is a likely meant one
        guess = guess_of(dict.fromkeys(g for i in post_ids for g in close_to(i, held, prefix=True, cutoff=0.85)))
        which = f"编号为 {post_ids[0]} 的内容" if len(post_ids) == 1 else f"这些编号：{'、'.join(post_ids)}"
        return InputError(f"队列中没有{which}（{guess}用 {self.listing} 查看编号）")

    def get(self, post_id: str) -> Post | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(posts).where(posts.c.id == post_id)).first()
        return Post.from_row(row) if row else None

    def find(self, states: Iterable[str] = (), start: float | None = None, end: float | None = None) -> list[Post]:
        query = sa.select(posts).order_by(posts.c.at, posts.c.id)
        if states:
            query = query.where(posts.c.state.in_(list(states)))
        if start is not None:
            query = query.where(posts.c.at >= start)
        if end is not None:
            query = query.where(posts.c.at < end)
        with self.engine.connect() as conn:
            return [Post.from_row(r) for r in conn.execute(query)]

    def brief(self, states: Iterable[str], end: float | None = None, channel: str | None = None) -> list[Brief]:
        """Just what the daemon's sweep and quota checks need, without decoding payloads."""
        cols = [posts.c[f.name] for f in dataclasses.fields(Brief)]  # the Brief's fields, in its order
        query = sa.select(*cols).where(posts.c.state.in_(list(states))).order_by(posts.c.at, posts.c.id)
        if end is not None:
            query = query.where(posts.c.at < end)
        if channel is not None:
            query = query.where(posts.c.channel == channel)
        with self.engine.connect() as conn:
            return [Brief(*r) for r in conn.execute(query)]

    def channel_stamp(self, channel: str) -> tuple[object, ...]:
        """Changes whenever one of the channel's posts is added, changes state or moves in time."""
        cols = (
            posts.c.state,
            sa.func.count(),
            sa.func.max(posts.c.updated),
            sa.func.sum(posts.c.due),
            sa.func.sum(sa.func.coalesce(posts.c.next_try, 0)),
        )
        query = sa.select(*cols).where(posts.c.channel == channel).group_by(posts.c.state).order_by(posts.c.state)
        with self.engine.connect() as conn:
            return tuple(tuple(row) for row in conn.execute(query))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(posts.c.state, sa.func.count()).group_by(posts.c.state)).all()
        return {state: int(n) for state, n in rows}

    def history(self, post_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        query = sa.select(*_ENTRY).order_by(audit.c.id.desc()).limit(limit)
        query = query if post_id is None else query.where(audit.c.post_id == post_id)
        with self.engine.connect() as conn:
            return [AuditEntry(*r) for r in reversed(conn.execute(query).all())]

    def last_moves(self, post_ids: Iterable[str], to: str) -> dict[str, AuditEntry]:
        """The latest audit entry that moved each of these posts to state `to`, by post id, read in one query."""
        last = sa.select(sa.func.max(audit.c.id)).where(audit.c.to_state == to, audit.c.post_id.in_([*post_ids])).group_by(audit.c.post_id)
        with self.engine.connect() as conn:
            return {r.post_id: AuditEntry(*r) for r in conn.execute(sa.select(*_ENTRY).where(audit.c.id.in_(last)))}

    def payload_history(self, post_id: str) -> list[str]:
        query = sa.select(payload_versions.c.version).where(payload_versions.c.post_id == post_id).order_by(payload_versions.c.created)
        with self.engine.connect() as conn:
            return [r.version for r in conn.execute(query)]

    def change_reasons(self, found: Iterable[Post]) -> dict[str, str]:
        """Why each post that was approved is waiting for review again: what changed since the approval
        (内容 …、模板 …、配置 …), or the review rules in force (`back_in_review`), where that is known."""
        with self.engine.connect() as conn:
            return back_in_review.reasons(conn, found)

    def payload(self, post_id: str, version: str) -> dict[str, Any] | None:
        """What a post would have published at `version` (kept for every version it had)."""
        query = sa.select(payload_versions.c.payload).where(payload_versions.c.post_id == post_id, payload_versions.c.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return json.loads(row.payload) if row else None

    # -- moving ----------------------------------------------------------------------------------

    @contextmanager
    def locked(self, post_id: str) -> Iterator[tuple[Connection, Post]]:
        """A transaction that holds the post for writing while the caller reads and decides.

        It opens with a no-op write to the post's row: SQLite takes its write lock there (so what is
        read next is current and nobody writes in between), PostgreSQL locks the row.
        """
        with self.engine.begin() as conn:
            if conn.execute(posts.update().where(posts.c.id == post_id).values(updated=posts.c.updated)).rowcount != 1:
                raise self.unknown(post_id, conn=conn)
            yield conn, Post.from_row(conn.execute(sa.select(posts).where(posts.c.id == post_id)).one())

    def move(self, post_id: str, to: str, who: str, why: str, now: float, *, expect: Sequence[str] = (), **values: Any) -> bool:
        """Move a post to state `to`; False if it was changed by someone else meanwhile.

        `expect` limits the states it may move from; a move the rules forbid raises TransitionError.
        """
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(posts.c.state).where(posts.c.id == post_id)).first()
            if row is None:
                raise self.unknown(post_id, conn=conn)
            src = row.state
            if (expect and src not in expect) or not st.allowed(src, to):
                raise TransitionError(refusal(post_id, src, to))
            return change_state(conn, post_id, src, to, who, why, now, values)

    def advance(
        self, post_id: str, src: str, to: str, who: str, why: str, now: float, *, attempt: int | None = None, **values: Any
    ) -> bool:
        """Move a post the caller read in state `src` to `to`; False if someone moved it meanwhile.

        The daemon's moves: a person may cancel, reject or approve a post (or a sync send it back to
        review) between the daemon's read and its write. That is no error: whoever wrote first wins.
        `attempt`: the move is an outcome of that publish attempt, so only while the post is still in it."""
        with self.engine.begin() as conn:
            return change_state(conn, post_id, src, to, who, why, now, values, attempt=attempt)

    def claim(self, post_id: str, who: str, now: float, fence: sa.ColumnElement[bool] | None = None) -> Post | None:
        """Take a scheduled, approved, unpaused post for publishing; None if another worker got it first.

        `fence` is the daemon's lock condition: a daemon that lost its lease claims nothing."""
        paused = sa.exists().where(pauses.c.channel.in_([sa.literal("*"), posts.c.channel]))
        with self.engine.begin() as conn:
            result = conn.execute(
                posts.update()
                .where(posts.c.id == post_id, posts.c.state == st.SCHEDULED, posts.c.approved_version == posts.c.version, ~paused)
                .where(fence if fence is not None else sa.true())
                .values(state=st.PUBLISHING, attempts=posts.c.attempts + 1, updated=now)
            )
            if result.rowcount != 1:
                return None
            record_audit(conn, post_id, st.SCHEDULED, st.PUBLISHING, who, "开始发布", now)
            row = conn.execute(sa.select(posts).where(posts.c.id == post_id)).one()
        return Post.from_row(row)

    def postpone(self, post_id: str, to: float, who: str, why: str, now: float) -> bool:
        """Move a scheduled post to a later slot (its grace window counts from there); audited."""
        with self.engine.begin() as conn:
            result = conn.execute(
                posts.update().where(posts.c.id == post_id, posts.c.state == st.SCHEDULED).values(due=to, next_try=None, updated=now)
            )
            if result.rowcount != 1:
                return False
            record_audit(conn, post_id, st.SCHEDULED, st.SCHEDULED, who, why, now)
        return True

    def save_receipt(
        self, post_id: str, receipt: str, *, state: str, attempts: int | None = None, fence: sa.ColumnElement[bool] | None = None
    ) -> bool:
        """Record a channel's progress on a post that stays in `state`; no state change, so no audit row.

        `attempts` and `fence` hold a checkpoint to the attempt that claimed the post: stored only while
        the post is still in that attempt and (`fence`, as for a claim) its daemon still holds the lock.
        `updated` is left alone: it marks the last state change, which poll deadlines count from.
        """
        held = [posts.c.attempts == attempts] if attempts is not None else []
        with self.engine.begin() as conn:
            result = conn.execute(
                posts.update()
                .where(posts.c.id == post_id, posts.c.state == state, *held)
                .where(fence if fence is not None else sa.true())
                .values(receipt=receipt)
            )
        return bool(result.rowcount == 1)


def refusal(post_id: str, src: str, dst: str) -> str:
    if src == dst:
        return f"{post_id} 已经是“{st.label(src)}”状态，无需再操作"
    return f"{post_id} 当前状态为“{st.label(src)}”，不能改为“{st.label(dst)}”"


def change_state(
    conn: Connection,
    post_id: str,
    src: str,
    dst: str,
    who: str,
    why: str,
    now: float,
    values: dict[str, Any],
    *,
    attempt: int | None = None,
) -> bool:
    if not st.allowed(src, dst):
        raise TransitionError(refusal(post_id, src, dst))
    held = [posts.c.attempts == attempt] if attempt is not None else []
    result = conn.execute(posts.update().where(posts.c.id == post_id, posts.c.state == src, *held).values(state=dst, updated=now, **values))
    if result.rowcount != 1:
        return False
    record_audit(conn, post_id, src, dst, who, why, now)
    if dst == st.APPROVED:  # a hold ended: were the post held again, even for the same reasons, staff are told again
        notices_sent.clear(conn, notices_sent.held_topic(post_id))
    return True


def record_audit(conn: Connection, post_id: str, src: str, dst: str, who: str, why: str, now: float) -> None:
    conn.execute(audit.insert().values(post_id=post_id, at=now, who=who, from_state=src, to_state=dst, why=why))
