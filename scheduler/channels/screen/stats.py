"""Screen figures from proof of play (`<state>/proof-of-play/<screen id>.jsonl`, one JSON line per slide shown).

Per wall per day: plays (slides shown), distinct items, on-air seconds (the sum of the slides'
durations); per featured post: its plays. A player that lost the network reports late, so a day
stays open (asked again) until the end of the next day. Unreadable lines are counted, not fatal, and so
are lines whose duration no slide can have (logs written before reports were checked: `screens.proof`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...runtime.clock import Clock, SystemClock
from ...stats.sources import DayFigures, Figure, PublishedPost
from .config import ScreenConfig

LONGEST = 86400  # seconds: no slide is on the air longer than a day
SETTLE = dt.timedelta(days=2)  # from the day's midnight: late reports after this are not expected


@dataclass
class DayPlays:
    plays: int = 0
    seconds: float = 0.0
    items: set[str] = field(default_factory=set)
    posts: Counter[str] = field(default_factory=Counter)


@dataclass
class Plays:
    days: dict[dt.date, DayPlays] = field(default_factory=lambda: defaultdict(DayPlays))
    bad_lines: int = 0


def tally(lines: Iterable[str], tz: dt.tzinfo) -> Plays:
    """Proof-of-play lines grouped by local day (pure)."""
    out = Plays()
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            shown = dt.datetime.fromisoformat(str(entry["shown_at"]))
            duration = float(entry.get("duration") or 0)
        except (ValueError, KeyError, TypeError):
            out.bad_lines += 1
            continue
        if shown.tzinfo is None or not 0 <= duration <= LONGEST:  # NaN too; a forged 1e300 would swamp the sums
            out.bad_lines += 1
            continue
        day = out.days[shown.astimezone(tz).date()]
        day.plays += 1
        day.seconds += duration
        day.items.add(str(entry.get("item") or entry.get("file") or ""))
        if entry.get("post"):
            day.posts[str(entry["post"])] += 1
    return out


def log_file(state: Path, screen_id: str) -> Path:
    return state / "proof-of-play" / f"{screen_id}.jsonl"


class ScreenStats:
    def __init__(self, screen: ScreenConfig, state: Path, tz: dt.tzinfo, clock: Clock | None = None) -> None:
        self.name = screen.name
        self.screen_id = screen.id
        self.path = log_file(state, screen.id)
        self.tz = tz
        self.clock: Clock = clock or SystemClock()
        self._plays: Plays | None = None

    def ready_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 10), tzinfo=self.tz)

    def collect(self, day: dt.date, posts: list[PublishedPost]) -> DayFigures:
        plays = self._read()
        final = self.clock.now() >= dt.datetime.combine(day, dt.time(0), tzinfo=self.tz) + SETTLE
        note = f"播放记录中有 {plays.bad_lines} 行无法识别，已跳过" if plays.bad_lines else ""
        got = plays.days.get(day)
        if got is None:
            return DayFigures(final=final, note=note)
        sid = self.screen_id
        figures = [Figure(sid, "plays", got.plays), Figure(sid, "items", len(got.items - {""})), Figure(sid, "seconds", got.seconds)]
        figures += [Figure(post, "plays", count, post) for post, count in sorted(got.posts.items())]
        return DayFigures(tuple(figures), final=final, note=note)

    def _read(self) -> Plays:
        if self._plays is None:
            try:
                with self.path.open(encoding="utf-8", errors="replace") as f:
                    self._plays = tally(f, self.tz)
            except FileNotFoundError:
                self._plays = Plays()
        return self._plays

    def close(self) -> None:
        self._plays = None
