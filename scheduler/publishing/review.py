"""Review before publishing (先审后发): stages, approve, reject, cancel, retry, and the kill switch.

Thin rules over the queue; each call records who did it and why in the audit log. Review runs in
the stages of `review.stages` (default one); a post is approved when its current version passed
every stage, in order, by different people unless `review.same_person`. Each decision is taken
inside `Queue.locked`, so two reviewers (or a reviewer and the daemon) never act on a stale read.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ROLE_LABELS, ROLES, ReviewConfig, Stage, role_needed
from ..support.errors import InputError
from ..support.values import Receipt
from . import approval_standing, notices_due, rejection_hold, resend, review_rules
from . import states as st
from .maybe_sent import maybe_sent
from .post_rows import receipt_json
from .queue import Post, Queue, TransitionError, change_state, record_audit, refusal
from .resend import retry as retry  # re-exported: review's actions are called as `review.*`
from .review_progress import StagePass, live_passes, passed_by, passes_at, pending_stage, record_pass, stage_index
from .review_reasons import one_line, refused, rejection_why
from .tables import pause_log, pauses, stage_passes

DEFAULT_REVIEW = resend.DEFAULT_REVIEW

REJECTED = "rejected"  # the notice of a rejection (`notices_due`): the post, its slot, the stage, reason and who


def _post(queue: Queue, post_id: str) -> Post:
    post = queue.get(post_id)
    if post is None:
        raise queue.unknown(post_id)
    return post


@dataclass(frozen=True)
class Passed:
    """What one approval did: the stage it passed, whether that completed the review, and whether the
    same person had passed that stage already (a form sent twice: nothing was done again)."""

    stage: str
    approved: bool
    again: bool = False
    lacked: str = ""  # the post was approved, but the rules in force found this lacking: it went back to review first


def passes(queue: Queue, post_id: str, version: str) -> list[StagePass]:
    """The stages this version of the post has passed, in order."""
    with queue.engine.connect() as conn:
        return _passes(conn, post_id, version)


def _passes(conn: Connection, post_id: str, version: str) -> list[StagePass]:
    return passes_at(conn, {post_id: version}).get(post_id, [])


def approve(queue: Queue, post_id: str, who: str, now: float, rules: ReviewConfig = DEFAULT_REVIEW, **options: Any) -> bool:
    """Pass the post's next review stage (options as `pass_stage`); False if it was already approved."""
    return pass_stage(queue, post_id, who, now, rules, **options) is not None


