"""The content library page: every item by area and topic, with where the plan uses it, filtered by a search."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..inputs.content import ContentItem
from ..inputs.vocabulary import AREAS, TOPICS
from ..planning.board import PlannedPost

USES_SHOWN = 6  # days listed per item; the rest are counted


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    topic: str
    tags: tuple[str, ...]
    uses: tuple[str, ...]  # 9月8日（微信公众号、微博）, by day
    more: int  # days used beyond those listed


@dataclass(frozen=True)
class Area:
    label: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class LibraryPage:
    query: str
    areas: tuple[Area, ...]
    total: int  # items in the library
    shown: int  # items that match the search


def matches(item: ContentItem, query: str, post_ids: Iterable[str] = ()) -> bool:
    """True when every word of `query` is in the item's words (title, summary, headline, line, body), its id, one of
    its tags or the id of a post made from it (`20270907-weibo-0930`, shown on every post; letters in any case)."""
    words = (item.title, item.summary, item.headline, item.line, item.body)
    text = " ".join((*(w or "" for w in words), item.id, *item.tags, *post_ids)).casefold()
    return all(word in text for word in query.casefold().split())


def library_view(items: Iterable[ContentItem], posts: Iterable[PlannedPost], query: str, label: Callable[[str], str]) -> LibraryPage:
    """The page for `items` matching `query`, each with the days and channels (`label`: a channel's name) `posts` use it."""
    used: dict[str, dict[dt.date, list[str]]] = defaultdict(lambda: defaultdict(list))
    post_ids: dict[str, list[str]] = defaultdict(list)
    for p in posts:
        post_ids[p.item.id].append(p.id)
        channels = used[p.item.id][p.at.date()]
        if (name := label(p.channel)) not in channels:
            channels.append(name)
    everything = list(items)
    chosen = [i for i in everything if matches(i, query, post_ids.get(i.id, ()))]
    order = list(AREAS)
    chosen.sort(key=lambda i: (order.index(i.area) if i.area in order else len(order), i.topic, i.title, i.id))
    areas = []
    for area in dict.fromkeys(i.area for i in chosen):
        rows = tuple(_row(i, used.get(i.id, {})) for i in chosen if i.area == area)
        areas.append(Area(AREAS.get(area, area), rows))
    return LibraryPage(query, tuple(areas), len(everything), len(chosen))


def _row(item: ContentItem, days: dict[dt.date, list[str]]) -> Row:
    listed = [f"{d.month}月{d.day}日（{'、'.join(days[d])}）" for d in sorted(days)]
    return Row(item.id, item.title, TOPICS.get(item.topic, item.topic), item.tags, tuple(listed[:USES_SHOWN]), len(listed[USES_SHOWN:]))
