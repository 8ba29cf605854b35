"""Work the daemon does ahead of time, in a short-lived child process.

Drawing posters loads fonts and images worth tens of megabytes. The daemon runs for a month, so it
does not draw itself: before posts fall due it has a child process draw the posters they need
(a publish then finds its images ready and is not delayed), and rebuild each screen's playlist.
A round whose inputs have not changed since the last one starts no child at all. The daemon's side
loads no drawing code (Pillow, the QR encoder): it only hands poster jobs and playlists to the child.

The child is a plain `python` process fed its work (pickled) on stdin, which answers on stdout and
exits. Not multiprocessing: starting a spawned process leaves multiprocessing's resource-tracker
process running beside the daemon for the rest of its life (about 13 MB).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem, Library
from ..planning.planner import Plan
from ..poster import job_for
from ..poster.freshness import is_current
from ..poster.job import Job
from ..rendering.payloads import Renderer, Stored
from ..screens.build import Built, build, current_folder, screens_root
from ..screens.daily import Approval, due_playlists, paused_playlists, sources_stamp
from ..screens.left_dark import HeldBack
from ..screens.playlist import Playlist
from ..screens.slogan_check import Vetted
from ..support.errors import QmError, RuntimeFailure
from ..support.values import ImageRef

HORIZON = dt.timedelta(hours=26)  # posters are drawn for the posts of the coming day and a bit


@dataclass(frozen=True)
class Done:
    built: list[Built]  # screen playlists (re)built
    drawn: int  # posters drawn


class Ahead:
    def __init__(self) -> None:
        self._stamp = ""

    def __call__(self, campaign: Campaign, plan: Plan, library: Vetted, now: dt.datetime, approved: Approval) -> Done:
        jobs = missing_posters(campaign, plan, Renderer(campaign), now)
        playlists = due_playlists(campaign, plan, library, now, approved) if campaign.screens else []
        stamp = sources_stamp(campaign, playlists)
        changed = playlists if stamp != self._stamp else []
        if not jobs and not changed:
            return Done([], 0)
        done = in_child(campaign, jobs, changed)
        self._stamp = sources_stamp(campaign, playlists)  # after the build: `current` moved
        return done

    def held_back(self, campaign: Campaign, library: Library, queued: Sequence[Stored], now: dt.datetime, approved: Approval) -> HeldBack:
        """`held_back`, with the paused screens emptied all the same (`paused_playlists`): built when they differ
        from what the last round built (its stamp, as a whole round's), so once while they stay the same."""
        paused = paused_playlists(campaign, now, approved) if campaign.screens else []
        changed = paused if sources_stamp(campaign, paused) != self._stamp else []
        still_paused = {s.id for s in campaign.screens if approved.pause_of(s)}  # past the last day too, when none is due
        error = held_back(campaign, library, queued, now, changed, left_dark(campaign, still_paused))
        if changed:
            self._stamp = sources_stamp(campaign, paused)  # after the build: `current` moved
        return error


def held_back(
    campaign: Campaign,
    library: Library,
    queued: Sequence[Stored],
    now: dt.datetime,
    paused: Sequence[Playlist] = (),
    dark: tuple[str, ...] = (),
) -> HeldBack:
    """A library with a file that does not load: no plan, so no playlists (the screens keep theirs, except the
    `paused` screens' empty ones: a pause needs no plan), but the queue's coming posts whose items load get
    their posters. The error names the file and line, and the screens left `dark` (`left_dark`)."""
    jobs: dict[str, Job] = {}
    items = library.by_id
    for post in queued:
        if now.timestamp() <= post.at < (now + HORIZON).timestamp() and (item := items.get(post.item)) is not None:
            _add_missing(jobs, campaign, item, post.images)
    drawn = in_child(campaign, list(jobs.values()), list(paused)).drawn if jobs or paused else 0
    why = f"内容库有 {len(library.problems)} 处文件无法读取，这些文件里的内容暂不准备（已为其他内容画好海报 {drawn} 张）"
    return HeldBack(why, list(library.problems), dark)


def left_dark(campaign: Campaign, still_paused: Collection[str]) -> tuple[str, ...]:
    """The screens (as staff call them) whose wall shows a paused, empty playlist though their channel is not
    paused any more (not in `still_paused`): lifted while no plan can fill them again."""
    root = screens_root(campaign)
    return tuple(
        label_of(campaign, s.name) for s in campaign.screens if s.id not in still_paused and _shows_paused(current_folder(root, s.id))
    )


def _shows_paused(folder: Path | None) -> bool:
    try:
        return folder is not None and bool(json.loads((folder / "playlist.json").read_text(encoding="utf-8")).get("paused"))
    except (OSError, ValueError, AttributeError):
        return False


def missing_posters(campaign: Campaign, plan: Plan, renderer: Renderer, now: dt.datetime) -> list[Job]:
    """Posters that posts due within the horizon need and nobody has drawn yet, or drawn before their inputs changed."""
    jobs: dict[str, Job] = {}
    for post in plan.posts:
        if now <= post.at < now + HORIZON:
            _add_missing(jobs, campaign, post.item, renderer.render(post).images)
    return list(jobs.values())


def _add_missing(jobs: dict[str, Job], campaign: Campaign, item: ContentItem, images: Iterable[ImageRef]) -> None:
    """A job (by image reference) for each of `item`'s images whose poster is not drawn yet, or was drawn
    before its words, the config or its layout changed (`freshness.is_current`)."""
    for image in images:
        if image.ref not in jobs and not is_current(campaign, item, image):
            jobs[image.ref] = job_for(campaign, item, image)


def in_child(campaign: Campaign, jobs: list[Job], playlists: list[Playlist]) -> Done:
    """Draw and build in a fresh interpreter (never a fork of the threaded daemon), which then exits."""
    child = subprocess.run(
        [sys.executable, "-c", "from scheduler.runtime.work_ahead import child; child()"],
        input=pickle.dumps((campaign, jobs, playlists)),
        capture_output=True,
        check=False,
    )
    if child.returncode != 0 or not child.stdout:
        last = child.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"退出码 {child.returncode}"]
        raise RuntimeFailure(f"提前绘图的子进程失败：{last[0]}")
    answer: Done | str = pickle.loads(child.stdout)  # our own child's answer, never outside input
    if isinstance(answer, str):
        raise RuntimeFailure(answer)
    return answer


def child() -> None:
    """The child's side: read the work, do it, answer with `Done` or the reason it failed."""
    from ..support.orphans import die_with_parent

    die_with_parent()  # a daemon killed with -9 takes its drawing child along
    campaign, jobs, playlists = pickle.loads(sys.stdin.buffer.read())
    answer: Done | str
    try:
        answer = _work(campaign, jobs, playlists)
    except QmError as exc:
        answer = "；".join(exc.lines())
    sys.stdout.buffer.write(pickle.dumps(answer))


def _work(campaign: Campaign, jobs: list[Job], playlists: list[Playlist]) -> Done:
    from ..poster import batch

    drawn = len(batch.make_all(campaign, jobs, workers=1).drawn) if jobs else 0
    return Done([build(campaign, p, screens_root(campaign), workers=1) for p in playlists], drawn)
