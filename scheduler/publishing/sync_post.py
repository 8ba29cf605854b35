"""Bringing one queued post in line with its rendering, inside a sync's transaction (`queue_sync.sync`): a new
post is added (auto-approved when its channel says so), one whose version changed is updated in place before
review or sent back to review after approval, saying what changed; words that went out, or may have (a failed
post: `maybe_sent`), are never touched (`waiting_words`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ReviewConfig
from ..rendering.payloads import RenderedPost
from ..rendering.versions import is_legacy, version_of
from . import approval_standing, auto_approval, dropped_slots, maybe_sent, version_records, waiting_words
from . import states as st
from .approvals_lost import Lost
from .post_rows import epoch
from .post_sources import PostSource, Sources
from .queue import PLAN, Post, change_state, record_audit
from .tables import posts
from .words_back import Back


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
    # approved posts the change of their words or pictures sent back to review, waiting for people: what changed, by id
    words_back: dict[str, Back] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)  # auto-approve posts the check finds problems in: why, by id
    lost: Lost | None = None  # approved posts cancelled for their slots, and the posts put in (staff told: `approvals_lost`)


REKEYABLE = st.BEFORE_PUBLISHING  # posts not yet handed to a platform (their version names no attempt)


@dataclass
class PostSync:
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
    dropped: dropped_slots.Dropped = field(default_factory=dropped_slots.Dropped)  # posts the plan cancelled for their slots

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
        sent = self.went_out.get((r.channel, r.item)) if old is None or (old.item != r.item and not self.out(old)) else None
        if sent is not None:  # these words went out on this channel from another slot: not again unless a person says so
            why = f"同一内容{_went(*sent)}，排期调整后不再重复发布；确实要再发一次的，在配置的 pins 中把它固定到这个时段"
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
        if old.state == st.CANCELLED and (back := self.dropped.give_back(conn, self.rules, old, r, content, now, self.went_out)):
            self._keep(r)  # the plan had cancelled it for its slot: back in the queue
            result.added.append(r.post_id)
            return self._auto(r) if auto and back == st.PLANNED else None
        if old.at == content["at"]:  # its slot is where it was: keep when it is due (a retry's window, a postponement)
            del content["due"], content["next_try"]
        legacy = is_legacy(old.version, old.payload) and version_of(old.payload, r.pictures, r.derived) == r.version
        if old.version != r.version and (legacy or old.version == r.earlier_version):  # an earlier qm's version of the same post
            if old.state not in REKEYABLE or old.receipt is not None:
                return  # made by an older qm, same words and pictures: left as it is
            version_records.rekey(conn, r.post_id, old.version, r.version)
            old = self._read(r.post_id)
        if maybe_sent.maybe_sent(old.state, old.attempts, old.receipt):  # the words that may be out stay the record
            return waiting_words.hold(conn, old, r, *_by(edit), now, self._keep)
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
        if r.earlier_version and old.approved_version == r.earlier_version:  # approved as an earlier qm named these words and pictures
            version_records.rekey(conn, r.post_id, old.approved_version, r.version)  # (then edited): that approval, under today's name
            old = self._read(r.post_id)
        if old.state == st.PLANNED and r.version == old.approved_version and not auto:  # an edit undone: approved again if it counts
            who, lead = _by(edit)
            if back := approval_standing.come_back(conn, self.rules, old, content, who, lead, now):
                (result.approved_again if back == st.APPROVED else result.changed).append(r.post_id)
            return
        swapped = old.item != r.item  # the plan gave the slot other words (its item left the library, a pin took it)
        if swapped:
            what = f"{version_records.SWAPPED}（{old.item} → {r.item}）"
        else:
            named = version_records.changes(conn, r.post_id, old.version, r.version) if self.sources else []
            what = f"改动了{'、'.join(named)}" if named else "内容已修改"
        who, version = PLAN, f"（版本 {old.version} → {r.version}），需要重新审核"
        why = what + version
        if edit is not None:  # the edit says what changed in the editor's words (the file's path only when the slot got others)
            who, why = edit.who, f"{edit.what}；{why}" if swapped else edit.what + version
        if old.state in (st.PLANNED, st.FAILED, st.MISSED, st.CANCELLED):
            # Not approved, or not going out until someone acts: update in place; retry re-checks the approval.
            # Other words than the ones approved: nobody approved these (the approval's version stays for retry).
            values = {**content, "approved_by": ""} if swapped else content
            done = conn.execute(posts.update().where(posts.c.id == r.post_id, posts.c.state == old.state).values(updated=now, **values))
            if done.rowcount == 1:  # no state change, but the history says what changed: seen before anyone approves
                record_audit(conn, r.post_id, old.state, old.state, who, why, now)
            result.changed.append(r.post_id)
            if old.state != st.PLANNED:
                return
        elif change_state(conn, r.post_id, old.state, st.PLANNED, who, why, now, {**content, "approved_by": "", "last_error": ""}):
            result.back_to_review.append(r.post_id)
            if old.state in approval_standing.JUDGED:  # an approval undone (not a rejection answered): reviewers are told
                result.words_back[r.post_id] = Back(r.post_id, r.channel, epoch(r.at), what if edit is None else edit.what)
        if auto:
            self._auto(r)

    @staticmethod
    def out(post: Post) -> bool:
        """The post's words went out, or may have (`maybe_sent`): they are never rewritten nor given elsewhere."""
        return maybe_sent.out_or_maybe(post.state, post.attempts, post.receipt)

    def _read(self, post_id: str) -> Post:
        return Post.from_row(self.conn.execute(sa.select(posts).where(posts.c.id == post_id)).one())

    def _auto(self, r: RenderedPost) -> None:
        """A planned post of an auto-approve channel: approved, unless the check finds problems in it."""
        if self.withheld:
            return auto_approval.withhold(self.conn, r.post_id, self.now)
        self.result.words_back.pop(r.post_id, None)  # approved again, or held (the held notice tells why)
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


def _by(edit: Edit | None) -> tuple[str, str]:
    """Who changed the words (the plan, unless a person's edit is known) and the history line's opening."""
    return (edit.who, f"{edit.what}；") if edit is not None else (PLAN, "")


def _went(post_id: str, state: str) -> str:
    if state == st.FAILED:
        return f"可能已经发出（{post_id} 发布失败，但可能已发出：到平台核实，已发出的用 qm confirm 补记，没有发出的用 qm retry {post_id} 重发）"
    if state not in st.LOCKED:  # waiting to retry, missed or cancelled after an attempt that may have sent it (`maybe_sent`)
        return f"可能已经发出（{post_id} {st.label(state)}，之前的发布可能已发出：到平台核实）"
    return f"已经发出（{post_id}，{st.label(state)}）"


def _images(post: Post) -> str:
    return json.dumps([i.__dict__ for i in post.images], ensure_ascii=False)
