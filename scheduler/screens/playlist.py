"""A screen's playlist for one day, as a pure function of the campaign, the plan and the library.

A day's rotation, in order:
    1. launch-day specials: the plan's launch items drawn as launch posters (date and time on them),
       shown twice as long as a normal slide;
    2. the theme slide (the campaign theme and name);
    3. the plan's featured items for that screen and day, each followed by a slogan, so slogans
       rotate continuously between the featured content; slogans change from day to day. They are
       the campaign's standing lines and rotate unreviewed, except the items a person rejected.
A featured item whose slot time is later in the day carries `start`: players show it from then on.
The playlist is valid during that day's on-hours; its version is a hash of everything it says.
A screen whose channel staff paused (`qm pause`: a day of national mourning) gets a playlist with no
slides that says why: its player shows nothing from qm until the pause is lifted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..channels.screen.config import ScreenConfig
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem, Library
from ..planning.planner import PlannedPost
from ..poster.texts import PosterText

LAUNCH_FACTOR = 2  # launch posters carry more text: they stay twice as long
MIN_SLOGANS = 2  # even a day with few featured items rotates this many slogans


@dataclass(frozen=True)
class Slide:
    key: str  # unique within the playlist: names the slide file
    kind: str  # launch | theme | featured | slogan
    text: PosterText
    layout: str  # poster layout in templates/posters
    seconds: int
    post_id: str = ""  # the plan's post, for featured and launch slides
    start: dt.datetime | None = None  # shown only from this time (a slot later in the day)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.text.title if self.kind in ("theme", "slogan") else self.text.headline or self.text.title,
            "item": self.text.id,
            "layout": self.layout,
            "duration": self.seconds,
            "post": self.post_id,
            "start": self.start.isoformat() if self.start else None,
        }


@dataclass(frozen=True)
class Playlist:
    screen: ScreenConfig
    day: dt.date
    valid_from: dt.datetime
    valid_to: dt.datetime
    slides: tuple[Slide, ...]
    paused: str = ""  # why staff paused the screen's channel: no slides then

    @property
    def version(self) -> str:
        """Changes whenever anything the screen would show changes (texts included)."""
        blob = json.dumps(
            {"head": self.head(), "slides": [[s.to_json(), s.text.words()] for s in self.slides]},
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def head(self) -> dict[str, Any]:
        s = self.screen
        return {
            "screen": s.id,
            "name": s.title,
            "width": s.width,
            "height": s.height,
            "date": self.day.isoformat(),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            **({"paused": self.paused} if self.paused else {}),
        }


def on_hours(campaign: Campaign, screen: ScreenConfig, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return campaign.at(day, screen.on_from), campaign.at(day, screen.on_to)


def is_on(campaign: Campaign, screen: ScreenConfig, now: dt.datetime) -> bool:
    """Whether the screen shows slides at `now`: from on_from inclusive to on_to exclusive."""
    start, end = on_hours(campaign, screen, now.astimezone(campaign.timezone).date())
    return start <= now < end


def make_playlist(
    campaign: Campaign,
    screen: ScreenConfig,
    posts: list[PlannedPost],
    library: Library,
    day: dt.date,
    rejected: Collection[str] = (),
    paused: str = "",
) -> Playlist:
    """The playlist of `screen` on `day`; `posts` may be the whole plan (other channels and days are ignored).
    The `rejected` items (a person rejected their words) are never rotated as slogans. `paused`: why the
    screen's channel is paused, which leaves the playlist empty."""
    if paused:
        return paused_playlist(campaign, screen, day, paused)
    valid_from, valid_to = on_hours(campaign, screen, day)
    mine = sorted((p for p in posts if p.channel == screen.name and p.slot.day == day), key=lambda p: (p.at, p.slot.index))
    seconds = screen.slide_seconds
    launch = [_slide(p, "launch", seconds * LAUNCH_FACTOR, valid_from) for p in mine if p.reason == "launch"]
    featured = [_slide(p, "featured", seconds, valid_from) for p in mine if p.reason != "launch"]
    theme = Slide("theme", "theme", PosterText("theme", campaign.theme, campaign.theme, campaign.name), "slogan", seconds)
    used = {p.item.id for p in mine} | set(rejected)
    slogans = [
        Slide(i.id, "slogan", PosterText.of(i), "slogan", seconds)
        for i in daily_slogans(campaign, library, day, max(len(featured), MIN_SLOGANS), used)
    ]
    rotation: list[Slide] = [*launch, theme]
    for n in range(max(len(featured), len(slogans))):
        rotation += featured[n : n + 1] + slogans[n : n + 1]
    return Playlist(screen, day, valid_from, valid_to, tuple(rotation))


def paused_playlist(campaign: Campaign, screen: ScreenConfig, day: dt.date, why: str) -> Playlist:
    """The playlist of a screen whose channel staff paused, for `why`: no slides. It needs neither plan nor library."""
    return Playlist(screen, day, *on_hours(campaign, screen, day), (), why)


def screen_layout(post: PlannedPost) -> str:
    """The poster layout a screen shows this post with (the playlist's slide, the preview's picture)."""
    if post.reason in ("launch", "preview"):
        return "launch"  # the launch poster: date and time of the event on it
    return "slogan" if post.item.is_slogan else "screen-slide"


def _slide(post: PlannedPost, kind: str, seconds: int, valid_from: dt.datetime) -> Slide:
    start = post.at if post.at > valid_from else None
    return Slide(post.item.id, kind, PosterText.of(post.item), screen_layout(post), seconds, post.id, start)


def daily_slogans(campaign: Campaign, library: Library, day: dt.date, count: int, exclude: set[str]) -> list[ContentItem]:
    """`count` slogans for `day`, moving on through the library from one day to the next."""
    pool = [
        i
        for i in library.items
        if i.is_slogan
        and i.allows("screen")
        and i.valid_on(day)
        and i.id not in exclude
        and i.title != campaign.theme  # the theme has its own slide
    ]
    if not pool:
        return []
    offset = (day - campaign.start).days * count
    return [pool[(offset + n) % len(pool)] for n in range(min(count, len(pool)))]
