"""A day: each post as it will appear, its check results, its stage history and the diff since the last approval."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..channels.kinds import label_of
from ..inputs.campaign import WEEKDAYS, Campaign
from ..planning.planner import Plan
from ..publishing import states as st
from ..publishing.back_in_review import RULES_CHANGED
from ..publishing.maybe_sent import maybe_sent
from ..publishing.queue import AuditEntry, Queue
from ..publishing.review import not_rejected
from ..rendering.lint import Finding
from ..rendering.versions import unversioned
from ..views.day_preview import ImageSource, render_block
from .calendar import key_marks
from .diff import DiffLine, Side, compared_version, diff_lines, readable_lines, rejected_before, side_by_side
from .posts import Checks, Entry, state_label

REJECTABLE = frozenset({st.PLANNED, st.APPROVED, st.SCHEDULED})
RETRYABLE = frozenset({st.FAILED, st.MISSED, st.CANCELLED})
CANCELLABLE = frozenset(s for s in st.STATES if st.allowed(s, st.CANCELLED))


@dataclass(frozen=True)
class Step:
    """One line of a post's audit trail."""

    at: str
    who: str
    change: str  # 待审核 → 已审核
    why: str


def passed_by(history: Sequence[AuditEntry], version: str, tz: dt.tzinfo) -> str:
    """Who passed `version` and when (`李科长（web） 09-07 08:03`), as the history says; "" when it does not."""
    for e in reversed(history):
        if version and f"版本 {version}）" in e.why and "通过" in e.why:
            return f"{e.who} {dt.datetime.fromtimestamp(e.at, tz):%m-%d %H:%M}"
    return ""


def steps(history: list[AuditEntry], tz: dt.tzinfo) -> tuple[Step, ...]:
    out = []
    for e in history:
        if not e.from_state:
            change = f"加入队列（{state_label(e.to_state)}）"
        elif e.from_state == e.to_state:
            change = state_label(e.to_state)
        else:
            change = f"{state_label(e.from_state)} → {state_label(e.to_state)}"
        why = "" if e.why in change else unversioned(e.why)  # 加入队列（待审核） says it already: not twice
        out.append(Step(f"{dt.datetime.fromtimestamp(e.at, tz):%m-%d %H:%M}", e.who, change, why))
    return tuple(out)


@dataclass(frozen=True)
class DayPost:
    entry: Entry
    channel_label: str
    preview: Markup
    problems: tuple[str, ...]  # check findings (shown in the preview block) and trouble such as a failure
    steps: tuple[Step, ...]
    diff: tuple[DiffLine, ...]
    approved_version: str  # the version the diff starts from ("" when never approved nor passed a stage)
    change: str  # what changed since the approval (内容 …、模板 …、配置 …), "" when nothing did
    last_error: str
    stale: bool = False  # a poster of it was drawn before its words changed: it may not be approved until redrawn
    approved_stage: str = ""  # the review stage that passed `approved_version` when it was not approved in full
    rejected: str = ""  # 曾被退回（stage, who, when）：reason, when the diff is against the version rejected (fixed since)
    approved_by: str = ""  # who passed that version and when (李科长（web） 09-07 08:03), "" when the history does not say

    @property
    def sides(self) -> list[Side]:
        """The diff as rows: the approved text on the left, the text now on the right."""
        return side_by_side(self.diff)

    @property
    def can_reject(self) -> bool:
        return self.entry.state in REJECTABLE and not self.not_rejected

    @property
    def not_rejected(self) -> str:
        """Why a post an attempt may have sent is not rejected, and what to do instead (the refusal's own words,
        `review.not_rejected`): said where the reject button would be, which could only fail; "" otherwise."""
        post = self.entry.queued
        if post is None or post.state not in REJECTABLE or not maybe_sent(post.state, post.attempts, post.receipt):
            return ""
        return not_rejected(post.id)

    @property
    def can_retry(self) -> bool:
        return self.entry.state in RETRYABLE

    @property
    def can_cancel(self) -> bool:
        return self.entry.queued is not None and self.entry.state in CANCELLABLE

    @property
    def can_edit(self) -> bool:
        """Content may be edited unless this post is going out (publishing, awaiting the platform) or went out."""
        return self.entry.item is not None and self.entry.state not in st.LOCKED


