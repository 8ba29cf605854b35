"""Building the day's playlists of every screen (or one): what `qm screen build` and the daemon run.

Screens follow the same rule as every channel: nothing goes on the wall before a person approved
it. A featured or launch item is shown only when its screen post is approved in the queue, at the
words it shows (a slide is drawn from the library as it stands: words changed since the approval
keep it off the wall until a person approves them: `edited_since_approval`, `held_words`); the theme slide and
the rotating slogans come from the campaign and the library as they stand, except an item a person
rejected (a post of it on any channel), which does not rotate while it stays rejected, and a slogan
`qm check` reports, which rotates on no wall (`slogan_check`: the playlists are made from the library it
vetted, and the build and the daemon, which checked it, say which and why). Days
before today are never published, so a past day (a reconstruction for a report, or the 2016
example) is built from the plan as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..channels.screen.config import ScreenConfig
from ..inputs.campaign import Campaign
from ..inputs.campaign_days import check_day
from ..planning.planner import Plan, PlannedPost
from ..poster.job import Job
from ..publishing.states import ALL_CHANNELS, APPROVED_STATES, CANCELLED, REJECTED
from ..support.errors import InputError
from ..support.file_digest import file_digest
from .build import Built, build_many, current_folder, playlist_day, screens_root, slide_jobs
from .playlist import Playlist, make_playlist, paused_playlist
from .slogan_check import Vetted

if TYPE_CHECKING:  # drawing code (Pillow) loads when a build draws, not where playlists are only chosen
    from ..poster.batch import Progress
    from ..publishing.queue import Post, Queue
    from ..rendering.payloads import Renderer


def pick_screens(campaign: Campaign, name: str | None) -> list[ScreenConfig]:
    """Every configured screen, or the one called `name` (its id); unknown names are bad input."""
    if not campaign.screens:
        raise InputError("配置中没有户外电子屏（在 config.yaml 的 channels.screens 中添加）")
    if name is None:
        return list(campaign.screens)
    found = [s for s in campaign.screens if s.id == name or s.name == name]
    if not found:
        ids = "、".join(f"{s.id}（{s.title}）" for s in campaign.screens)
        raise InputError(f"没有编号为 {name!r} 的电子屏（可用：{ids}）")
    return found


EDITED = "edited"  # a state the queue never holds: an approved post whose words changed since (`edited_since_approval`)
PAUSED = "paused:"  # before a channel's name (no post id starts so): the reason it is paused (`queue_states`)


@dataclass(frozen=True)
class Approval:
    """What the queue lets on the screens (see the module's rule), by its states of the posts (or `EDITED`).
    Without a day (`everything`): the whole plan, as a preview shows it."""

    states: Mapping[str, str] = field(default_factory=dict)
    today: dt.date | None = None

    def pause_of(self, screen: ScreenConfig) -> str:
        """Why the screen's channel (or every channel) is paused, "" when it is not (`queue_states`)."""
        return self.states.get(PAUSED + screen.name) or self.states.get(PAUSED + ALL_CHANNELS, "")

    def __call__(self, post: PlannedPost) -> bool:
        if self.today is None:
            return True
        state = self.states.get(post.id)
        return state in APPROVED_STATES if state is not None else post.slot.day < self.today

    def rejected(self, posts: Iterable[PlannedPost]) -> set[str]:
        """The items of `posts` a person rejected on any channel: they never rotate as slogans. Not those
        cancelled: a cancel withdraws one post from its slot (an event moved, a slot not needed) and
        judges no words; `qm retry` sends it again."""
        return {p.item.id for p in posts if self.states.get(p.id) == REJECTED}


everything = Approval()


def approval(states: Mapping[str, str], today: dt.date) -> Approval:
    """Which posts may go on a screen, from the queue's states by post id (see the module's rule)."""
    return Approval(states, today)


def queue_states(queue: Queue, found: Iterable[Post], edited: Iterable[str]) -> dict[str, str]:
    """The states an `Approval` reads: of every rejected post (on any day: such an item rotates as no slogan),
    of the posts `found` around the days shown, `EDITED` for the `edited` ones (`edited_since_approval`), and
    under `PAUSED` + a channel (or `ALL_CHANNELS`) the reason of each pause (`pause_states`)."""
    states = {p.id: p.state for p in queue.find([REJECTED])}
    return states | {p.id: p.state for p in found} | dict.fromkeys(edited, EDITED) | pause_states(queue)


def pause_states(queue: Queue) -> dict[str, str]:
    """Under `PAUSED` + a channel (or `ALL_CHANNELS`) the reason of each pause (`qm pause`): all an `Approval`
    needs to tell the paused screens (`paused_playlists`)."""
    from ..publishing.review import paused

    return {PAUSED + channel: reason or "已暂停" for channel, (reason, _, _) in paused(queue).items()}


def edited_since_approval(renderer: Renderer, queued: Iterable[Post], posts: Iterable[PlannedPost]) -> list[tuple[PlannedPost, str]]:
    """Those of `posts` the queue holds approved at other words than they have now: their content changed
    after the approval (a refill sends them back to review, but not one already out: `LOCKED`). Each with
    its version now, as a refill computes it (`Renderer.render`, once a post)."""
    approved = {p.id: p.approved_version for p in queued if p.state in APPROVED_STATES}
    now = ((p, renderer.render(p).version) for p in posts if p.id in approved)
    return [(p, version) for p, version in now if version != approved[p.id]]


@dataclass(frozen=True)
class DayBuild:
    built: list[Built]
    held: list[PlannedPost]  # screen posts left out because nobody approved them (their words)
    edited: frozenset[str] = frozenset()  # of those, the ones approved at words they have no longer (`EDITED`)
    cancelled: frozenset[str] = frozenset()  # of those, the ones staff cancelled


def build_day(
    campaign: Campaign,
    plan: Plan,
    library: Vetted,
    day: dt.date,
    screens: list[ScreenConfig] | None = None,
    *,
    approved: Approval = everything,
    root: Path | None = None,
    workers: int | None = None,
    now: dt.datetime | None = None,
) -> DayBuild:
    (one,) = build_days(campaign, plan, library, [day], screens, approved=approved, root=root, workers=workers, now=now)
    return one


@dataclass(frozen=True)
class DayPlaylists:
    day: dt.date
    playlists: list[Playlist]
    held: list[PlannedPost]
    edited: frozenset[str] = frozenset()
    cancelled: frozenset[str] = frozenset()


def day_playlists(
    campaign: Campaign, plan: Plan, library: Vetted, days: list[dt.date], screens: list[ScreenConfig] | None, approved: Approval
) -> list[DayPlaylists]:
    """Each day's playlist of each chosen screen (pure: nothing drawn), rotating the slogans of `library`."""
    chosen = screens or list(campaign.screens)
    names = {s.name for s in chosen}
    rejected = approved.rejected(plan.posts)
    out = []
    for day in days:
        check_day(campaign, day)
        mine = [p for p in plan.on(day) if p.channel in names]
        shown = [p for p in mine if approved(p)]
        playlists = [make_playlist(campaign, screen, shown, library, day, rejected, approved.pause_of(screen)) for screen in chosen]
        held = [p for p in mine if p not in shown]
        edited, cancelled = (frozenset(p.id for p in held if approved.states.get(p.id) == state) for state in (EDITED, CANCELLED))
        out.append(DayPlaylists(day, playlists, held, edited, cancelled))
    return out


def build_days(
    campaign: Campaign,
    plan: Plan,
    library: Vetted,
    days: list[dt.date],
    screens: list[ScreenConfig] | None = None,
    *,
    approved: Approval = everything,
    root: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> list[DayBuild]:
    """Any number of days in one go: every slide of every day is drawn first, in one parallel batch
    (fonts loaded once per worker), then every day's playlist is written; `current` as `write_days` says."""
    from ..poster import batch

    days_playlists = day_playlists(campaign, plan, library, days, screens, approved)
    batch.make_all(campaign, slides_of(campaign, days_playlists), workers=workers, progress=progress)
    return write_days(campaign, days_playlists, root, now)


def slides_of(campaign: Campaign, days: list[DayPlaylists]) -> list[Job]:
    """Every slide the days' playlists show: drawn first, writing the playlists then draws nothing."""
    return [j for d in days for p in d.playlists for j in slide_jobs(campaign, p)]


def write_days(campaign: Campaign, days: list[DayPlaylists], root: Path | None = None, now: dt.datetime | None = None) -> list[DayBuild]:
    """The days' playlists written. While the campaign is on a screen's wall (`due_days` at `now`),
    its `current` moves only to the due day's playlist: a day built ahead (or after) waits in its
    folder. Before the campaign, `current` stays on the earliest day built so far (the day the screen
    plays first), moving only to an earlier day or a new version of that one. After it, `current`
    ends on the screen's playlist of the last day given."""
    now = now or dt.datetime.now(campaign.timezone)
    due = due_days(campaign, now)
    early = [s.id for s in campaign.screens if day_for(campaign, s, now) < campaign.start]
    playlists = [p for d in days for p in d.playlists]
    built = iter(build_many(campaign, playlists, root or screens_root(campaign), workers=1, due=due, early=early))
    return [DayBuild([next(built) for _ in d.playlists], d.held, d.edited, d.cancelled) for d in days]


def in_order(first: dt.date, last: dt.date, today: dt.date) -> list[dt.date]:
    """The days from `first` to `last`, the one nearest today last: after the campaign (`write_days`),
    a build of many days leaves `current` on the day nearest today (its last)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    nearest = min(max(today, first), last)
    return [d for d in days if d != nearest] + [nearest]


def day_for(campaign: Campaign, screen: ScreenConfig, now: dt.datetime) -> dt.date:
    """The day a screen's current playlist should be for: today until its on-hours end, then tomorrow."""
    today = now.astimezone(campaign.timezone).date()
    return today if now < campaign.at(today, screen.on_to) else today + dt.timedelta(days=1)


def due_days(campaign: Campaign, now: dt.datetime) -> dict[str, dt.date]:
    """By screen id, the campaign day each screen's `current` must show at `now` (`day_for`); a screen
    whose coming or current on-hours fall outside the campaign has none."""
    days = {screen.id: day_for(campaign, screen, now) for screen in campaign.screens}
    return {screen: day for screen, day in days.items() if campaign.start <= day <= campaign.end}


def back_inside(campaign: Campaign) -> dict[str, dt.date]:
    """By screen id, for each screen whose `current` playlist is for a day outside the campaign (the period was
    shortened since it was built), the campaign's day nearest that one: its playlist takes `current`, whose
    on-hours are not that day's (the player shows black then), so the day outside plays nothing."""
    root, out = screens_root(campaign), {}
    for screen in campaign.screens:
        folder = current_folder(root, screen.id)
        day = playlist_day(folder) if folder is not None else None
        if day is not None and not campaign.start <= day <= campaign.end:
            out[screen.id] = min(max(day, campaign.start), campaign.end)
    return out


def due_playlists(campaign: Campaign, plan: Plan, library: Vetted, now: dt.datetime, approved: Approval) -> list[Playlist]:
    """Each screen's playlist for its coming or current on-hours, inside the campaign, or of the campaign's day
    nearest the day outside it its `current` shows (`back_inside`), rotating the slogans of `library`. Nothing is drawn."""
    out = []
    due = _due(campaign, now)
    rejected = approved.rejected(plan.posts)
    for screen in (s for s in campaign.screens if s.id in due):
        shown = [p for p in plan.on(due[screen.id]) if p.channel == screen.name and approved(p)]
        out.append(make_playlist(campaign, screen, shown, library, due[screen.id], rejected, approved.pause_of(screen)))
    return out


def _due(campaign: Campaign, now: dt.datetime) -> dict[str, dt.date]:
    return {**back_inside(campaign), **due_days(campaign, now)}


def paused_playlists(campaign: Campaign, now: dt.datetime, approved: Approval) -> list[Playlist]:
    """The empty playlists of the paused screens, for the days `due_playlists` gives them: a pause needs
    neither the plan nor the library, so it takes the campaign off the wall even while a content file does not load."""
    due = _due(campaign, now)
    return [paused_playlist(campaign, s, due[s.id], why) for s in campaign.screens if s.id in due and (why := approved.pause_of(s))]


def sources_stamp(campaign: Campaign, playlists: list[Playlist]) -> str:
    """Everything a rebuild reads besides the texts: while it is unchanged, the screens need nothing."""
    root = screens_root(campaign)
    posters = campaign.paths.templates / "posters"
    extra = (campaign.brand.logo, campaign.brand.font, campaign.posters.photo)
    blob = {
        "playlists": [p.version for p in playlists],
        "brand": repr(campaign.brand),
        "files": [_file_stamp(f) for f in sorted(posters.rglob("*.yaml"))],
        "pictures": [file_digest(f) for f in extra if f is not None],  # by content: a logo saved again unchanged rebuilds nothing
        "current": [str(current_folder(root, p.screen.id)) for p in playlists],  # a deleted folder is rebuilt
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def _file_stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"
