"""Weibo's counts for the posts qm made: `GET /2/statuses/count.json?ids=…` (up to 100 ids a call)
answers `[{"id", "reposts", "comments", "attitudes"}]`.

The counts are running totals: each day's answer is stored under that day, and a report takes the
latest. Apps are often not granted this API (error 10014): that is reported once, not every day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...runtime.clock import Clock
from ...stats.sources import DayFigures, Figure, PublishedPost, StatsError
from ...support.values import Receipt
from ..api import ApiChannel
from ..base import ChannelError, OutgoingPost
from .config import WeiboConfig
from .rules import MEANINGS, TRANSIENT_CODES

ASK_AFTER = dt.time(8, 0)
BATCH = 100  # ids per call, as documented
FOLLOW_DAYS = 30  # a post's counts are followed this many days after it went out
NO_PERMISSION = 10014
METRICS = {"reposts": "reposts", "comments": "comments", "attitudes": "likes"}


class _WeiboApi(ApiChannel):
    platform = "微博"

    def publish(self, post: OutgoingPost) -> Receipt:
        raise NotImplementedError("statistics only")

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return None


def _no_images(post: OutgoingPost, ref: str) -> Any:
    raise AssertionError("statistics never upload images")


class WeiboStats:
    def __init__(self, config: WeiboConfig, token: str, tz: dt.tzinfo, clock: Clock | None = None) -> None:
        self.name = config.name
        self.tz = tz
        self.token = token
        self.api = _WeiboApi(config.name, config.api_base, config.timeout, _no_images, clock)

    def ready_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=1), ASK_AFTER, tzinfo=self.tz)

    def collect(self, day: dt.date, posts: list[PublishedPost]) -> DayFigures:
        followed = {p.external_id: p.id for p in posts if p.external_id and 0 <= (day - p.day).days <= FOLLOW_DAYS}
        ids = sorted(followed)
        figures: list[Figure] = []
        missing = set(ids)
        for start in range(0, len(ids), BATCH):
            for entry in self._counts(ids[start : start + BATCH]):
                ident = str(entry.get("id", ""))
                if ident not in followed:
                    continue
                missing.discard(ident)
                for field, metric in METRICS.items():
                    value = entry.get(field)
                    if isinstance(value, int) and not isinstance(value, bool):
                        figures.append(Figure(ident, metric, float(value), followed[ident]))
        note = f"{len(missing)} 条微博没有返回数据（可能已被删除）" if missing else ""
        return DayFigures(tuple(figures), note=note)

    def _counts(self, ids: list[str]) -> list[dict[str, Any]]:
        try:
            response = self.api.request("GET", "/2/statuses/count.json", params={"access_token": self.token, "ids": ",".join(ids)})
            data: Any = response.json()
        except ChannelError as exc:
            raise StatsError(f"微博统计接口 statuses/count：{exc}", transient=True) from exc
        except ValueError as exc:
            raise StatsError("微博统计接口 statuses/count 的应答不是 JSON", transient=True) from exc
        if isinstance(data, dict) and "error_code" in data:
            code = _int(data.get("error_code"))
            meaning = MEANINGS.get(code, "未知错误")
            if code == NO_PERMISSION:
                raise StatsError(
                    "微博应用没有统计接口 statuses/count 的权限：在微博开放平台为应用申请该接口；在此之前报告不含微博的转发、评论、点赞数",
                    denied=True,
                    transient=False,
                )
            raise StatsError(f"微博统计接口 statuses/count 返回错误 {code}（{meaning}）", transient=code in TRANSIENT_CODES)
        if not isinstance(data, list):
            raise StatsError("微博统计接口 statuses/count 的应答格式不对（不是列表）", transient=True)
        return [e for e in data if isinstance(e, dict)]

    def close(self) -> None:
        self.api.close()


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
