"""What changed in a post's words between two versions of its payload, as lines a reviewer reads."""

from __future__ import annotations

import datetime as dt
import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..publishing import states as st
from ..publishing.queue import AuditEntry, Post, Queue
from ..publishing.review_reasons import rejection_said

_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|div|section|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_APPROVED = re.compile(r"(?:审核通过|审核完成)（版本 (\w+)）")  # one stage, or the last of several
_STAGE_PASSED = re.compile(r"^(.+?)通过（版本 (\w+)）$")  # an earlier stage of several (`review.approve`)
_CHANGED = re.compile(r"（版本 (\w+) → \w+）")  # its words changed (`sync_post`): the version before
CONTEXT = 1  # unchanged lines shown around a change


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same" | "add" | "del" | "gap" (unchanged lines left out)
    text: str
    parts: tuple[tuple[bool, str], ...] = ()  # (changed, text) runs of a line replaced by another: what to mark

    @property
    def runs(self) -> tuple[tuple[bool, str], ...]:
        return self.parts or ((False, self.text),)


def readable_lines(payload: dict[str, Any]) -> list[str]:
    """The words of a payload, line by line, labelled the way the channel shows them."""
    if "content" in payload:  # WeChat article
        text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", str(payload["content"]))))
        body = [line.strip() for line in text.split("\n") if line.strip()]
        return [f"标题：{payload.get('title', '')}", f"摘要：{payload.get('digest', '')}", *body]
    if "text" in payload:  # Weibo
        return [line for line in str(payload["text"]).split("\n") if line.strip()]
    return [f"电子屏标题：{payload.get('headline', '')}", f"电子屏文字：{payload.get('line', '')}"]


def diff_lines(old: Iterable[str], new: Iterable[str]) -> list[DiffLine]:
    """A line diff with CONTEXT unchanged lines around each change; [] when nothing changed."""
    ops = [(d[0], d[2:]) for d in difflib.ndiff(list(old), list(new)) if d[0] != "?"]
    changed = [i for i, (op, _) in enumerate(ops) if op != " "]
    if not changed:
        return []
    keep = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
    marks = _pairs(ops)
    out: list[DiffLine] = []
    for i, (op, text) in enumerate(ops):
        if i in keep:
            out.append(DiffLine({"+": "add", "-": "del"}.get(op, "same"), text, marks.get(i, ())))
        elif not out or out[-1].op != "gap":
            out.append(DiffLine("gap", "……"))
    return out


def _pairs(ops: list[tuple[str, str]]) -> dict[int, tuple[tuple[bool, str], ...]]:
    """For each removed line directly followed by an added one, the characters that changed on both."""
    marks: dict[int, tuple[tuple[bool, str], ...]] = {}
    for i in range(len(ops) - 1):
        (op_a, old), (op_b, new) = ops[i], ops[i + 1]
        if op_a != "-" or op_b != "+":
            continue
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        if matcher.ratio() < 0.5:  # mostly rewritten: marking every character says nothing
            continue
        before: list[tuple[bool, str]] = []
        after: list[tuple[bool, str]] = []
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if a1 > a0:
                before.append((tag != "equal", old[a0:a1]))
            if b1 > b0:
                after.append((tag != "equal", new[b0:b1]))
        marks[i], marks[i + 1] = tuple(before), tuple(after)
    return marks


def last_approved_version(post: Post, history: Iterable[AuditEntry]) -> str:
    """The version a person last approved: kept on the post until it is rejected, else read from the audit."""
    if post.approved_version:
        return post.approved_version
    found = ""
    for entry in history:
        match = _APPROVED.search(entry.why)
        if match:
            found = match.group(1)
    return found


@dataclass(frozen=True)
class Rejected:
    """The post's last rejection, its words changed since: the version rejected and the rejection's audit entry."""

    version: str
    entry: AuditEntry

    def note(self, tz: dt.tzinfo, stages: Sequence[str]) -> str:
        """“曾被退回（初审，赵初审（web），09-07 08:05）：图片不清楚” (one stage: no stage name); `stages`: the review
        stages' names (`rejection_said`)."""
        stage, reason = rejection_said(self.entry.why, stages)
        at = f"{dt.datetime.fromtimestamp(self.entry.at, tz):%m-%d %H:%M}"
        return f"曾被退回（{'，'.join([stage, self.entry.who, at] if stage else [self.entry.who, at])}）：{reason}"


def rejected_before(post: Post, history: Iterable[AuditEntry]) -> Rejected | None:
    """The rejection a fixed post comes back from: its last rejection, when its words changed after it and no
    approval in full came since (a stage passed since still shows it: the next stage's reviewer sees what was fixed)."""
    found: Rejected | None = None
    for entry in history:
        if entry.to_state == st.REJECTED:
            found = Rejected("", entry)
        elif found and _APPROVED.search(entry.why):
            found = None
        elif found and not found.version and (changed := _CHANGED.search(entry.why)):
            found = Rejected(changed.group(1), found.entry)
    return found if found and found.version and found.version != post.version and post.state != st.REJECTED else None


Side = tuple[DiffLine | None, DiffLine | None]  # (old, new) on one row; None where a side has no line


def side_by_side(lines: Iterable[DiffLine]) -> list[Side]:
    """A diff as rows of (old, new): removed lines beside the lines that replaced them."""
    rows: list[Side] = []
    removed: list[DiffLine] = []
    added: list[DiffLine] = []

    def flush() -> None:
        for i in range(max(len(removed), len(added))):
            rows.append((removed[i] if i < len(removed) else None, added[i] if i < len(added) else None))
        removed.clear()
        added.clear()

    for line in lines:
        if line.op == "del" and not added:
            removed.append(line)
        elif line.op == "add":
            added.append(line)
        else:
            flush()
            if line.op == "del":
                removed.append(line)
            else:
                rows.append((line, line))
    flush()
    return rows


def compared_version(post: Post, history: Iterable[AuditEntry]) -> tuple[str, str]:
    """The version a reviewer compares the post's words with, and the stage that passed it: the version last
    approved in full (stage ""); without one, the last other version an earlier review stage passed (after an
    edit reset the stages, the final stage sees what changed since the first passed); ("", "") when none did."""
    history = list(history)
    if approved := last_approved_version(post, history):
        return approved, ""
    found = ("", "")
    for entry in history:
        match = _STAGE_PASSED.search(entry.why)
        if match and match.group(2) != post.version:
            found = (match.group(2), match.group(1))
    return found


def compared_text(queue: Queue, post: Post) -> tuple[str, str, dict[str, Any] | None]:
    """`compared_version` (version, stage) and that version's payload (kept for every version), if there is one."""
    version, stage = compared_version(post, queue.history(post.id))
    return version, stage, queue.payload(post.id, version) if version else None
