"""The persistent post queue: rows, state transitions with an audit trail, atomic claims, filling from the plan.

Every state change is a conditional UPDATE (`WHERE id = ? AND state = ?`) whose row count is
checked, with its audit row written in the same transaction: two processes can never both move a
post, and no change goes unrecorded. Times are UTC epoch seconds; `now` is always passed in.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..rendering.payloads import PostInputs, RenderedPost, Renderer
from ..rendering.versions import is_legacy, version_of
from ..support.errors import InputError
from ..support.values import ImageRef, Receipt
from . import states as st
from . import version_records
from .db import audit, pauses, payload_versions, posts
from .post_sources import PostSource, Sources, snapshot, source_of

PLAN = "排期"  # who: the plan itself (filling and re-rendering)


class TransitionError(InputError):
    """A state change the rules do not allow (e.g. approving a post that is already published)."""


@dataclass(frozen=True)
class Post:
    id: str
    channel: str
    at: float
    due: float
    next_try: float | None
    item: str
    area: str
    state: str
    version: str
    payload: dict[str, Any]
    images: tuple[ImageRef, ...]
    attempts: int
    last_error: str
    receipt: Receipt | None
    approved_by: str
    approved_version: str
    published_at: float | None
    updated: float

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Post:
        m = row._mapping
        return cls(
            id=m["id"],
            channel=m["channel"],
            at=m["at"],
            due=m["due"],
            next_try=m["next_try"],
            item=m["item"],
            area=m["area"],
            state=m["state"],
            version=m["version"],
            payload=json.loads(m["payload"]),
            images=tuple(ImageRef(**i) for i in json.loads(m["images"])),
            attempts=m["attempts"],
            last_error=m["last_error"],
            receipt=Receipt.from_json(json.loads(m["receipt"])) if m["receipt"] else None,
            approved_by=m["approved_by"],
            approved_version=m["approved_version"],
            published_at=m["published_at"],
            updated=m["updated"],
        )

    @property
    def fire_at(self) -> float:
        """When the daemon should act on this post next."""
        return self.next_try if self.next_try is not None else self.due

    def when(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz)


@dataclass(frozen=True)
class Brief:
    """A post's state and times without its payload: what the sweep and the quota checks read."""

    id: str
    channel: str
    state: str
    due: float
    next_try: float | None
    updated: float = 0.0
    published_at: float | None = None

    @property
    def fire_at(self) -> float:
        return self.next_try if self.next_try is not None else self.due


@dataclass(frozen=True)
class AuditEntry:
    post_id: str
    at: float
    who: str
    from_state: str
    to_state: str
    why: str


@dataclass(frozen=True)
class Edit:
    """Someone changed a content item's words (in the web console): `what`, e.g. 修改了标题、正文."""

    who: str
    what: str


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # content changed, still before review
    back_to_review: list[str] = field(default_factory=list)  # content changed after approval
    cancelled: list[str] = field(default_factory=list)  # no longer in the plan
    ignored: list[str] = field(default_factory=list)  # changed after it went out: left alone


def epoch(when: dt.datetime | str) -> float:
    return (dt.datetime.fromisoformat(when) if isinstance(when, str) else when).timestamp()


