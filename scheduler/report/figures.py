"""The work summary's figures, read from the database only: the queue, its audit log, the pause
history and the collected statistics. Nothing here is estimated: every number is a count or a sum
of rows, so staff can trace it (`qm queue --json`, `qm history`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..inputs.vocabulary import AREAS
from ..publishing import states as st
from ..publishing.queue import Queue
from ..publishing.tables import pause_log, posts, stat_days, stat_values
from ..simulation.marker import is_simulated
from ..units.submissions import UnitStatus, recorded, statuses
from ..units.unrecorded import refused_files
from .gaps import missing
from .gaps import subject as gap_subject
from .lateness import Lateness, sent_times
from .post_rows import NOT_SENT, PROBLEM_STATES, PostRow, post_row
from .titles import published_titles
from .totals import Totals

WECHAT_ACCOUNT = ("read_user", "share_user", "like_user", "zaikan_user", "comment_count")
METRIC_LABELS = {
    "read_user": "阅读人数",
    "share_user": "分享人数",
    "like_user": "点赞人数",
    "zaikan_user": "在看人数",
    "comment_count": "留言数",
    "reposts": "转发",
    "comments": "评论",
    "likes": "点赞",
    "plays": "播放次数",
}


@dataclass(frozen=True)
class ScreenDay:
    screen: str
    name: str
    day: dt.date
    plays: int
    items: int
    minutes: float


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    posts: list[PostRow]
    wechat_account: dict[str, float] = field(default_factory=dict)
    screens: list[ScreenDay] = field(default_factory=list)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, str]] = field(default_factory=list)
    totals: Totals = field(default_factory=lambda: Totals({}))
    simulated: bool = False  # made by `qm simulate`: every figure is invented
    units: list[UnitStatus] = field(default_factory=list)  # each unit's plan and summary, when `units:` is configured
    timezone: dt.tzinfo = dt.UTC
    made: dt.datetime | None = None  # when the report is made: posts still waiting after their slot are overdue
    channels: tuple[str, ...] = ()  # the configured channels, in config.yaml's order: the order they are listed in

    @property
    def published(self) -> list[PostRow]:
        return [p for p in self.posts if p.state == st.PUBLISHED]

    @property
    def problems(self) -> list[PostRow]:
        return [p for p in self.posts if p.state in PROBLEM_STATES]

    @property
    def overdue(self) -> list[PostRow]:
        """Posts whose slot had passed when the report was made but that never went out nor were marked
        failed or missed (no daemon ran, or nobody reviewed them): as wrong as a missed post."""
        made = self.made
        return [p for p in self.posts if p.state in NOT_SENT and made is not None and p.at < made]

    @property
    def late(self) -> Lateness:
        return Lateness.of(self.published)

    def published_by_channel(self) -> dict[str, int]:
        """Channel name -> posts published, in the order config.yaml lists the channels."""
        counts = Counter(p.channel for p in self.published)
        names = {p.channel: p.channel_name for p in self.published}
        out: dict[str, int] = {}
        for channel in sorted(counts, key=lambda c: self.channels.index(c) if c in self.channels else len(self.channels)):
            out[names[channel]] = out.get(names[channel], 0) + counts[channel]
        return out

    def published_by_area(self) -> dict[str, int]:
        counts = Counter(p.area for p in self.published)
        return {label: counts.get(key, 0) for key, label in AREAS.items()}

    def published_by_day(self) -> dict[str, dict[str, int]]:
        days: dict[str, dict[str, int]] = defaultdict(dict)
        for p in self.published:
            per = days[p.at.date().isoformat()]
            per[p.channel_name] = per.get(p.channel_name, 0) + 1
        return dict(sorted(days.items()))

    def screen_totals(self) -> dict[str, dict[str, float]]:
        totals: dict[str, dict[str, float]] = {}
        for d in self.screens:
            t = totals.setdefault(d.name, {"plays": 0, "minutes": 0.0, "days": 0})
            t["plays"] += d.plays
            t["minutes"] += d.minutes
            t["days"] += 1 if d.plays else 0
        return totals

    def top_articles(self, n: int = 10) -> list[PostRow]:
        read = [p for p in self.published if p.channel == "wechat" and p.figures.get("read_user")]
        return sorted(read, key=lambda p: (-p.figures["read_user"], p.at))[:n]


def gather(
    campaign: Campaign,
    engine: Engine,
    start: dt.date,
    end: dt.date,
    library: Mapping[str, ContentItem],
    *,
    planned: Iterable[tuple[str, dt.date]] | None = None,
    made: dt.date | dt.datetime | None = None,
    units: list[UnitStatus] | None = None,
) -> Figures:
    """`library`: the content library's items by id; `planned`: (post id, day) of the plan's posts in the range, to
    count those the queue never held; `made`: when the report is made (now by default; a day: its start);
    `units`: the units' submissions as `qm units` counts them (by default those `engine` recorded)."""
    tz = campaign.timezone
    made = made or dt.datetime.now(tz)
    now = made if isinstance(made, dt.datetime) else campaign.at(made, dt.time(0))
    first, last = campaign.at(start, dt.time(0)).timestamp(), campaign.at(end + dt.timedelta(days=1), dt.time(0)).timestamp()
    queue = Queue(engine)
    queued = queue.find(start=first, end=last - 0.001)
    titles = {item_id: item.title for item_id, item in library.items()}
    if any(p.item not in titles for p in queued):  # deleted from the library: the title it went out with
        titles = {**published_titles(queue.find(), titles), **titles}
    per_post = _per_post(engine)
    sent, ordered = sent_times(engine, queued), sorted(queued, key=lambda p: (p.at, p.channel))
    rows = [post_row(campaign, p, titles, library.get(p.item), per_post.get(p.id, {}), sent) for p in ordered]
    totals = Totals.count((p.state for p in queued), {p.id for p in queued}, planned, now.date())
    if units is None:
        units = statuses(campaign, recorded(campaign, engine), now.date(), refused_files(campaign)) if campaign.units else []
    with engine.connect() as conn:
        return Figures(
            start,
            end,
            rows,
            wechat_account=_wechat_account(conn, start, end),
            screens=_screens(conn, campaign, start, end),
            pauses=_pauses(conn, tz, first, last),
            gaps=_gaps(conn, campaign, start, end),
            totals=totals,
            simulated=is_simulated(engine),
            units=units,
            timezone=tz,
            made=now,
            channels=tuple(c.name for c in campaign.channels),
        )