def pass_stage(
    queue: Queue,
    post_id: str,
    who: str,
    now: float,
    rules: ReviewConfig = DEFAULT_REVIEW,
    *,
    stage: str | None = None,
    role: str | None = None,
    version: str | None = None,
    via: str = "",
    under: review_rules.Rules | None = None,
    overrule: bool = False,
    tz: dt.tzinfo = dt.UTC,
) -> Passed | None:
    """Pass one review stage of the post's current version; the last stage approves it.

    `who` is the person (stage rules compare it); `role` is their account's role, None for the
    command line (its user runs qm itself). `version` is the version the reviewer looked at: if the
    content changed since, nothing is approved. `stage` is the stage the reviewer meant (the console's
    forms always say it): it is passed or refused, never another one; passed already by `who`, nothing
    is done (`again`). Without it the next stage is passed. `via` ("web") is added to `who` in the
    audit log. `under` are this machine's whole rules (`review_rules.of(campaign)`: `rules` and its
    auto-approve channels), compared with those recorded; None: `rules` without any. None when the post
    is already approved and the rules in force accept that approval; one they do not accept goes back to
    review first (its history says what it lacks: `approval_standing`, as the next fill would do), and the
    stage it waits for is passed (`Passed.lacked`); when that is refused, the refusal says it went back.
    A rejected post is refused, naming the rejection (its times in `tz`), unless `overrule` (`rejection_hold`).
    """
    under, signed = under or review_rules.rules_of(rules), _signed(who, via)
    lacked = approval_standing.judge_approved(queue, post_id, rules, under, now)  # back to review first, if it must
    try:
        with queue.locked(post_id) as (conn, post):
            if post.state in (st.APPROVED, st.SCHEDULED) and post.approved_version == post.version:
                return None
            if post.state not in (st.PLANNED, st.REJECTED):
                raise TransitionError(refusal(post_id, post.state, st.APPROVED))
            if version is not None and version != post.version:
                raise TransitionError(f"{post_id} 的内容在你查看之后修改过（版本 {version} → {post.version}），请刷新后重新审核")
            review_rules.check(conn, under)  # another machine sharing the database may review under other stages
            overruled = rejection_hold.hold(conn, post, rules, role, overrule, tz)  # unchanged since it was rejected
            done = live_passes(rules, _passes(conn, post_id, post.version))  # a complete set: an approval withdrawn since
            index = stage_index([s.name for s in rules.stages], done, stage, post_id, who)
            wanted = rules.stages[index]
            if any(p.name == wanted.name for p in done):  # the same request again (a double tap): no other stage
                return Passed(wanted.name, approved=False, again=True)
            _check_person(rules, wanted, done, who, role, post_id)
            record_pass(conn, post_id, post.version, rules, done, StagePass(index, wanted.name, who, now, wanted.role))
            if len(done) + 1 < len(rules.stages):
                why = f"{wanted.name}通过（版本 {post.version}）{overruled}"
                if post.state == st.REJECTED:
                    change_state(conn, post_id, st.REJECTED, st.PLANNED, signed, why, now, {"last_error": ""})
                else:
                    record_audit(conn, post_id, post.state, post.state, signed, why, now)
                return Passed(wanted.name, approved=False, lacked=lacked)
            values = {"approved_by": passed_by(conn, post_id, post.version, rules), "approved_version": post.version, "last_error": ""}
            why = f"{wanted.name}通过，审核完成（版本 {post.version}）" if len(rules.stages) > 1 else f"审核通过（版本 {post.version}）"
            why += overruled
            change_state(conn, post_id, post.state, st.APPROVED, signed, why, now, values)
            return Passed(wanted.name, approved=True, lacked=lacked)
    except TransitionError as exc:
        if not lacked:
            raise
        raise TransitionError(f"{post_id} 原来的审核不符合现在的审核规则（{lacked}），已回到待审核；{exc}") from None


def _signed(who: str, via: str) -> str:
    return f"{who}（{via}）" if via else who


def person_refusal(rules: ReviewConfig, stage: Stage, done: list[StagePass], who: str, role: str | None, post_id: str) -> str:
    """Why `who` (with `role`, None on the command line) may not pass `stage` after the passes `done`; "" if they may.
    The setting that allows one person several stages is named only to those who may change it (the command
    line's user, an admin), not to a reviewer in the console."""
    if role is not None and ROLES.index(role) < ROLES.index(stage.role):
        return f"{stage.name}需要{role_needed(stage.role)}，{who} 是{ROLE_LABELS[role]}"
    earlier = next((p for p in done if p.who == who), None)
    if earlier is not None and not rules.same_person:
        setting = "；允许一人通过多个阶段：配置 review.same_person: true" if role in (None, "admin") else ""  # who may change it
        return f"{who} 已经通过了 {post_id} 的{earlier.name}，同一人不能再通过{stage.name}（请另一位同事审核{setting}）"
    return ""


def _check_person(rules: ReviewConfig, stage: Stage, done: list[StagePass], who: str, role: str | None, post_id: str) -> None:
    why = person_refusal(rules, stage, done, who, role, post_id)
    if why:
        raise TransitionError(why)


