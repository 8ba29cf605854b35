"""Posts that went out late: sent more than LATE_AFTER after their slot. Sent means handed to the
platform and taken by it (the outbox's folder, WeChat's freepublish/submit or mass send answered,
Weibo's created_at): the time a WeChat publish job then spends in the platform's review is not qm's
lateness. A post recorded by hand (`qm confirm`) has only the time it was recorded, so it is counted
apart rather than as late. `qm simulate` counts by the same rule, by what its fake platforms received."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..publishing import states as st
from ..publishing.tables import audit

if TYPE_CHECKING:
    from ..publishing.queue import Post
    from .post_rows import PostRow

LATE_AFTER = 60.0  # seconds after its slot
# What "went out" means here, for staff (the report and `qm simulate` say the same).
WENT_OUT = "发出时间是 qm 把内容交给平台、平台接收的时间，公众号提交发布后平台审核所用的时间不算迟发"


Sent = dict[str, float]  # post id -> when it was sent


def sent_times(engine: Engine, queued: Iterable[Post]) -> Sent:
    """When each published post was handed to its platform (`posts.sent_at`). A post recorded before qm
    kept that time falls back to what its database has: the last time the queue noted that the platform
    took it (its move to 待平台确认: a WeChat publish job), else when it was recorded published. Posts
    confirmed by hand (`qm confirm`) are left out: they have only the time they were recorded."""
    published = [p for p in queued if p.state == st.PUBLISHED and not by_hand(p)]
    taken = _taken(engine) if any(p.sent_at is None for p in published) else {}
    out = {p.id: p.sent_at or taken.get(p.id) or p.published_at for p in published}
    return {post_id: at for post_id, at in out.items() if at is not None}


def sent_time(engine: Engine, post: Post) -> float | None:
    """When one post was handed to its platform, by the rule of `sent_times`, whatever its state (one the
    platform took and then failed has a time too); None when nothing says the platform took it."""
    if post.sent_at is not None:
        return post.sent_at
    recorded = post.published_at if post.state == st.PUBLISHED and not by_hand(post) else None
    return _taken(engine, post.id).get(post.id) or recorded


def by_hand(post: Post) -> bool:
    """Recorded published by a person (`qm confirm`): its published time is when they recorded it."""
    return post.receipt is not None and "confirmed_by" in post.receipt.data


def _taken(engine: Engine, post_id: str | None = None) -> Sent:
    """The last time the queue noted that the platform took each post (or the one post)."""
    query = sa.select(audit.c.post_id, sa.func.max(audit.c.at)).where(audit.c.to_state == st.ACCEPTED)
    if post_id is not None:
        query = query.where(audit.c.post_id == post_id)
    with engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(query.group_by(audit.c.post_id))}


def late_words(delay: float) -> str:
    """How a post went out against its slot, in the report's words: 迟发：晚了 38 分钟, or 按时."""
    return f"迟发：晚了 {duration(delay)}" if delay > LATE_AFTER else "按时"


def duration(seconds: float) -> str:
    """A delay as staff say it: 38 分钟, 2 小时 5 分钟 (to the nearest minute)."""
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} 分钟"
    return f"{hours} 小时" + (f" {minutes} 分钟" if minutes else "")


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
