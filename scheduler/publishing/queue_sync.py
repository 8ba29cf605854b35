"""Filling the queue from the plan: `fill` renders the plan from today on (only the posts whose inputs
changed, for a long-lived process) and `sync` brings the queue in line with it in one transaction. New posts
start `planned` (approved on auto-approve channels when `qm check` passes them: `auto_approval`); a post whose
version changed goes back to review, saying what changed; one no longer in the plan is cancelled; what went
out is never touched.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import Campaign, ReviewConfig
from ..planning.planner import Plan
from ..rendering.payloads import PostInputs, RenderedPost, Renderer
from ..rendering.version_cache import VersionCache
from ..rendering.versions import is_legacy, version_of
from . import approval_standing, auto_approval, review_rules, sync_lock, version_records
from . import states as st
from .post_sources import ConfigAndTemplates, PostSource, Sources
from .queue import PLAN, Post, Queue, change_state, epoch, record_audit
from .tables import posts


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
    approved_again: list[str] = field(default_factory=list)  # words back to the approved version (an edit undone)
    rules_back: list[str] = field(default_factory=list)  # approvals the review rules in force no longer accept (also back_to_review)
    held: dict[str, str] = field(default_factory=dict)  # auto-approve posts the check finds problems in: why, by id


def sync(
    queue: Queue,
    rendered: Iterable[RenderedPost],
    auto_approve: set[str],
    now: float,
    window: tuple[float, float],
    edits: Mapping[str, Edit] | None = None,
    unchanged: frozenset[str] = frozenset(),
    sources: Sources | None = None,
    planned: Mapping[str, str] | None = None,
    findings: Mapping[str, list[str]] | None = None,
    under: review_rules.Rules | None = None,
    review: ReviewConfig | None = None,
) -> SyncResult:
    """Bring `queue` in line with the plan for the posts whose slot lies in `window`.

    `edits` says who changed which content item and how: the audit of its changed posts says so.
    `findings` are what the check finds against posts of auto-approve channels: those wait for review, and
    staff are told once per post and reasons, by the daemon (`auto_approval.tell_held`).
    `under` are the rules that `auto_approve` belongs to: other than those recorded, nothing is auto-approved.
    `review` are their stages: words changed back are approved again, and approved posts stay approved, only when
    they accept that approval (`approval_standing`; under the recorded rules).
    `unchanged` are posts still in the plan that were not rendered again (their inputs are as
    they were at the last sync): they are left as they are. `sources` says what each rendered
    post is made from: a post sent back to review says what changed.
    """
    result = SyncResult()
    wanted = {r.post_id: r for r in rendered}
    with queue.engine.begin() as conn:
        # Hold the posts for writing before reading them, so the daemon cannot schedule or claim one
        # between this read and its update (an edit lost to a stale read): SQLite takes its write lock
        # here, PostgreSQL locks the rows read FOR UPDATE. Another sync waits here (see `sync_lock`).
        sync_lock.hold(conn)
        # Rules other than the recorded ones (another machine's daemon reviews this database): nothing auto-approved
        agreed = under is None or review_rules.agrees(conn, under)
        withheld = bool(auto_approve) and not agreed
        in_window = sa.select(posts).where(posts.c.at >= window[0], posts.c.at < window[1])
        rows = conn.execute(in_window.order_by(posts.c.id).with_for_update()).all()
        existing = {r.id: Post.from_row(r) for r in rows}
        extra = set(wanted) - set(existing)
        if extra:  # posts moved into the window from outside it
            more = conn.execute(sa.select(posts).where(posts.c.id.in_(extra)).with_for_update()).all()
            existing.update({r.id: Post.from_row(r) for r in more})
        known = version_records.load(conn, wanted) if sources else {}
        rules = (review or ReviewConfig()) if agreed else None
        sync = _Sync(conn, now, result, sources, known, version_records.kept(conn, wanted), findings or {}, withheld, rules)
        # Words out already (on any day) from a slot the plan no longer gives them to. A plan made with the
        # queue (`planning.keeping`) never does that; one made without it can (a time changed in the config,
        # the library changed and the rules moved its items). Another slot that then gets them would send
        # them twice on that channel: this is the last guard.
        plan_items = planned if planned is not None else {r.post_id: r.item for r in wanted.values()}
        out = sa.select(posts.c.id, posts.c.channel, posts.c.item, posts.c.state).where(posts.c.state.in_(st.LOCKED))
        for row in conn.execute(out):
            if row.id not in unchanged and plan_items.get(row.id) != row.item:
                sync.went_out.setdefault((row.channel, row.item), (row.id, row.state))
        if sources is not None:
            version_records.keep_snapshot(conn, sources.files)
        for post_id, r in wanted.items():
            sync.one(existing.get(post_id), r, r.channel in auto_approve, (edits or {}).get(r.item))
        for post_id in sorted(set(existing) - set(wanted) - unchanged):
            post = existing[post_id]
            if post.state in st.BEFORE_PUBLISHING:
                change_state(conn, post_id, post.state, st.CANCELLED, PLAN, "排期已调整，这个时段不再安排该内容", now, {})
                result.cancelled.append(post_id)
        if under is not None and review is not None:  # under the recorded rules, the approvals they do not accept are undone
            result.rules_back = approval_standing.rejudge(conn, review, auto_approve, now, under)
            result.back_to_review += result.rules_back
        auto_approval.tell_held(conn, result.held, now)
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
    versions: VersionCache | None = None,
) -> SyncResult:
    """Render the plan from today to the end of the campaign into the queue.

    Days before today are left as they are: what went out stays, what did not is handled by the daemon.
    With `last` (kept by the caller between fills), only posts whose inputs changed are rendered.
    With `versions`, a rendering exactly as an earlier run made it takes the version computed then.
    """
    today = dt.datetime.fromtimestamp(now, campaign.timezone).date()
    start = campaign.at(max(campaign.start, today), dt.time())
    end = campaign.at(campaign.end + dt.timedelta(days=1), dt.time())
    due = [p for p in plan.posts if p.at >= start]
    inputs = {p.id: renderer.inputs(p) for p in due}
    known = last.inputs if last is not None and last.window_end == end.timestamp() else {}
    unchanged = frozenset(i for i, key in inputs.items() if known.get(i) == key)
    gone = {i for i in known if i not in inputs and known[i][0] >= start}  # left the plan (not just the window)
    if len(unchanged) == len(inputs) and not gone and known:
        return SyncResult()
    rendered = [renderer.render(p) for p in due if p.id not in unchanged]
    if versions is not None:
        versions.apply(rendered)
    auto = set(review_rules.auto_channels(campaign))
    files = ConfigAndTemplates(campaign)
    sources = Sources(files, {p.id: files.source_of(p) for p in due if p.id not in unchanged})
    planned = {p.id: p.item.id for p in plan.posts}
    found = auto_approval.findings(campaign, rendered, auto, plan)
    window = (start.timestamp(), end.timestamp())
    result = sync(queue, rendered, auto, now, window, edits, unchanged, sources, planned, found, review_rules.of(campaign), campaign.review)
    if last is not None:  # only once the queue has them: after a failed sync (a full disk) the next fill renders them again
        last.window_end, last.inputs = end.timestamp(), inputs
    return result


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
    findings: Mapping[str, list[str]]  # what the check finds against posts of auto-approve channels
    withheld: bool  # this machine's rules are not the recorded ones: its posts wait for people (`auto_approval.withhold`)
    rules: ReviewConfig | None  # the review stages in force; None: not the recorded ones (no approval is restored)
    # (channel, item) -> (post id, state) of a post that sent them from a slot now planned otherwise
    went_out: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

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
        sent = self.went_out.get((r.channel, r.item)) if old is None or (old.item != r.item and old.state not in st.LOCKED) else None
        if sent is not None:  # these words went out on this channel from another slot: not again unless a person says so
            why = f"同一内容已经发出（{sent[0]}，{st.label(sent[1])}），排期调整后不再重复发布；确实要再发一次的用 qm retry {r.post_id}"
            self._keep(r)
            result.cancelled.append(r.post_id)
            if old is None:
                conn.execute(posts.insert().values(id=r.post_id, state=st.CANCELLED, updated=now, **content))
                record_audit(conn, r.post_id, "", st.CANCELLED, PLAN, why, now)
            elif old.state == st.CANCELLED:
                conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(updated=now, **content))
            else:
                change_state(conn, r.post_id, old.state, st.CANCELLED, PLAN, why, now, {**content, "approved_by": "", "last_error": ""})
            return
        if old is None:
            conn.execute(posts.insert().values(id=r.post_id, state=st.PLANNED, updated=now, **content))
            record_audit(conn, r.post_id, "", st.PLANNED, PLAN, "加入队列", now)
            self._keep(r)
            result.added.append(r.post_id)
            if auto:
                self._auto(r)
            return
        if old.at == content["at"]:  # its slot is where it was: keep when it is due (a retry's window, a postponement)
            del content["due"], content["next_try"]
        if old.version != r.version and is_legacy(old.version, old.payload) and version_of(old.payload, r.pictures, r.derived) == r.version:
            if old.state not in REKEYABLE or old.receipt is not None:
                return  # made by an older qm, same words: left as it is
            version_records.rekey(conn, r.post_id, old.version, r.version)
            old = Post.from_row(conn.execute(sa.select(posts).where(posts.c.id == r.post_id)).one())
        if old.version == r.version:
            if auto and not self.withheld and (held := auto_approval.recheck(conn, old, self.findings.get(r.post_id), now)) is not None:
                self._held(r, held)
            if old.state not in st.LOCKED:  # the same words, maybe spaced differently: what goes out follows the templates
                if (content["payload"], content["images"]) != (json.dumps(old.payload, ensure_ascii=False, sort_keys=True), _images(old)):
                    conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(**content))
                self._keep(r)
            return
        if old.state in st.LOCKED:
            result.ignored.append(r.post_id)
            if edit is not None:  # the edit came too late for this post: the audit says it went out unchanged
                late = f"{edit.what}；这条内容当时已{st.LABELS[old.state]}，发出的是修改前的文字，这次修改没有用到它"
                record_audit(conn, r.post_id, old.state, old.state, edit.who, late, now)
            return
        self._keep(r)
        if old.state == st.PLANNED and r.version == old.approved_version and not auto:  # an edit undone: approved again if it counts
            who, lead = (edit.who, f"{edit.what}；") if edit is not None else (PLAN, "")
            if back := approval_standing.come_back(conn, self.rules, old, content, who, lead, now):
                (result.approved_again if back == st.APPROVED else result.changed).append(r.post_id)
            return
        swapped = old.item != r.item  # the plan gave the slot other words (its item left the library, a pin took it)
        if swapped:
            what = f"{version_records.SWAPPED}（{old.item} → {r.item}）"
        else:
            named = version_records.changes(conn, r.post_id, old.version, r.version) if self.sources else []
            what = f"改动了{'、'.join(named)}" if named else "内容已修改"
        why = f"{what}（版本 {old.version} → {r.version}），需要重新审核"
        who = PLAN
        if edit is not None:
            who, why = edit.who, f"{edit.what}；{why}"
        if old.state in (st.PLANNED, st.FAILED, st.MISSED, st.CANCELLED):
            # Not approved, or not going out until someone acts: update in place; retry re-checks the approval.
            # Other words than the ones approved: nobody approved these (the approval's version stays for retry).
            values = {**content, "approved_by": ""} if swapped else content
            done = conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(updated=now, **values))
            if (edit is not None or swapped) and done.rowcount == 1:  # no state change, but the audit says what changed
                record_audit(conn, r.post_id, old.state, old.state, who, why, now)
            result.changed.append(r.post_id)
            if old.state != st.PLANNED:
                return
        elif change_state(conn, r.post_id, old.state, st.PLANNED, who, why, now, {**content, "approved_by": "", "last_error": ""}):
            result.back_to_review.append(r.post_id)
        if auto:
            self._auto(r)

    def _auto(self, r: RenderedPost) -> None:
        """A planned post of an auto-approve channel: approved, unless the check finds problems in it."""
        if self.withheld:
            return auto_approval.withhold(self.conn, r.post_id, self.now)
        self._held(r, auto_approval.approve_or_hold(self.conn, r.post_id, r.version, self.findings.get(r.post_id), self.now))

    def _held(self, r: RenderedPost, held: bool) -> None:
        if held:
            self.result.held[r.post_id] = "；".join(self.findings.get(r.post_id, []))

    def _keep(self, r: RenderedPost) -> None:
        """Keep this version's payload (the first seen) and what it is made from now."""
        if (r.post_id, r.version) not in self.kept:
            version_records.keep_payload(self.conn, r, self.now)
            self.kept.add((r.post_id, r.version))
        source = self.sources.posts.get(r.post_id) if self.sources else None
        if source is not None:
            version_records.record(self.conn, r.post_id, r.version, source, self.known)


def _images(post: Post) -> str:
    return json.dumps([i.__dict__ for i in post.images], ensure_ascii=False)