def reject(
    queue: Queue,
    post_id: str,
    who: str,
    reason: str,
    now: float,
    rules: ReviewConfig = DEFAULT_REVIEW,
    *,
    role: str | None = None,
    via: str = "",
) -> str:
    """Send the post back with the reason at whichever stage it is; returns that stage's name.

    The stages it had passed are cleared: after the fix it is reviewed again from the first stage. Staff are
    told by the daemon: the notice (`REJECTED`) is recorded with the rejection, so the rejecting process needs
    no webhook secrets and a notifier that failed is tried again (`notices_due`).
    """
    reason = one_line(reason)  # typed over several lines: one
    refused(reason, "退回", required=True)
    with queue.locked(post_id) as (conn, post):
        if post.state not in (st.PLANNED, st.APPROVED, st.SCHEDULED):
            raise TransitionError(refusal(post_id, post.state, st.REJECTED))
        if maybe_sent(post.state, post.attempts, post.receipt):  # a rejection would take nothing off the platform
            raise TransitionError(not_rejected(post_id))
        stage = pending_stage(rules, _passes(conn, post_id, post.version)) or rules.stages[-1]
        if role is not None and ROLES.index(role) < ROLES.index(stage.role):
            raise TransitionError(f"{stage.name}需要{role_needed(stage.role)}才能退回，{who} 是{ROLE_LABELS[role]}")
        at = f"{stage.name}退回" if len(rules.stages) > 1 else "退回"
        values = {"approved_by": "", "approved_version": "", "last_error": f"{at}：{reason}（{who}）"}
        conn.execute(stage_passes.delete().where(stage_passes.c.post_id == post_id))
        why = rejection_why(stage.name, reason, len(rules.stages))
        change_state(conn, post_id, post.state, st.REJECTED, _signed(who, via), why, now, values)
        told = {"post": post_id, "item": post.item, "channel": post.channel, "at": post.at, "stage": stage.name, "reason": reason}
        notices_due.record(conn, REJECTED, {**told, "who": _signed(who, via)}, now)
        return stage.name


def not_rejected(post_id: str) -> str:
    """Why a post an attempt may have sent (`maybe_sent`: a retry waits) is not rejected, and what to do instead."""
    return (
        f"{post_id} 不能退回：之前的一次发布可能已经发出，退回既撤不下平台上的内容，也换不上修改后的文字。请先到平台核实："
        f"要停止再发，用 qm cancel {post_id}（或审核台上这条发布的页面里的“取消发布”）；已经发出的，取消后用 qm confirm {post_id} --url 链接 补记；"
        f"没有发出、要改了文字再发的，取消后修改内容，再 qm retry {post_id}。"
    )


def cancel(queue: Queue, post_id: str, who: str, reason: str, now: float) -> str:
    """Take the post out of publishing; returns what staff must be told: "" , or, when an attempt may have sent it
    (`maybe_sent`), that it may be out already. Such a post is cancelled all the same (no further attempt), and
    still counts as maybe out: the plan gives its item no other slot, `qm retry` of a twin is refused, and
    `qm confirm` records it once staff found it on the platform."""
    reason = one_line(reason)  # typed over several lines: one
    refused(reason, "取消", required=False)
    with queue.locked(post_id) as (conn, post):
        maybe = maybe_sent(post.state, post.attempts, post.receipt)
        why = (reason or "人工取消") + (f"；{MAYBE_KEPT}" if maybe else "")
        change_state(conn, post_id, post.state, st.CANCELLED, who, why, now, {"next_try": None})
    return maybe_out(post_id) if maybe else ""


MAYBE_KEPT = "之前的发布可能已经发出，取消后仍算作可能已发出，排期不会把它的内容另排"


def maybe_out(post_id: str) -> str:
    """What staff are told on cancelling a post an attempt may have sent, after the cancel itself (a whole sentence):
    `qm cancel` and the console say it alike."""
    return f"但请注意，{post_id} 之前的发布可能已经发出：请到平台核实，已发出的用 qm confirm {post_id} --url 链接 补记（取消后仍可补记）。"


# States a person may confirm as published (qm confirm); a cancelled post too when an attempt may have sent it.
CONFIRMABLE = (st.ACCEPTED, st.FAILED, st.MISSED)


