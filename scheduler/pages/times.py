"""When a post went out, for its page: when qm handed it to the platform (发出时间, what lateness counts)
and when it was published as the platform says (平台发布时间), late or not by the work summary's
one-minute rule and in its words (`report.lateness`), so the page and the report never disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..publishing import states as st
from ..publishing.queue import Post
from ..report.lateness import LATE_AFTER, WENT_OUT, by_hand, late_words, sent_time
from ..report.post_rows import POLLED
from ..support.values import stated_went_out

SHOWN = (st.PUBLISHED, st.ACCEPTED, st.FAILED)  # the states in which a post may have gone out
RULE = f"发出时间晚于排期时间 {LATE_AFTER / 60:g} 分钟以上算迟发，与工作总结相同；{WENT_OUT}。"
NO_ANSWER = "没有记录（qm 没有收到平台接收的应答）"
POLLED_NOTE = f"{POLLED}：平台没有告知发布的确切时间，实际发布稍早于此"


@dataclass(frozen=True)
class WentOut:
    sent: str  # "2016-09-08 09:00:05（按时）", or why there is no time
    published: str
    rule: str = RULE


def went_out(engine: Engine, post: Post, tz: dt.tzinfo) -> WentOut | None:
    """The post's two times as its page says them; None for a post that cannot have gone out yet (or was cancelled)."""
    if post.state not in SHOWN:
        return None
    return WentOut(_sent(post, sent_time(engine, post), tz), _published(post, tz))


def _sent(post: Post, sent: float | None, tz: dt.tzinfo) -> str:
    if sent is None:
        return "没有记录（人工确认发布，只记下了确认的时间）" if by_hand(post) else NO_ANSWER
    verdict = "人工确认发布的内容不计入迟发" if by_hand(post) else late_words(sent - post.at)
    return f"{_moment(sent, tz)}（{verdict}）"


def _published(post: Post, tz: dt.tzinfo) -> str:
    if post.state == st.ACCEPTED:
        return "尚未发布（平台已接收，等待平台确认）"
    if post.state != st.PUBLISHED or post.published_at is None:
        return "没有发布记录"
    at = _moment(post.published_at, tz)
    if by_hand(post):
        return f"{at}（人工确认发布，记录的是确认的时间）"
    return at if stated_went_out(post.receipt) is not None else f"{at}（{POLLED_NOTE}）"


def _moment(at: float, tz: dt.tzinfo) -> str:
    return f"{dt.datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M:%S}"
