"""Posts that went out late: published more than LATE_AFTER after their slot, by the time the channel
gave (the outbox's folder, WeChat's answer, Weibo's created_at). A post recorded by hand (`qm confirm`)
has only the time it was recorded, so it is counted apart rather than as late."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .figures import PostRow

LATE_AFTER = 60.0  # seconds after its slot
# What "went out" means here, for staff: the simulation measures lateness by what the platforms really
# received and says so; a report has only the database's record.
WENT_OUT = "发出时间以平台给出的为准，平台没有给出时是 qm 确认已发出的时间"


@dataclass(frozen=True)
class Lateness:
    posts: list[PostRow]  # the late ones, longest delay first
    by_hand: int  # published posts whose time is when a person recorded them

    @classmethod
    def of(cls, published: Iterable[PostRow]) -> Lateness:
        published = list(published)
        late = sorted((p for p in published if p.delay > LATE_AFTER), key=lambda p: (-p.delay, p.at))
        return cls(late, sum(1 for p in published if p.went_out is None))

    @property
    def longest(self) -> float:
        return self.posts[0].delay if self.posts else 0.0

    def by_channel(self) -> dict[str, tuple[int, float]]:
        """Channel name -> how many posts went out late and the longest delay (seconds)."""
        out: dict[str, tuple[int, float]] = {}
        for p in self.posts:
            n, longest = out.get(p.channel_name, (0, 0.0))
            out[p.channel_name] = (n + 1, max(longest, p.delay))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "after_seconds": LATE_AFTER,
            "count": len(self.posts),
            "longest_seconds": round(self.longest),
            "by_channel": {name: {"count": n, "longest_seconds": round(s)} for name, (n, s) in self.by_channel().items()},
            "confirmed_by_hand": self.by_hand,
        }