def confirm(queue: Queue, post_id: str, who: str, url: str, now: float) -> None:
    """A person says the post is out: assisted posting, a post whose outcome the daemon could not tell, or an
    approved post the daemon missed that someone sent by hand."""
    post = _post(queue, post_id)
    if why := unconfirmable(post):
        raise TransitionError(why)
    if url and not url.startswith(("https://", "http://")):
        raise InputError(f"--url {url} 不是网址（写发出后的链接，以 https:// 开头）")
    old = post.receipt or Receipt("accepted")
    receipt = Receipt("published", old.external_id, url or old.url, {**old.data, "confirmed_by": who, "confirmed_at": now})
    values = {"receipt": receipt_json(receipt), "published_at": now, "last_error": "", "next_try": None}
    why = "人工确认已发布" + (f"：{url}" if url else "")
    expect = (*CONFIRMABLE, st.CANCELLED) if post.state == st.CANCELLED else CONFIRMABLE  # cancelled: judged maybe out above
    if not queue.move(post_id, st.PUBLISHED, who, why, now, expect=expect, **values):
        raise TransitionError(f"{post_id} 刚刚被其他人或后台服务修改，请用 qm queue 查看后重试")


def unconfirmable(post: Post) -> str:
    """Why a person may not say `post` is out, "" when they may (`confirm`)."""
    again = f"要发出它，先 qm retry {post.id} 再审核"
    if post.state == st.CANCELLED and not maybe_sent(post.state, post.attempts, post.receipt):
        return f"{post.id} 已取消，qm 没有发出过它（取消之前没有哪一次发布走到发出那一步），不能确认为已发布；{again}"
    if post.state not in (*CONFIRMABLE, st.CANCELLED):
        return f"{post.id} 当前状态为“{st.label(post.state)}”，只有“待平台确认”“失败”、审核通过后“已错过”或取消前可能已经发出的内容可以确认已发布"
    if post.state == st.ACCEPTED or post.approved_version == post.version:
        return ""
    if post.state == st.MISSED:
        return f"{post.id} 已错过，而且这个版本没有审核通过，不能确认为已发布；{again}"
    done = "发布失败后" if post.state == st.FAILED else "已取消，"
    return f"{post.id} {done}内容改过，当前版本没有审核通过，不能确认为已发布；{again}"


def pause(queue: Queue, channel: str | None, who: str, reason: str, now: float) -> None:
    reason = one_line(reason)  # typed over several lines: one
    refused(reason, "暂停", required=True)
    key = channel or st.ALL_CHANNELS
    with queue.engine.begin() as conn:
        conn.execute(pauses.delete().where(pauses.c.channel == key))
        conn.execute(pauses.insert().values(channel=key, reason=reason, who=who, at=now))
        conn.execute(pause_log.insert().values(channel=key, action="pause", reason=reason, who=who, at=now))


def resume(queue: Queue, channel: str | None, who: str = "", now: float | None = None) -> bool:
    """Lift a pause; resuming without a channel lifts every pause. False if nothing was paused."""
    query = pauses.delete() if channel is None else pauses.delete().where(pauses.c.channel == channel)
    with queue.engine.begin() as conn:
        lifted = bool(conn.execute(query).rowcount)
        if lifted:
            at = time.time() if now is None else now
            conn.execute(pause_log.insert().values(channel=channel or st.ALL_CHANNELS, action="resume", who=who, at=at))
        return lifted


def paused(queue: Queue) -> dict[str, tuple[str, str, float]]:
    """channel ("*" for all) -> (reason, who, since)."""
    with queue.engine.connect() as conn:
        return {r.channel: (r.reason, r.who, r.at) for r in conn.execute(sa.select(pauses))}


def is_paused(pauses_now: dict[str, tuple[str, str, float]], channel: str) -> bool:
    return st.ALL_CHANNELS in pauses_now or channel in pauses_now
