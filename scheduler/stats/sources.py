"""The interface every statistics source implements, and the figures it returns.

A source is asked for one day at a time. It answers with that day's figures and whether the
platform calls them final; it raises `StatsError` when it cannot answer (with `denied` set when the
account lacks the permission, which is reported once rather than every day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from ..support.errors import QmError


@dataclass(frozen=True)
class Figure:
    subject: str  # "account", an article's msgid, a Weibo id, a screen id
    metric: str  # read_user, share_user, reposts, plays, seconds…
    value: float
    post_id: str = ""


@dataclass(frozen=True)
class DayFigures:
    figures: tuple[Figure, ...] = ()
    final: bool = True  # False: the platform says the day is not complete yet (WeChat's is_delay)
    note: str = ""  # what a person should know (gaps, unmatched articles)
    nodata: bool = False  # the platform has nothing for the day yet


class StatsError(QmError):
    def __init__(self, message: str, *, denied: bool = False, transient: bool = True) -> None:
        super().__init__(message)
        self.denied = denied
        self.transient = transient


@dataclass(frozen=True)
class PublishedPost:
    """What a source needs of a published post: its id, day and receipt's platform ids."""

    id: str
    channel: str
    day: dt.date
    title: str
    external_id: str = ""
    data: dict[str, object] = field(default_factory=dict)


class Source(Protocol):
    name: str  # wechat | weibo | screen:<id>

    def ready_at(self, day: dt.date) -> dt.datetime:
        """The earliest time the day may be asked for (aware)."""
        ...

    def collect(self, day: dt.date, posts: list[PublishedPost]) -> DayFigures: ...

    def close(self) -> None: ...


def source_label(name: str) -> str:
    """What a person calls a source (its channel's kind says): 公众号, 微博, 电子屏 center."""
    from ..channels.kinds import kind_named  # the kinds' statistics import this module

    kind = kind_named(name.partition(":")[0])
    return kind.source_label(name) if kind is not None else name