class Queue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- reading ---------------------------------------------------------------------------------

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
        cols = (posts.c.id, posts.c.channel, posts.c.state, posts.c.due, posts.c.next_try, posts.c.updated, posts.c.published_at)
        query = sa.select(*cols).where(posts.c.state.in_(list(states))).order_by(posts.c.at, posts.c.id)
        if end is not None:
            query = query.where(posts.c.at < end)
        if channel is not None:
            query = query.where(posts.c.channel == channel)
        with self.engine.connect() as conn:
            return [Brief(r.id, r.channel, r.state, r.due, r.next_try, r.updated, r.published_at) for r in conn.execute(query)]

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
        query = sa.select(audit).order_by(audit.c.id.desc()).limit(limit)
        if post_id is not None:
            query = query.where(audit.c.post_id == post_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.post_id, r.at, r.who, r.from_state, r.to_state, r.why) for r in reversed(rows)]

    def payload_history(self, post_id: str) -> list[str]:
        query = sa.select(payload_versions.c.version).where(payload_versions.c.post_id == post_id).order_by(payload_versions.c.created)
        with self.engine.connect() as conn:
            return [r.version for r in conn.execute(query)]

    def change_reasons(self, found: Iterable[Post]) -> dict[str, str]:
        """Why each post that was approved and then changed is waiting for review again: what changed
        since the approval (内容 …、模板 …、配置 …), for the posts where that is known."""
        reasons = {}
        with self.engine.connect() as conn:
            for p in found:
                if p.state == st.PLANNED and p.approved_version and p.approved_version != p.version:
                    named = version_records.changes(conn, p.id, p.approved_version, p.version)
                    reasons[p.id] = "改动了" + "、".join(named) if named else "审核后内容有修改"
        return reasons

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
                raise InputError(f"队列中没有编号为 {post_id} 的内容（用 qm queue 查看编号）")
            yield conn, Post.from_row(conn.execute(sa.select(posts).where(posts.c.id == post_id)).one())

    def move(self, post_id: str, to: str, who: str, why: str, now: float, *, expect: Sequence[str] = (), **values: Any) -> bool:
        """Move a post to state `to`; False if it was changed by someone else meanwhile.

        `expect` limits the states it may move from; a move the rules forbid raises TransitionError.
        """
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(posts.c.state).where(posts.c.id == post_id)).first()
            if row is None:
                raise InputError(f"队列中没有编号为 {post_id} 的内容（用 qm queue 查看编号）")
            src = row.state
            if (expect and src not in expect) or not st.allowed(src, to):
                raise TransitionError(_refusal(post_id, src, to))
            return _update(conn, post_id, src, to, who, why, now, values)

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
            _audit(conn, post_id, st.SCHEDULED, st.PUBLISHING, who, "开始发布", now)
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
            _audit(conn, post_id, st.SCHEDULED, st.SCHEDULED, who, why, now)
        return True

    def save_receipt(self, post_id: str, receipt: str, *, state: str) -> bool:
        """Record a channel's progress on a post that stays in `state`; no state change, so no audit row.

        `updated` is left alone: it marks the last state change, which poll deadlines count from.
        """
        with self.engine.begin() as conn:
            result = conn.execute(posts.update().where(posts.c.id == post_id, posts.c.state == state).values(receipt=receipt))
        return bool(result.rowcount == 1)

    # -- filling from the plan -------------------------------------------------------------------

    def sync(
        self,
        rendered: Iterable[RenderedPost],
        auto_approve: set[str],
        now: float,
        window: tuple[float, float],
        edits: Mapping[str, Edit] | None = None,
        unchanged: frozenset[str] = frozenset(),
        sources: Sources | None = None,
    ) -> SyncResult:
        """Bring the queue in line with the plan for the posts whose slot lies in `window`.

        New posts start `planned` (or `approved` on auto-approve channels). A post whose payload
        changed goes back to review; one no longer in the plan is cancelled; what went out is never touched.
        `edits` says who changed which content item and how: the audit of its changed posts says so.
        `unchanged` are posts still in the plan that were not rendered again (their inputs are as
        they were at the last sync): they are left as they are. `sources` says what each rendered
        post is made from: a post sent back to review says what changed.
        """
        result = SyncResult()
        wanted = {r.post_id: r for r in rendered}
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(posts).where(posts.c.at >= window[0], posts.c.at < window[1])).all()
            existing = {r.id: Post.from_row(r) for r in rows}
            extra = set(wanted) - set(existing)
            if extra:  # posts moved into the window from outside it
                more = conn.execute(sa.select(posts).where(posts.c.id.in_(extra))).all()
                existing.update({r.id: Post.from_row(r) for r in more})
            known = version_records.load(conn, wanted) if sources else {}
            sync = _Sync(conn, now, result, sources, known, version_records.kept(conn, wanted))
            if sources is not None:
                version_records.keep_snapshot(conn, sources.snapshot)
            for post_id, r in wanted.items():
                sync.one(existing.get(post_id), r, r.channel in auto_approve, (edits or {}).get(r.item))
            for post_id in sorted(set(existing) - set(wanted) - unchanged):
                post = existing[post_id]
                if post.state in st.BEFORE_PUBLISHING:
                    _update(conn, post_id, post.state, st.CANCELLED, PLAN, "排期已调整，这个时段不再安排该内容", now, {})
                    result.cancelled.append(post_id)
        return result


