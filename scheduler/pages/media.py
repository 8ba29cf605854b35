"""The month's posters with their sizes, and what each screen played today (from proof of play)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ..inputs.campaign import Campaign
from ..poster.layout import family_folder, layout_label
from ..poster.sizes import size_label
from ..support.values import ImageRef
from ..views.day_preview import poster_file
from .posts import Checks, Entry

PlayLog = list[tuple[dt.datetime, dict[str, Any]]]  # a screen's plays: (when shown, the player's record)


@dataclass(frozen=True)
class PosterCard:
    item: str
    title: str
    layout: str  # its Chinese name, as the day page says it: 知识卡片, 电子屏画面（知识单）
    size: str  # the size's name
    pixels: str  # 900×383, or "" when not drawn
    kilobytes: int
    relative: str  # path under the posters folder ("" when not drawn): the image URL's tail
    used_by: tuple[str, ...]  # post ids
    stale: bool = False  # drawn before its words (or layout, brand) changed: it shows what will not go out
    day: dt.date = dt.date.min  # the day it is shown under: its first use (the posters page: its first use from today on)
    used: tuple[tuple[str, dt.datetime, str], ...] = ()  # (post id, when, channel id): each post using it, in time order

    @property
    def uses(self) -> tuple[tuple[str, str, str], ...]:
        """(post id, "09:30", or "9月8日 09:30" on another day than `day`, channel id) for each post using it."""
        return tuple((i, f"{at:%H:%M}" if at.date() == self.day else f"{at.month}月{at.day}日 {at:%H:%M}", c) for i, at, c in self.used)


def posters(campaign: Campaign, entries: Iterable[Entry], checks: Checks) -> list[PosterCard]:
    """Every poster the entries' posts use, once each, in time order of first use."""
    seen: dict[tuple[str, str, str], tuple[ImageRef, Entry, list[Entry]]] = {}
    for entry in entries:
        rendered = checks.rendered(entry)
        for image in rendered.images if rendered else ():
            key = (image.item, image.layout, image.size)
            if key not in seen:
                seen[key] = (image, entry, [])
            seen[key][2].append(entry)
    root = campaign.paths.posters
    cards = []
    for image, entry, used in seen.values():
        path = poster_file(campaign, image)
        pixels, kilobytes, relative = "", 0, ""
        if path is not None:
            try:
                with Image.open(path) as im:
                    pixels = f"{im.width}×{im.height}"
                kilobytes = max(1, round(path.stat().st_size / 1024))
                relative = path.relative_to(root).as_posix()
            except (OSError, ValueError):
                pixels = ""
        title = entry.item.title if entry.item and entry.item.id == image.item else image.item
        size = size_label(image.size)
        area = entry.item.area if entry.item is not None and entry.item.id == image.item else ""
        folder = family_folder(campaign.paths.templates, campaign.posters.family_for(area))
        layout = layout_label(folder, image.layout)  # its Chinese name, as the day page says it
        stale = bool(checks.out_of_date(entry.item, [image]))  # judged once while the file and its inputs stay the same
        uses = tuple((e.id, e.at, e.channel) for e in used)
        ids = tuple(e.id for e in used)
        cards.append(PosterCard(image.item, title, layout, size, pixels, kilobytes, relative, ids, stale, entry.at.date(), uses))
    return cards


@dataclass(frozen=True)
class SlidePlays:
    file: str
    item: str
    post: str
    count: int
    first: str
    last: str


@dataclass(frozen=True)
class ScreenDay:
    screen: str
    label: str
    size: str
    plays: int
    slides: tuple[SlidePlays, ...]
    last: str  # time of the last play reported today, "" if none
    players: tuple[str, ...]  # addresses of the PCs that reported


def play_logs(campaign: Campaign) -> dict[str, PlayLog]:
    """Each configured screen's proof-of-play log (<state>/proof-of-play/<screen>.jsonl), read and parsed once for a
    page: (when shown, the record) of each line that reads; an unreadable or missing file has none."""
    folder = campaign.paths.state / "proof-of-play"
    return {screen.id: plays_of(_lines(folder / f"{screen.id}.jsonl")) for screen in campaign.screens}


def plays_of(lines: Iterable[str]) -> PlayLog:
    """Proof-of-play lines (JSON, one play each) as (when shown, the record); bad lines are skipped."""
    out = []
    for line in lines:
        try:
            rec = json.loads(line)
            out.append((dt.datetime.fromisoformat(str(rec["shown_at"])), rec))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def played(campaign: Campaign, day: dt.date, logs: dict[str, PlayLog]) -> list[ScreenDay]:
    """What each configured screen played on `day`, from its log (`play_logs`)."""
    return [played_on(s.id, s.title or s.id, f"{s.width}×{s.height}", logs.get(s.id, []), day) for s in campaign.screens]


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def played_on(screen: str, label: str, size: str, plays: PlayLog, day: dt.date) -> ScreenDay:
    """A screen's plays (`plays_of`) summed up per slide for one day."""
    slides: dict[tuple[str, str], list[str]] = {}
    info: dict[tuple[str, str], tuple[str, str]] = {}
    players: set[str] = set()
    for shown, rec in plays:
        if shown.date() != day:
            continue
        key = (str(rec.get("version", "")), str(rec.get("file", "")))
        slides.setdefault(key, []).append(f"{shown:%H:%M:%S}")
        info[key] = (str(rec.get("item", "")), str(rec.get("post", "")))
        if rec.get("player"):
            players.add(str(rec["player"]))
    rows = [
        SlidePlays(Path(file).name, info[(version, file)][0], info[(version, file)][1], len(times), min(times), max(times))
        for (version, file), times in slides.items()
    ]
    rows.sort(key=lambda r: r.first)
    every = [t for times in slides.values() for t in times]
    return ScreenDay(screen, label, size, len(every), tuple(rows), max(every) if every else "", tuple(sorted(players)))
