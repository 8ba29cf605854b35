"""What the work summary's totals count: every post the queue holds for the report's days, by state
(as `qm queue` lists them, cancelled ones included), and the plan's posts for those days that never
entered the queue (the queue is filled from the day qm first ran on, so earlier days have no record)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..publishing import states as st


@dataclass(frozen=True)
class Totals:
    by_state: dict[str, int]  # state -> posts the queue holds, in the order `qm queue` counts them
    unqueued: tuple[dt.date, ...] = ()  # the day of each planned post the queue never held (sorted)
    made: dt.date | None = None  # the report's day: unqueued posts before it had their day before the queue did

    @classmethod
    def count(cls, states: Iterable[str], queued: set[str], planned: Iterable[tuple[str, dt.date]] | None, made: dt.date) -> Totals:
        """`states`: the queued posts' states; `planned`: (post id, day) of the plan's posts, None when no plan could be made."""
        counts = Counter(states)
        by_state = {s: counts[s] for s in st.STATES if counts[s]}
        unqueued = sorted(day for post_id, day in planned or () if post_id not in queued)
        return cls(by_state, tuple(unqueued), made)

    @property
    def queued(self) -> int:
        return sum(self.by_state.values())

    @property
    def before(self) -> list[dt.date]:
        """Planned days gone by that the queue never held: qm was not publishing yet."""
        return [d for d in self.unqueued if self.made is None or d < self.made]

    @property
    def waiting(self) -> int:
        """Planned posts from today on not in the queue yet (the next refresh adds them)."""
        return len(self.unqueued) - len(self.before)

    def sentence(self, day_label: Callable[[dt.date], str]) -> str:
        """排期内容共 N 条。其中 M 条在发布队列中：已发布 a 条，待发布 b 条…；另有…"""
        states = "，".join(f"{st.label(s)} {n} 条" for s, n in self.by_state.items())
        if not self.unqueued:
            return f"排期内容共 {self.queued} 条：{states}。"
        parts = [f"{self.queued} 条在发布队列中：{states}"] if self.queued else []  # none when qm was used for units only
        before = self.before
        if before:
            span = day_label(before[0]) + (f"至{day_label(before[-1])}" if before[-1] != before[0] else "")
            parts.append(f"{len(before)} 条安排在{span}，没有进入发布队列（发布队列从开始使用本系统的那天起收录排期），没有发布记录")
        if self.waiting:
            parts.append(f"{self.waiting} 条是新排的内容，尚未加入发布队列（后台服务刷新队列时加入）")
        said = "；另有 ".join(parts)
        return f"排期内容共 {self.queued + len(self.unqueued)} 条。其中 {said}。"

    def to_json(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "queued_by_state": self.by_state,
            "planned_not_queued": len(self.unqueued),
            "planned_not_queued_before_report_day": len(self.before),
        }
