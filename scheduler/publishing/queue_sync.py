"""Filling the queue from the plan: `fill` renders the plan from today on (only the posts whose inputs
changed, for a long-lived process) and `sync` brings the queue in line with it in one transaction. New posts
start `planned` (approved on auto-approve channels when `qm check` passes them: `auto_approval`); a post whose
version changed goes back to review, saying what changed (reviewers told of the approved ones: `words_back`);
one no longer in the plan is cancelled, also one whose day the campaign's period no longer has (it was
shortened: `dropped_slots.Period`); what went out is never touched. What one post goes through is in `sync_post`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..inputs.campaign import Campaign, ReviewConfig
from ..planning.planner import Plan
from ..rendering.payloads import PostInputs, RenderedPost, Renderer
from ..rendering.version_cache import VersionCache
from . import approval_standing, approvals_lost, auto_approval, dropped_slots, review_rules, sync_lock, version_records, words_back
from . import states as st
from .post_sources import ConfigAndTemplates, Sources
from .queue import Post, Queue
from .sync_post import Edit as Edit
from .sync_post import PostSync
from .sync_post import SyncResult as SyncResult
from .tables import posts


def sync(
    queue: Queue,
    rendered: Iterable[RenderedPost],
    auto_approve: set[str],
    now: float,
    since: float,
    edits: Mapping[str, Edit] | None = None,
    unchanged: frozenset[str] = frozenset(),
    sources: Sources | None = None,
    planned: Mapping[str, str] | None = None,
    findings: Mapping[str, list[str]] | None = None,
    under: review_rules.Rules | None = None,
    review: ReviewConfig | None = None,
    period: dropped_slots.Period | None = None,
    told: frozenset[str] = frozenset(),
) -> SyncResult:
    """Bring `queue` in line with the plan for the posts whose slot is at `since` or later: those past the
    plan's days too (the campaign's period shortened), cancelled saying so (`period`: the campaign's).

    `edits` says who changed which content item and how: the audit of its changed posts says so.
    `findings` are what the check finds against posts of auto-approve channels: those wait for review, and
    staff are told once per post and reasons, by the daemon (`auto_approval.tell_held`).
    `under` are the rules that `auto_approve` belongs to: other than those recorded, nothing is auto-approved.
    `review` are their stages: words changed back are approved again, and approved posts stay approved, only when
    they accept that approval (`approval_standing`; under the recorded rules).
    `unchanged` are posts still in the plan that were not rendered again (their inputs are as
    they were at the last sync): they are left as they are. `sources` says what each rendered
    post is made from: a post sent back to review says what changed, and reviewers are told of the approved
    ones (`words_back`), but those in `told` (the caller tells of them itself); and of approved posts cancelled
    for their slots, with the posts put in (`approvals_lost`).
    """
    result = SyncResult()
    wanted = {r.post_id: r for r in rendered}
    with queue.engine.begin() as conn:
        # Hold the posts for writing before reading them, so the daemon cannot schedule or claim one
        # between this read and its update (an edit lost to a stale read): SQLite takes its write lock
        # here, PostgreSQL locks the rows read FOR UPDATE. Another sync waits here (see `sync_lock`).
        sync_lock.hold(conn)
        entry = dropped_slots.last_entry(conn)  # the history this sync writes comes after it (`approvals_lost`)
        # Rules other than the recorded ones (another machine's daemon reviews this database): nothing auto-approved
        agreed = under is None or review_rules.agrees(conn, under)
        withheld = bool(auto_approve) and not agreed
        from_since = sa.select(posts).where(posts.c.at >= since)  # past the plan's last day too: those it no longer has
        rows = conn.execute(from_since.order_by(posts.c.id).with_for_update()).all()
        existing = {r.id: Post.from_row(r) for r in rows}
        extra = set(wanted) - set(existing)
        if extra:  # posts moved to `since` or later from before it
            more = conn.execute(sa.select(posts).where(posts.c.id.in_(extra)).with_for_update()).all()
            existing.update({r.id: Post.from_row(r) for r in more})
        known = version_records.load(conn, wanted) if sources else {}
        rules = (review or ReviewConfig()) if agreed else None
        sync = PostSync(conn, now, result, sources, known, version_records.kept(conn, wanted), findings or {}, withheld, rules)
        # Words out already (on any day) from a slot the plan no longer gives them to. A plan made with the
        # queue (`planning.keeping`) never does that; one made without it can (a time changed in the config,
        # the library changed and the rules moved its items). Another slot that then gets them would send
        # them twice on that channel: this is the last guard.
        plan_items = planned if planned is not None else {r.post_id: r.item for r in wanted.values()}
        # A post an attempt may have sent counts as out (`maybe_sent`: failed, waiting to retry, cancelled since...).
        for row in conn.execute(sa.select(posts).where(sa.or_(posts.c.state.in_(st.LOCKED), posts.c.attempts > 0))):
            post = Post.from_row(row)
            if post.id not in unchanged and plan_items.get(post.id) != post.item and sync.out(post):
                sync.went_out.setdefault((post.channel, post.item), (post.id, post.state))
        if sources is not None:
            version_records.keep_snapshot(conn, sources.files)
        for post_id, r in wanted.items():
            sync.one(existing.get(post_id), r, r.channel in auto_approve, (edits or {}).get(r.item))
        result.cancelled += dropped_slots.drop(conn, [existing[i] for i in sorted(set(existing) - set(wanted) - unchanged)], now, period)
        if under is not None and review is not None:  # under the recorded rules, the approvals they do not accept are undone
            result.rules_back = approval_standing.rejudge(conn, review, auto_approve, now, under)
            result.back_to_review += result.rules_back
        auto_approval.tell_held(conn, result.held, now)
        words_back.record(conn, result.words_back.values(), told, now)
        result.lost = approvals_lost.record(conn, entry, now)
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
    told: frozenset[str] = frozenset(),
) -> SyncResult:
    """Render the plan from today to the end of the campaign into the queue.

    Days before today are left as they are: what went out stays, what did not is handled by the daemon.
    With `last` (kept by the caller between fills), only posts whose inputs changed are rendered.
    With `versions`, a rendering exactly as an earlier run made it takes the version computed then.
    `told`: approved posts whose return to review the caller tells staff of itself (`sync`).
    """
    today = campaign.at(dt.datetime.fromtimestamp(now, campaign.timezone).date(), dt.time())
    period = dropped_slots.Period.of(renderer.campaign)  # the config the plan was made from: a daemon's `campaign` is its start's
    due = [p for p in plan.posts if p.at >= today]
    inputs = {p.id: renderer.inputs(p) for p in due}
    known = last.inputs if last is not None and last.window_end == period.end else {}
    unchanged = frozenset(i for i, key in inputs.items() if known.get(i) == key)
    gone = {i for i in known if i not in inputs and known[i][0] >= today}  # left the plan (not just the past days): the period's start too
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
    rules = review_rules.of(campaign)
    result = sync(
        queue, rendered, auto, now, today.timestamp(), edits, unchanged, sources, planned, found, rules, campaign.review, period, told
    )
    if last is not None:  # only once the queue has them: after a failed sync (a full disk) the next fill renders them again
        last.window_end, last.inputs = period.end, inputs
    return result
