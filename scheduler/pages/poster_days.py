"""The 海报 page's posters by day (a poster's first use from today on, else its last): the days from today on first, each with its date (today marked; after the first
`DAYS_OPEN` days each folded under its date), the days gone folded below them; and what is counted at the top. A poster not drawn for a day gone by is never drawn (its posts
went out, or will not): it is not counted as still to draw."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..inputs.campaign import day_with_weekday
from .media import PosterCard

DAYS_OPEN = 3  # today and the next two days with posters are shown open: a month of cards is metres long on a phone


@dataclass(frozen=True)
class PosterDay:
    day: dt.date
    label: str  # 9月7日 星期二
    today: bool
    cards: tuple[PosterCard, ...]


@dataclass(frozen=True)
class PosterDays:
    coming: tuple[PosterDay, ...]  # today and the days after it
    past: tuple[PosterDay, ...]
    coming_cards: int
    drawn: int  # of the coming ones
    to_draw: int  # the coming ones not drawn yet

    @property
    def stale(self) -> int:
        """The coming posters drawn before their words changed (a day gone by's will not be redrawn)."""
        return sum(1 for d in self.coming for c in d.cards if c.stale)

    @property
    def past_cards(self) -> int:
        return sum(len(d.cards) for d in self.past)

    @property
    def past_span(self) -> str:
        """9月1日—9月6日 (one day: 9月1日); "" without days gone by."""
        if not self.past:
            return ""
        first, last = (f"{d.month}月{d.day}日" for d in (self.past[0].day, self.past[-1].day))
        return first if len(self.past) == 1 else f"{first}—{last}"


def by_day(cards: Iterable[PosterCard], today: dt.date) -> PosterDays:
    """`cards` (in time order of first use) grouped by the day of their first use from `today` on (one used on the
    1st and again on the 25th is still to draw on the 20th), else of their last use."""
    days: dict[dt.date, list[PosterCard]] = {}
    for card in cards:
        used = sorted(at.date() for _, at, _ in card.used) or [card.day]
        day = next((d for d in used if d >= today), used[-1])
        days.setdefault(day, []).append(dataclasses.replace(card, day=day))
    grouped = [PosterDay(day, day_with_weekday(day), day == today, tuple(found)) for day, found in sorted(days.items())]
    coming = tuple(d for d in grouped if d.day >= today)
    ahead = [c for d in coming for c in d.cards]
    drawn = sum(1 for c in ahead if c.relative)
    return PosterDays(coming, tuple(d for d in grouped if d.day < today), len(ahead), drawn, len(ahead) - drawn)
