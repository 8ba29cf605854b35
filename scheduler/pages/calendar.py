"""The month as a calendar grid: per day, each channel's posts coloured by state; key dates; days with problems."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ..channels.kinds import label_of
from ..inputs.campaign import WEEKDAYS, Campaign
from ..units.kinds import units_word
from .posts import Entry

DEADLINES = {"launch": "启动活动", "county_plans_due": "{units}方案上报截止", "summary_due": "工作总结上报截止"}  # {units}: `units_word`


@dataclass(frozen=True)
class Dot:
    """One post in a day cell."""

    id: str
    state: str
    hint: str  # the dot's tooltip: time, state, title


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    label: str
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    weekday: str
    in_month: bool
    in_campaign: bool
    today: bool
    launch: bool
    marks: tuple[str, ...]  # deadlines and the launch falling on this day
    rows: tuple[ChannelRow, ...]
    problems: int  # posts with check findings or in trouble

    @property
    def total(self) -> int:
        return sum(len(r.dots) for r in self.rows)


@dataclass(frozen=True)
class Month:
    first: dt.date
    title: str
    weekdays: tuple[str, ...]
    weeks: tuple[tuple[DayCell, ...], ...]
    previous: dt.date | None  # first day of the month before, if the campaign reaches it
    following: dt.date | None
    states: tuple[tuple[str, str], ...]  # (state, label) present this month: the legend
    outside: str = ""  # a month the campaign does not reach: says so (the page links to its nearest month)
    nearest: dt.date | None = None
    today: dt.date | None = None  # marked 今天; the page links to it at the top

    @property
    def problem_days(self) -> int:
        return sum(1 for week in self.weeks for d in week if d.in_month and d.problems)


def campaign_months(campaign: Campaign) -> list[dt.date]:
    """First days of the months from the campaign's start to its last deadline."""
    last = max(campaign.end, campaign.key_dates.summary_due, campaign.key_dates.county_plans_due)
    first = min(campaign.start, campaign.key_dates.county_plans_due).replace(day=1)
    months = []
    while first <= last:
        months.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return months


def key_marks(campaign: Campaign) -> dict[dt.date, list[str]]:
    marks: dict[dt.date, list[str]] = {}
    units = units_word([u.name for u in campaign.units], campaign.level)  # 各县区, 各县区和有关部门, as the office's reminders call them
    for key, text in DEADLINES.items():
        marks.setdefault(getattr(campaign.key_dates, key), []).append(text.format(units=units))
    return marks


def month_view(
    campaign: Campaign,
    first: dt.date,
    entries: list[Entry],
    problems: Callable[[Entry], list[str]],
    today: dt.date,
    labels: dict[str, str],
) -> Month:
    """`entries` covers the weeks shown (the month padded to whole weeks); `problems` gives an entry's problems."""
    first = first.replace(day=1)
    by_day: dict[dt.date, list[Entry]] = {}
    for e in entries:
        by_day.setdefault(e.at.date(), []).append(e)
    order = [c.name for c in campaign.channels]
    marks = key_marks(campaign)
    seen_states: set[str] = set()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        cells = []
        for day in week:
            day_entries = by_day.get(day, [])
            rows = []
            for channel in sorted({e.channel for e in day_entries}, key=lambda c: (order.index(c) if c in order else len(order), c)):
                dots = tuple(
                    Dot(e.id, e.shown_state, f"{e.at:%H:%M} {e.shown_label}：{e.title}") for e in day_entries if e.channel == channel
                )
                rows.append(ChannelRow(channel, label_of(campaign, channel), dots))
            if day.month == first.month:
                seen_states.update(e.shown_state for e in day_entries)
            cells.append(
                DayCell(
                    day=day,
                    weekday=WEEKDAYS[day.weekday()],
                    in_month=day.month == first.month,
                    in_campaign=campaign.start <= day <= campaign.end,
                    today=day == today,
                    launch=day == campaign.key_dates.launch,
                    marks=tuple(marks.get(day, ())),
                    rows=tuple(rows),
                    problems=sum(1 for e in day_entries if problems(e)),
                )
            )
        weeks.append(tuple(cells))
    months = campaign_months(campaign)
    index = months.index(first) if first in months else -1
    return Month(
        first=first,
        title=f"{first.year}年{first.month}月",
        weekdays=tuple(f"周{w}" for w in WEEKDAYS),
        weeks=tuple(weeks),
        previous=months[index - 1] if index > 0 else None,
        following=months[index + 1] if 0 <= index < len(months) - 1 else None,
        states=tuple((s, labels[s]) for s in labels if s in seen_states),
        outside=""
        if index >= 0
        else f"{first.year}年{first.month}月不在活动期内（{campaign.start.isoformat()} 至 {campaign.end.isoformat()}）",
        nearest=None if index >= 0 else months[0] if first < months[0] else months[-1],
        today=today,
    )


def shown_span(first: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day the month's grid shows (whole weeks, Monday first)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return weeks[0][0], weeks[-1][-1]