@dataclass
class Filled:
    """What the last fill of a long-lived process (the daemon) synced: each post's inputs by id.

    A post whose inputs (its slot, its content item's text, the templates and the config) are the
    same as then renders to the same payload, so it is not rendered again; when no post changed, was
    added or left the plan, the queue is not even read."""

    window_end: float = 0.0
    inputs: dict[str, PostInputs] = field(default_factory=dict)


def fill(
    queue: Queue,
    campaign: Campaign,
    plan: Plan,
    renderer: Renderer,
    now: float,
    edits: Mapping[str, Edit] | None = None,
    last: Filled | None = None,
) -> SyncResult:
    """Render the plan from today to the end of the campaign into the queue.

    Days before today are left as they are: what went out stays, what did not is handled by the daemon.
    With `last` (kept by the caller between fills), only posts whose inputs changed are rendered.
    """
    today = dt.datetime.fromtimestamp(now, campaign.timezone).date()
    start = campaign.at(max(campaign.start, today), dt.time())
    end = campaign.at(campaign.end + dt.timedelta(days=1), dt.time())
    due = [p for p in plan.posts if p.at >= start]
    inputs = {p.id: renderer.inputs(p) for p in due}
    known = last.inputs if last is not None and last.window_end == end.timestamp() else {}
    unchanged = frozenset(i for i, key in inputs.items() if known.get(i) == key)
    gone = {i for i in known if i not in inputs and known[i][0] >= start}  # left the plan (not just the window)
    if last is not None:
        last.window_end, last.inputs = end.timestamp(), inputs
    if len(unchanged) == len(inputs) and not gone and known:
        return SyncResult()
    rendered = [renderer.render(p) for p in due if p.id not in unchanged]
    auto = {c.name for c in campaign.channels if c.auto_approve}
    snap = snapshot(campaign)
    sources = Sources(snap, {p.id: source_of(p, snap, campaign) for p in due if p.id not in unchanged})
    return queue.sync(rendered, auto, now, (start.timestamp(), end.timestamp()), edits, unchanged, sources)


REKEYABLE = st.BEFORE_PUBLISHING  # posts not yet handed to a platform (their version names no attempt)


