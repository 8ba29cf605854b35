"""The statistics job: ask each source for every day it has not finished, store what it says.

Idempotent: a day's rows are replaced as a whole, so asking twice (a restart, an `is_delay` day
asked again) never duplicates a figure. Days are followed from the campaign's start until
`FOLLOW_DAYS` after its end; a day marked final is never asked again, so after downtime the next
run catches up every day it missed. A source that fails stops for this run (the next run tries
again); a missing permission is told to staff once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..inputs.campaign import Campaign
from ..publishing import notices_sent
from ..publishing import states as st
from ..publishing.queue import Queue
from ..publishing.tables import stat_days, stat_values
from ..support.logs import event
from ..support.notify import FAILURE, Notice
from .sources import DayFigures, Figure, PublishedPost, Source, StatsError, source_label

log = logging.getLogger("qm.stats")

FOLLOW_DAYS = 30  # reads keep coming after the campaign; the summary is due about ten days after it
FINAL, DELAY, NODATA, ERROR, DENIED = "final", "delay", "nodata", "error", "denied"


@dataclass
class RunResult:
    asked: dict[str, list[dt.date]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def pending_days(campaign: Campaign, source: Source, done: dict[dt.date, str], now: dt.datetime) -> list[dt.date]:
    """The days to ask now: not final, and late enough to ask (pure)."""
    last = campaign.end + dt.timedelta(days=FOLLOW_DAYS)
    days = (campaign.start + dt.timedelta(days=i) for i in range((last - campaign.start).days + 1))
    return [d for d in days if done.get(d) != FINAL and source.ready_at(d) <= now]


def published_posts(queue: Queue, campaign: Campaign) -> list[PublishedPost]:
    tz = campaign.timezone
    out = []
    for post in queue.find([st.PUBLISHED]):
        receipt = post.receipt
        when = post.published_at or post.at
        out.append(
            PublishedPost(
                post.id,
                post.channel,
                dt.datetime.fromtimestamp(when, tz).date(),
                str(post.payload.get("title") or post.payload.get("headline") or post.payload.get("text") or ""),
                receipt.external_id if receipt else "",
                dict(receipt.data) if receipt else {},
            )
        )
    return out


class Collector:
    def __init__(self, campaign: Campaign, engine: Engine, notify: Callable[[Notice], object] | None = None) -> None:
        self.campaign = campaign
        self.engine = engine
        self.notify = notify

    def run(self, sources: Iterable[Source], now: dt.datetime) -> RunResult:
        result = RunResult()
        posts = published_posts(Queue(self.engine), self.campaign)
        for source in sources:
            mine = [p for p in posts if p.channel == source.name]
            asked = result.asked.setdefault(source.name, [])
            for day in pending_days(self.campaign, source, self._done(source.name), now):
                try:
                    figures = source.collect(day, mine)
                except StatsError as exc:
                    result.errors[source.name] = str(exc)
                    self._failed(source.name, day, exc, now)
                    break
                asked.append(day)
                self._store(source.name, day, figures, now)
        return result

    def _done(self, source: str) -> dict[dt.date, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(stat_days.c.day, stat_days.c.state).where(stat_days.c.source == source))
            return {dt.date.fromisoformat(r.day): r.state for r in rows}

    def _store(self, source: str, day: dt.date, got: DayFigures, now: dt.datetime) -> None:
        key = day.isoformat()
        state = FINAL if got.final else (NODATA if got.nodata else DELAY)
        rows = [
            {"source": source, "day": key, "subject": f.subject, "metric": f.metric, "value": f.value, "post_id": f.post_id}
            for f in _unique(got.figures)
        ]
        with self.engine.begin() as conn:
            conn.execute(stat_values.delete().where(stat_values.c.source == source, stat_values.c.day == key))
            if rows:
                conn.execute(stat_values.insert(), rows)
            _mark(conn, source, key, state, got.note, now)
        event(log, "stats_collected", source=source, day=key, state=state, figures=len(rows))

    def _failed(self, source: str, day: dt.date, exc: StatsError, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            _mark(conn, source, day.isoformat(), DENIED if exc.denied else ERROR, str(exc), now)
            if not exc.denied:
                event(log, "stats_failed", logging.WARNING, source=source, day=day.isoformat(), error=str(exc))
                return
            told = f"stats-denied:{source}"
            if not notices_sent.claim(conn, told, now.timestamp()):
                return
        event(log, "stats_denied", logging.WARNING, source=source, error=str(exc))
        if self.notify is not None:
            self.notify(Notice(FAILURE, f"【统计数据】{source_label(source)}无法取得统计数据", (str(exc), "此提醒只发一次。")))


def _mark(conn: Connection, source: str, day: str, state: str, note: str, now: dt.datetime) -> None:
    where = (stat_days.c.source == source, stat_days.c.day == day)
    tries = conn.execute(sa.select(stat_days.c.tries).where(*where)).scalar() or 0
    conn.execute(stat_days.delete().where(*where))
    conn.execute(stat_days.insert().values(source=source, day=day, state=state, note=note, tries=tries + 1, fetched=now.timestamp()))


def _unique(figures: Iterable[Figure]) -> list[Figure]:
    seen: dict[tuple[str, str], Figure] = {}
    for f in figures:
        seen[(f.subject, f.metric)] = f  # a platform listing an article twice: the last answer wins
    return list(seen.values())
