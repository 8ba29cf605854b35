"""Proof of play: what a player reports is checked against the playlists qm built before it is written.

A report counts only when it names a slide of a playlist built for that screen (its version folder
is there) by its order, agrees with the playlist about the slide (file, item, post, duration) and was
shown inside that playlist's on-hours, not ahead of the server's clock by more than `AHEAD`. What is
written comes from the playlist, not from the report; only the time is the player's.

The log cannot grow beyond what a wall can show: per screen and day, the slides' durations add up to
at most the on-hours (a wall shows one slide at a time) and a tenth more; beyond that reports are
refused and a warning is logged once per screen and day. A report sent again (the player did not hear
the answer) is written once. What has been written is read back once, at the first report after start.

Refused entries are answered, not failed: the player forgets them, so one bad entry never holds up
the reports after it (`Recorded.refused` says why, in Chinese, and the log has it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..support.logs import event
from .build import VERSION_RE

log = logging.getLogger("qm.screens")

MAX_ENTRIES = 200  # per report; the player sends at most 100
AHEAD = dt.timedelta(minutes=5)  # a player's clock may run this much ahead of the server's
EDGE = dt.timedelta(minutes=1)  # around the on-hours
SPARE = 1.1  # the day's durations may add up to this much of the on-hours (reloads cut slides short)
AGREES = ("file", "item", "post", "duration")
PLAYLISTS_KEPT = 64


@dataclass
class Recorded:
    lines: list[dict[str, Any]] = field(default_factory=list)  # written now
    refused: list[str] = field(default_factory=list)


@dataclass
class _Log:
    """What one screen's log holds: the plays already written and each day's on-air seconds."""

    seen: set[tuple[str, int, str]] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    warned: set[str] = field(default_factory=set)


class ProofOfPlay:
    def __init__(self, screens_dir: Path, log_dir: Path, tz: dt.tzinfo) -> None:
        self.screens_dir = screens_dir
        self.log_dir = log_dir
        self.tz = tz
        self._playlists: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._logs: dict[str, _Log] = {}
        self._lock = threading.Lock()

    def record(self, screen_id: str, shown: list[dict[str, Any]], player: str, now: dt.datetime) -> Recorded:
        """Check each entry of a report (each `well_formed`), append the good ones to `<log_dir>/<screen>.jsonl`."""
        out = Recorded()
        checked = []
        for n, entry in enumerate(shown, start=1):
            found = self._check(screen_id, entry, now)
            if isinstance(found, str):
                out.refused.append(f"第 {n} 条：{found}")
            else:
                checked.append((n, *found))
        received = now.isoformat(timespec="seconds")
        with self._lock:
            screen_log = self._log(screen_id)
            for n, line, window in checked:
                key = (line["version"], line["order"], line["shown_at"])
                if key in screen_log.seen:
                    continue
                day = line["shown_at"][:10]
                if screen_log.seconds[day] + line["duration"] > window * SPARE:
                    out.refused.append(f"第 {n} 条：{day} 记下的播放时长已超过开屏时长，不再记录")
                    if day not in screen_log.warned:
                        screen_log.warned.add(day)
                        event(log, "proof_of_play_full", logging.WARNING, screen=screen_id, day=day)
                    continue
                screen_log.seen.add(key)
                screen_log.seconds[day] += line["duration"]
                out.lines.append({"screen": screen_id, **line, "received_at": received, "player": player})
            if out.lines:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                with (self.log_dir / f"{screen_id}.jsonl").open("a", encoding="utf-8") as f:
                    f.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in out.lines))
        if out.refused:
            event(
                log, "proof_of_play_refused", logging.WARNING, screen=screen_id, player=player, count=len(out.refused), first=out.refused[0]
            )
        return out

    def _check(self, screen_id: str, entry: dict[str, Any], now: dt.datetime) -> tuple[dict[str, Any], float] | str:
        """(the line to write, the on-hours in seconds) or why the entry is refused."""
        version, order = entry["version"], entry["order"]
        playlist = self._playlist(screen_id, version) if VERSION_RE.match(version) else None
        if playlist is None:
            return f"这块屏没有版本为 {version[:20]} 的播放列表"
        slide = next((s for s in playlist["slides"] if s.get("order") == order), None)
        if slide is None:
            return f"播放列表 {version} 没有第 {order} 张"
        differs = [k for k in AGREES if k in entry and entry[k] != slide.get(k)]
        if differs:
            return f"播放列表 {version} 第 {order} 张的 {'、'.join(differs)} 与报告的不同"
        try:
            shown = dt.datetime.fromisoformat(str(entry.get("shown_at")))
            opens, closes = (dt.datetime.fromisoformat(playlist[k]) for k in ("valid_from", "valid_to"))
            duration = int(slide["duration"])
        except (ValueError, KeyError, TypeError, OverflowError):
            return "播放时间（shown_at）不是带时区的时间"
        if shown.tzinfo is None:
            return "播放时间（shown_at）不是带时区的时间"
        if shown > now + AHEAD:
            return f"播放时间 {shown.isoformat()} 比服务器的时间晚，播放电脑的时钟不对？"
        if not opens - EDGE <= shown <= closes + EDGE:
            return f"播放时间 {shown.isoformat()} 不在播放列表 {version} 的开屏时段内"
        line = {
            "version": version,
            "order": order,
            "file": slide.get("file"),
            "item": slide.get("item"),
            "post": slide.get("post"),
            "duration": duration,
            "shown_at": shown.astimezone(self.tz).isoformat(timespec="milliseconds"),
        }
        return line, (closes - opens).total_seconds()

    def _playlist(self, screen_id: str, version: str) -> dict[str, Any] | None:
        """A built playlist of the screen (its files never change once written); None when there is none."""
        key = (screen_id, version)
        if key not in self._playlists:
            try:
                document = json.loads((self.screens_dir / screen_id / version / "playlist.json").read_bytes())
                ok = isinstance(document, dict) and isinstance(document.get("slides"), list)
            except (OSError, ValueError):
                document, ok = None, False
            if len(self._playlists) >= PLAYLISTS_KEPT:
                self._playlists.clear()
            self._playlists[key] = document if ok else None
        return self._playlists[key]

    def _log(self, screen_id: str) -> _Log:
        """The screen's log as written so far (read at the first report after start)."""
        if screen_id not in self._logs:
            screen_log = _Log()
            try:
                with (self.log_dir / f"{screen_id}.jsonl").open(encoding="utf-8", errors="replace") as f:
                    for text in f:
                        _count(screen_log, text)
            except FileNotFoundError:
                pass
            self._logs[screen_id] = screen_log
        return self._logs[screen_id]


def well_formed(entry: Any) -> bool:
    """An entry as a player makes it: a playlist version (text) and a slide's order (a whole number)."""
    return isinstance(entry, dict) and isinstance(entry.get("version"), str) and type(entry.get("order")) is int


def _count(screen_log: _Log, text: str) -> None:
    try:
        line = json.loads(text)
        key = (str(line["version"]), int(line["order"]), str(line["shown_at"]))
        duration = float(line.get("duration") or 0)
    except (ValueError, KeyError, TypeError, OverflowError):
        return
    screen_log.seen.add(key)
    screen_log.seconds[key[2][:10]] += duration