@dataclass(frozen=True)
class DayPage:
    day: dt.date
    title: str
    launch: bool
    marks: tuple[str, ...]
    posts: tuple[DayPost, ...]
    reminders: tuple[str, ...]
    previous: dt.date | None  # within the campaign only
    following: dt.date | None
    outside: str = ""  # said instead of the posts when the day is not in the campaign
    nearest: dt.date | None = None  # the campaign's day closest to an outside day

    @property
    def problems(self) -> int:
        return sum(1 for p in self.posts if p.problems)


def edited(history: Sequence[AuditEntry]) -> str:
    """Who changed which words in the console since the post was last approved, as the edits' history lines say
    (`王编辑（web）修改了一句话（《…》）：一句话由“…”改为“…”`, without the versions); "" when nobody did."""
    last = max((n for n, e in enumerate(history) if e.to_state == st.APPROVED), default=-1)
    return "；".join(
        f"{e.who}{e.why.rpartition('（版本 ')[0]}" for e in history[last + 1 :] if e.why.startswith("修改了") and "（版本 " in e.why
    )


def day_view(campaign: Campaign, plan: Plan, day: dt.date, entries: list[Entry], checks: Checks, queue: Queue, src: ImageSource) -> DayPage:
    tz = campaign.timezone
    posts = []
    for entry in entries:
        rendered = checks.rendered(entry)
        planned = entry.as_planned()
        problems = checks.problems(entry)
        findings = [Finding(entry.id, entry.channel, reason) for reason in checks.findings(entry)]
        if rendered is not None and planned is not None:
            preview = Markup(render_block(campaign, planned, rendered, findings, src))  # built by preview.py from escaped parts
        else:
            preview = Markup("<p>无法显示：内容库里已没有这条内容。</p>")
        history = queue.history(entry.id) if entry.queued else []
        diff: list[DiffLine] = []
        approved = change = stage = rejected = ""
        if entry.queued is not None:
            change = queue.change_reasons([entry.queued]).get(entry.id, "")
            if change and not change.startswith(RULES_CHANGED):
                change = edited(history) or change
            approved, stage = compared_version(entry.queued, history)
            if back := rejected_before(entry.queued, history):  # fixed after a rejection: what changed since
                approved, stage, rejected = back.version, "", back.note(tz, [s.name for s in campaign.review.stages])
            if approved and approved != entry.queued.version:
                old = queue.payload(entry.id, approved)
                if old is not None:
                    diff = diff_lines(readable_lines(old), readable_lines(entry.queued.payload))
        posts.append(
            DayPost(
                entry=entry,
                channel_label=label_of(campaign, entry.channel),
                preview=preview,
                problems=tuple(problems),
                steps=steps(history, tz),
                diff=tuple(diff),
                approved_version=approved,
                approved_by=passed_by(history, approved, tz) if approved and not rejected else "",
                approved_stage=stage,
                rejected=rejected,
                change=change,
                last_error=entry.queued.last_error if entry.queued else "",
                stale=checks.stale(entry),
            )
        )
    first, last = campaign.start, campaign.end
    inside = first <= day <= last
    return DayPage(
        day=day,
        title=f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）",
        launch=day == campaign.key_dates.launch,
        marks=tuple(key_marks(campaign).get(day, ())),
        posts=tuple(posts),
        reminders=tuple(f"{r.at:%H:%M} {r.message.removeprefix('【提醒】')}" for r in plan.reminders if r.at.date() == day),  # said: 提醒：
        previous=day - dt.timedelta(days=1) if inside and day > first else None,
        following=day + dt.timedelta(days=1) if inside and day < last else None,
        outside="" if inside else f"{day.isoformat()} 不在活动期内（{first.isoformat()} 至 {last.isoformat()}）",
        nearest=None if inside else min(max(day, first), last),
    )
