"""What the console says before and after a review approval: the day's buttons, one per stage the posts
wait for (so nobody passes a final stage unknowingly in the same tap as a first one), and the messages an
approval leaves behind (`done_message` in `pages` asks here for the review ones).

What a day's approval passed is kept for the session that pressed it (`flash`, the address carries only its key);
who passed a stage and when is read back from the queue: a link cannot make the console say words of its sender's
choosing, nor that posts were approved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..inputs.campaign import ReviewConfig
from ..publishing import review
from ..publishing import states as st
from ..publishing.queue import Post, Queue

DONE_FINAL = "审核完成，将按时发布"


@dataclass(frozen=True)
class Bulk:
    """One of the day's approve buttons: the posts waiting for `stage` that the signed-in user may pass."""

    stage: str
    final: bool  # passing it completes the review: the posts will be published
    after: str  # the stage they wait for next ("" when final)
    posts: tuple[Post, ...]

    def label(self, stages: int, others: bool, groups: int) -> str:
        """“通过初审：本日待审核的 3 条”, or “通过初审：3 条” when some of the day's posts are not the user's to pass
        (`others`: the page says how many) or the stages have a button each; the final stage of several says that
        it completes the review."""
        which = "本日待审核的" if groups == 1 and not others else ""
        count = f"{which} {len(self.posts)} 条" if which else f"{len(self.posts)} 条"
        if stages == 1:
            return f"审核通过：{count}"
        return f"通过{self.stage}：{count}（{DONE_FINAL if self.final else '之后等待' + self.after}）"


def bulk_groups(stages: Iterable[Mapping[str, Any]], rules: ReviewConfig) -> list[Bulk]:
    """The day's buttons: the posts the user may pass now (`stage_view`s), grouped by the stage they wait for."""
    names = [s.name for s in rules.stages]
    waiting: dict[str, list[Post]] = {}
    for sv in stages:
        if sv["waiting"] and not sv["blocked"] and not sv["unseen"]:
            waiting.setdefault(sv["waiting"].name, []).append(sv["post"])
    out = []
    for name in sorted(waiting, key=names.index):
        at = names.index(name)
        final = at == len(names) - 1
        out.append(Bulk(name, final, "" if final else names[at + 1], tuple(waiting[name])))
    return out


def passed_message(passed: Mapping[str, int], again: int, rules: ReviewConfig) -> str:
    """What a day's approval did, by stage (`passed`: the count passed at each, in the order passed; `again`: how
    many were passed already): “通过：初审 2 条（等待终审）、终审 2 条（审核完成，将按时发布）。”"""
    names = [s.name for s in rules.stages]
    parts = []
    for name, count in passed.items():
        at = names.index(name)
        then = DONE_FINAL if at == len(names) - 1 else f"等待{names[at + 1]}"
        parts.append((name, count, then))
    said = ""
    if len(parts) == 1 and len(names) > 1:
        name, count, then = parts[0]
        said = f"{name}通过 {count} 条，{then}。"
    elif len(parts) == 1:
        said = f"审核通过 {parts[0][1]} 条，{DONE_FINAL}。"
    elif parts:
        said = "通过：" + "、".join(f"{name} {count} 条（{then}）" for name, count, then in parts) + "。"
    if again:
        said += f"另有 {again} 条此前已通过这一阶段（可能是在另一台设备或另一个窗口里），这次没有再做任何操作。"
    return said


def again_message(queue: Queue, post_id: str, stage: str, tz: dt.tzinfo) -> str:
    """A stage passed already when its button was pressed (a double tap, or another device passed it): by whom and when."""
    post = queue.get(post_id)
    done = [p for p in review.passes(queue, post_id, post.version) if p.name == stage] if post else []
    if post is None or not done:
        return f"已通过{stage}，这次没有再做任何操作。"
    at = dt.datetime.fromtimestamp(done[-1].at, tz)
    complete = "，审核已完成" if post.state in (st.APPROVED, st.SCHEDULED) and post.approved_version == post.version else ""
    return f"{stage}已由 {done[-1].who} 于 {at:%m-%d %H:%M} 通过{complete}（可能是在另一台设备或另一个窗口里），这次没有再做任何操作。"