@dataclass
class _Sync:
    """One sync's transaction, bringing each post in line with its rendering."""

    conn: Connection
    now: float
    result: SyncResult
    sources: Sources | None
    known: dict[version_records.Key, PostSource]
    kept: set[version_records.Key]  # versions whose payload is kept already

    def one(self, old: Post | None, r: RenderedPost, auto: bool, edit: Edit | None) -> None:
        conn, now, result = self.conn, self.now, self.result
        content = {
            "channel": r.channel,
            "at": epoch(r.at),
            "due": epoch(r.at),
            "next_try": None,
            "item": r.item,
            "area": r.area,
            "version": r.version,
            "payload": json.dumps(r.payload, ensure_ascii=False, sort_keys=True),
            "images": json.dumps([i.__dict__ for i in r.images], ensure_ascii=False),
        }
        if old is None:
            conn.execute(posts.insert().values(id=r.post_id, state=st.PLANNED, updated=now, **content))
            _audit(conn, r.post_id, "", st.PLANNED, PLAN, "加入队列", now)
            self._keep(r)
            result.added.append(r.post_id)
            if auto:
                _approve(conn, r.post_id, st.PLANNED, r.version, now)
            return
        if old.version != r.version and is_legacy(old.version, old.payload) and version_of(old.payload, r.pictures) == r.version:
            if old.state not in REKEYABLE or old.receipt is not None:
                return  # made by an older qm, same words: left as it is
            version_records.rekey(conn, r.post_id, old.version, r.version)
            old = Post.from_row(conn.execute(sa.select(posts).where(posts.c.id == r.post_id)).one())
        if old.version == r.version:
            if old.state not in st.LOCKED:  # the same words, maybe spaced differently: what goes out follows the templates
                if (content["payload"], content["images"]) != (json.dumps(old.payload, ensure_ascii=False, sort_keys=True), _images(old)):
                    conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(**content))
                self._keep(r)
            return
        if old.state in st.LOCKED:
            result.ignored.append(r.post_id)
            return
        self._keep(r)
        named = version_records.changes(conn, r.post_id, old.version, r.version) if self.sources else []
        what = f"改动了{'、'.join(named)}" if named else "内容已修改"
        why = f"{what}（版本 {old.version} → {r.version}），需要重新审核"
        who = PLAN
        if edit is not None:
            who, why = edit.who, f"{edit.what}；{why}"
        if old.state in (st.PLANNED, st.FAILED, st.MISSED, st.CANCELLED):
            # Not approved, or not going out until someone acts: update in place; retry re-checks the approval.
            done = conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(updated=now, **content))
            if edit is not None and done.rowcount == 1:  # no state change, but the audit says who changed the words
                _audit(conn, r.post_id, old.state, old.state, who, why, now)
            result.changed.append(r.post_id)
            if old.state != st.PLANNED:
                return
        elif _update(conn, r.post_id, old.state, st.PLANNED, who, why, now, {**content, "approved_by": "", "last_error": ""}):
            result.back_to_review.append(r.post_id)
        if auto:
            _approve(conn, r.post_id, st.PLANNED, r.version, now)

    def _keep(self, r: RenderedPost) -> None:
        """Keep this version's payload (the first seen) and what it is made from now."""
        if (r.post_id, r.version) not in self.kept:
            _keep_version(self.conn, r, self.now)
            self.kept.add((r.post_id, r.version))
        source = self.sources.posts.get(r.post_id) if self.sources else None
        if source is not None:
            version_records.record(self.conn, r.post_id, r.version, source, self.known)


def _images(post: Post) -> str:
    return json.dumps([i.__dict__ for i in post.images], ensure_ascii=False)


def _approve(conn: Connection, post_id: str, src: str, version: str, now: float) -> None:
    values = {"approved_by": "自动审核", "approved_version": version}
    _update(conn, post_id, src, st.APPROVED, "自动审核", "该渠道设置为自动审核（auto_approve）", now, values)


def _keep_version(conn: Connection, r: RenderedPost, now: float) -> None:
    found = conn.execute(
        sa.select(payload_versions.c.version).where(payload_versions.c.post_id == r.post_id, payload_versions.c.version == r.version)
    ).first()
    if found is None:
        payload = json.dumps(r.payload, ensure_ascii=False, sort_keys=True)
        images = json.dumps([i.__dict__ for i in r.images], ensure_ascii=False)
        conn.execute(payload_versions.insert().values(post_id=r.post_id, version=r.version, payload=payload, images=images, created=now))


def _refusal(post_id: str, src: str, dst: str) -> str:
    if src == dst:
        return f"{post_id} 已经是“{st.label(src)}”状态，无需再操作"
    return f"{post_id} 当前状态为“{st.label(src)}”，不能改为“{st.label(dst)}”"


def _update(conn: Connection, post_id: str, src: str, dst: str, who: str, why: str, now: float, values: dict[str, Any]) -> bool:
    if not st.allowed(src, dst):
        raise TransitionError(_refusal(post_id, src, dst))
    result = conn.execute(posts.update().where(posts.c.id == post_id, posts.c.state == src).values(state=dst, updated=now, **values))
    if result.rowcount != 1:
        return False
    _audit(conn, post_id, src, dst, who, why, now)
    return True


def _audit(conn: Connection, post_id: str, src: str, dst: str, who: str, why: str, now: float) -> None:
    conn.execute(audit.insert().values(post_id=post_id, at=now, who=who, from_state=src, to_state=dst, why=why))