def queued_days(campaign: Campaign, engine: Engine) -> tuple[dt.date, dt.date] | None:
    """The first and last day the database holds posts for (to say where a report's empty range missed), or None."""
    with engine.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(posts.c.at), sa.func.max(posts.c.at))).one()
    if first is None:
        return None
    tz = campaign.timezone
    return dt.datetime.fromtimestamp(first, tz).date(), dt.datetime.fromtimestamp(last, tz).date()


def _per_post(engine: Engine) -> dict[str, dict[str, float]]:
    """Each post's figures: WeChat reads and shares and screen plays summed over days; Weibo's latest running totals."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    v = stat_values.c
    with engine.connect() as conn:
        summed = conn.execute(
            sa.select(v.post_id, v.metric, sa.func.sum(v.value)).where(v.post_id != "", v.source != "weibo").group_by(v.post_id, v.metric)
        )
        for post_id, metric, total in summed:
            out[post_id][metric] = float(total)
        latest = (
            sa.select(v.post_id, sa.func.max(v.day).label("day")).where(v.source == "weibo", v.post_id != "").group_by(v.post_id).subquery()
        )
        query = sa.select(v.post_id, v.metric, v.value).join(latest, sa.and_(v.post_id == latest.c.post_id, v.day == latest.c.day))
        for post_id, metric, value in conn.execute(query.where(v.source == "weibo")):
            out[post_id][metric] = float(value)
    return dict(out)


def _wechat_account(conn: sa.Connection, start: dt.date, end: dt.date) -> dict[str, float]:
    v = stat_values.c
    query = (
        sa.select(v.metric, sa.func.sum(v.value))
        .where(v.source == "wechat", v.subject == "account", v.day >= start.isoformat(), v.day <= end.isoformat())
        .group_by(v.metric)
    )
    found = {metric: float(total) for metric, total in conn.execute(query)}
    return {m: found[m] for m in WECHAT_ACCOUNT if m in found}


def _screens(conn: sa.Connection, campaign: Campaign, start: dt.date, end: dt.date) -> list[ScreenDay]:
    v = stat_values.c
    out = []
    for screen in campaign.screens:
        query = sa.select(v.day, v.metric, v.value).where(
            v.source == screen.name, v.subject == screen.id, v.day >= start.isoformat(), v.day <= end.isoformat()
        )
        days: dict[str, dict[str, float]] = defaultdict(dict)
        for day, metric, value in conn.execute(query):
            days[day][metric] = float(value)
        for day, m in sorted(days.items()):
            minutes = round(m.get("seconds", 0.0) / 60, 1)
            out.append(
                ScreenDay(
                    screen.id,
                    screen.title or screen.id,
                    dt.date.fromisoformat(day),
                    int(m.get("plays", 0)),
                    int(m.get("items", 0)),
                    minutes,
                )
            )
    return out


def _pauses(conn: sa.Connection, tz: dt.tzinfo, first: float, last: float) -> list[dict[str, Any]]:
    p = pause_log.c
    rows = conn.execute(sa.select(pause_log).where(p.at >= first, p.at < last).order_by(p.at, p.id))
    return [
        {
            "at": f"{dt.datetime.fromtimestamp(r.at, tz):%Y-%m-%d %H:%M}",
            "channel": "全部渠道" if r.channel == "*" else r.channel,
            "action": r.action,
            "reason": r.reason,
            "who": r.who,
        }
        for r in rows
    ]


def _gaps(conn: sa.Connection, campaign: Campaign, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    d = stat_days.c
    rows = conn.execute(
        sa.select(stat_days).where(d.state != "final", d.day >= start.isoformat(), d.day <= end.isoformat()).order_by(d.source, d.day)
    )
    return [
        {
            "source": label_of(campaign, r.source),
            "source_id": r.source,
            "records": gap_subject(r.source),  # 播放记录 (a screen's) or 统计数据 (a platform's)
            "day": r.day,
            "state": missing(r.source, r.state),
            "state_key": r.state,
            "note": r.note,
        }
        for r in rows
    ]
