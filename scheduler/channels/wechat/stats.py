"""WeChat's data APIs for published content (datacube), asked one day at a time.

    getbizsummary          the account's day: read_user, share_user, like_user, zaikan_user, comment_count
    getarticleread         each article read that day: detail.read_user
    getarticleshare        each article shared that day: detail.share_user
    getarticletotaldetail  the articles published that day (to tell qm's from others)

An article's `msgid` is "<msg_data_id>_<index>"; qm sends one article per message, so a post whose
receipt holds msg_data_id 12003 is article "12003_1". Figures are asked for after 08:00 of the next
day (the platform computes them overnight) and asked again while it answers `is_delay: true`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ...runtime.clock import Clock
from ...stats.sources import DayFigures, Figure, PublishedPost, StatsError
from ..base import ChannelError, OutgoingPost
from .api import WeChatChannel
from .config import WeChatConfig

ASK_AFTER = dt.time(8, 0)
UNAUTHORIZED = 48001  # the account has no permission for this API
ACCOUNT_METRICS = ("read_user", "share_user", "like_user", "zaikan_user", "comment_count")
CALLS = ("getbizsummary", "getarticleread", "getarticleshare", "getarticletotaldetail")


def _no_images(post: OutgoingPost, ref: str) -> Path:
    raise AssertionError("statistics never upload images")


def article_msgid(data: dict[str, object]) -> str:
    """The datacube msgid of the (single) article a post's receipt describes, or ""."""
    msg_data_id = str(data.get("msg_data_id") or "")
    return f"{msg_data_id}_1" if msg_data_id else ""


class WeChatStats:
    def __init__(self, config: WeChatConfig, secret: str, tz: dt.tzinfo, clock: Clock | None = None) -> None:
        self.name = config.name
        self.tz = tz
        self.api = WeChatChannel(config, secret, _no_images, clock)

    def ready_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=1), ASK_AFTER, tzinfo=self.tz)

    def collect(self, day: dt.date, posts: list[PublishedPost]) -> DayFigures:
        answers = {call: self._ask(call, day) for call in CALLS}
        lists = {call: _entries(call, answer) for call, answer in answers.items()}
        delay = any(bool(answer.get("is_delay")) for answer in answers.values())
        if delay and not any(lists.values()):
            return DayFigures(final=False, nodata=True, note="微信尚未算出这一天的数据（is_delay），稍后再取")
        ours = {msgid: p.id for p in posts if (msgid := article_msgid(p.data))}
        figures: list[Figure] = []
        skipped = 0
        for entry in lists["getbizsummary"]:
            for metric in ACCOUNT_METRICS:
                value = _number(entry.get(metric))
                if value is not None:
                    figures.append(Figure("account", metric, value))
        for call, metric in (("getarticleread", "read_user"), ("getarticleshare", "share_user")):
            for entry in lists[call]:
                msgid, value = str(entry.get("msgid", "")), _number((entry.get("detail") or {}).get(metric))
                if not msgid or value is None:
                    skipped += 1
                elif msgid in ours:
                    figures.append(Figure(msgid, metric, value, ours[msgid]))
        others = {str(e.get("msgid", "")) for e in lists["getarticletotaldetail"]} - set(ours) - {""}
        notes = []
        if others:
            notes.append(f"当天公众号另有 {len(others)} 篇文章不是 qm 发布的，未计入")
        if skipped:
            notes.append(f"{skipped} 条数据缺少 msgid 或数值，已跳过")
        return DayFigures(tuple(figures), final=not delay, note="；".join(notes))

    def _ask(self, call: str, day: dt.date) -> dict[str, Any]:
        body = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        try:
            return self.api.post_json(f"/datacube/{call}", body)
        except ChannelError as exc:
            denied = exc.code == UNAUTHORIZED
            raise StatsError(f"公众号数据接口 {call}（{day}）：{exc}", denied=denied, transient=not exc.permanent) from exc

    def close(self) -> None:
        self.api.close()


def _entries(call: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
    items = answer.get("list")
    if items is None:
        return []
    if not isinstance(items, list):
        raise StatsError(f"公众号数据接口 {call} 的应答格式不对（list 不是列表）", transient=True)
    return [e for e in items if isinstance(e, dict)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
