"""Writing a screen's playlist to disk so that a reader never sees half of it.

    <state>/screens/<screen id>/
        current -> 3f2a9c0d41be        symlink, swapped in one rename
        3f2a9c0d41be/                   one folder per version, never changed once in place
            playlist.json   order, file, duration, valid from/to, version
            playlist.m3u    the same for media players (VLC reads the image durations)
            slides/01-launch-….png      drawn at the screen's exact pixel size
        <previous version>/             kept for readers that are half-way through it

A build draws the slides (the poster cache skips unchanged ones), writes a new version folder under
a hidden temporary name, renames it into place, then points `current` at it by renaming a fresh
symlink over the old one. A build whose version is already current changes nothing.

A build of several days (`build_many`) writes every day's version folder and points `current` once
per screen: at its playlist of the day the caller says is due on that screen (a build of other days
only leaves their folders ready and `current` as it was); before the campaign, at the earliest day it
shows or is given (the day it will play first: a build of later days leaves it); else at its last one.

Pruning keeps one folder per day: the latest version of every day a screen has a playlist for (the
one this build made for its days, the newest one for the others), plus the folder `current` points
at and the one it pointed at before, for readers half-way through it. Older versions of a day go.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..inputs.campaign import Campaign
from ..poster import job_for
from ..poster.job import Job
from ..support.atomic_files import fsync_dir
from ..support.errors import RuntimeFailure
from ..support.values import ImageRef
from .playlist import Playlist

CURRENT = "current"
VERSION_RE = re.compile(r"^[0-9a-f]{12}$")


@dataclass(frozen=True)
class Built:
    screen: str
    day: dt.date
    folder: Path  # the playlist's version folder
    version: str
    changed: bool  # False: this version was already there, and `current` did not move to it
    current: bool  # `current` points at it (a build of a day not due on the screen leaves `current` alone)
    paused: str = ""  # why the screen's channel is paused: the playlist has no slides (`Playlist.paused`)


def screens_root(campaign: Campaign) -> Path:
    return campaign.paths.state / "screens"


def current_folder(root: Path, screen_id: str) -> Path | None:
    link = root / screen_id / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def playlist_day(folder: Path) -> dt.date | None:
    """The day a version folder's playlist is for (None: no readable playlist in it)."""
    try:
        return dt.date.fromisoformat(json.loads((folder / "playlist.json").read_text(encoding="utf-8"))["date"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def day_folder(root: Path, screen_id: str, day: dt.date) -> Path | None:
    """The version folder of the screen's playlist for `day`: the one `current` points at when it is that day's,
    else the one written last for that day (pruning keeps one a day besides `current`); None when none was built."""
    current = current_folder(root, screen_id)
    if current is not None and playlist_day(current) == day:
        return current
    screen_dir = root / screen_id
    found = [e for e in screen_dir.iterdir() if VERSION_RE.match(e.name) and not e.is_symlink()] if screen_dir.is_dir() else []
    mine = [e for e in found if playlist_day(e) == day]
    return max(mine, key=_written) if mine else None


def build(campaign: Campaign, playlist: Playlist, root: Path, workers: int | None = None) -> Built:
    """Draw the playlist's slides and make it the screen's current playlist."""
    return build_many(campaign, [playlist], root, workers)[0]


def build_many(
    campaign: Campaign,
    playlists: list[Playlist],
    root: Path,
    workers: int | None = None,
    due: Mapping[str, dt.date] | None = None,
    early: Collection[str] = (),
) -> list[Built]:
    """Write every playlist's version folder. A screen in `due` (screen id -> the day its `current`
    must show) gets `current` on its playlist of that day, and keeps it where it was when none of
    its playlists is for that day. A screen in `early` (its campaign not started) treats as due the
    earliest of the days given and the day its `current` shows, unless that is before the campaign (the
    period's start moved later since). Any other screen's `current` ends on its last playlist.

    The slides are drawn first, all in one batch (unchanged ones are skipped)."""
    from ..poster import batch  # drawing code (Pillow) loads here: the daemon only hands playlists to its drawing child

    jobs = [slide_jobs(campaign, p) for p in playlists]
    made = batch.make_all(campaign, [j for js in jobs for j in js], workers=workers)
    files = {m.job.out: m.files[0] for m in made.drawn + made.skipped}
    by_screen: dict[str, list[tuple[Playlist, list[Path]]]] = {}
    for playlist, js in zip(playlists, jobs, strict=True):
        by_screen.setdefault(playlist.screen.id, []).append((playlist, [files[j.out] for j in js]))
    due = due or {}
    built = {
        id(p): b
        for screen, todo in by_screen.items()
        for p, b in _build_screen(root, todo, due.get(screen), campaign.start if screen in early else None)
    }
    return [built[id(p)] for p in playlists]


def _build_screen(
    root: Path, todo: list[tuple[Playlist, list[Path]]], due: dt.date | None, first: dt.date | None
) -> list[tuple[Playlist, Built]]:
    """`first`: the campaign's first day, when it has not started (see `build_many`)."""
    screen_dir = root / todo[0][0].screen.id
    out: list[tuple[Playlist, Built]] = []
    try:
        screen_dir.mkdir(parents=True, exist_ok=True)
        with _locked(screen_dir):
            previous = current_folder(root, screen_dir.name)
            if due is None and first is not None:
                shows = playlist_day(previous) if previous is not None else None
                due = min([p.day for p, _ in todo] + ([shows] if shows and shows >= first else []))
            for playlist, slides in todo:
                version = _version(playlist, slides)
                folder = screen_dir / version
                fresh = not folder.is_dir()
                if fresh:
                    _write_version(screen_dir, folder, playlist, slides, version)
                out.append((playlist, Built(screen_dir.name, playlist.day, folder, version, fresh, False, playlist.paused)))
            shown = [b for p, b in out if due is None or p.day == due][-1:]
            for made in shown:
                if previous != made.folder.resolve():
                    _point_current(screen_dir, made.version)
            after = current_folder(root, screen_dir.name)
            out = [(p, _as_current(b, after, moved=b in shown and previous != after)) for p, b in out]
            _prune(screen_dir, made={b.version for _, b in out}, pinned={f.name for f in (previous, after) if f is not None})
    except OSError as exc:
        raise RuntimeFailure(f"无法写入电子屏播放列表 {screen_dir}：{exc.strerror}（检查目录权限和磁盘空间）") from exc
    return out


def _as_current(built: Built, current: Path | None, moved: bool) -> Built:
    return dataclasses.replace(built, changed=built.changed or moved, current=built.folder.resolve() == current)


def slide_jobs(campaign: Campaign, playlist: Playlist) -> list[Job]:
    """The posters a playlist shows, at its screen's pixel size."""
    size = f"{playlist.screen.width}x{playlist.screen.height}"
    return [job_for(campaign, s.text, ImageRef("", s.text.id, s.layout, size)) for s in playlist.slides]


def _version(playlist: Playlist, files: list[Path]) -> str:
    """The playlist's own version plus the slide images: a new brand colour makes a new version too."""
    h = hashlib.sha256(playlist.version.encode())
    for f in files:
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:12]


def _write_version(screen_dir: Path, folder: Path, playlist: Playlist, files: list[Path], version: str) -> None:
    tmp = Path(tempfile.mkdtemp(dir=screen_dir, prefix=".build-"))
    try:
        (tmp / "slides").mkdir()
        names = []
        for n, (slide, source) in enumerate(zip(playlist.slides, files, strict=True), start=1):
            name = f"slides/{n:02d}-{slide.key}{source.suffix}"
            _link_or_copy(source, tmp / name)
            names.append(name)
        document = playlist_document(playlist, names, version)
        _write(tmp / "playlist.json", json.dumps(document, ensure_ascii=False, indent=2))
        _write(tmp / "playlist.m3u", m3u(document))
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; the folder is served and read by other programs
        fsync_dir(tmp / "slides")
        fsync_dir(tmp)
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to the drawn slide (no copy: a redrawn poster is a new file, this one stays as it
    is); a copy where the posters live on another file system."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def playlist_document(playlist: Playlist, files: list[str], version: str) -> dict[str, Any]:
    slides = [{"order": n, "file": f, **s.to_json()} for n, (s, f) in enumerate(zip(playlist.slides, files, strict=True), start=1)]
    return {
        **playlist.head(),
        "timezone": str(playlist.valid_from.tzinfo),
        "version": version,
        "content_version": playlist.version,
        "seconds": sum(s.seconds for s in playlist.slides),
        "slides": slides,
    }


def m3u(document: dict[str, Any]) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{document['name']} {document['date']}"]
    for slide in document["slides"]:
        lines += [f"#EXTINF:{slide['duration']},{slide['title']}", f"#EXTVLCOPT:image-duration={slide['duration']}", slide["file"]]
    return "\n".join(lines) + "\n"


def _point_current(screen_dir: Path, version: str) -> None:
    link = screen_dir / f".{CURRENT}-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version, link)  # relative: the folder can be moved or mounted elsewhere
    os.replace(link, screen_dir / CURRENT)
    fsync_dir(screen_dir)


def _prune(screen_dir: Path, made: set[str], pinned: set[str]) -> None:
    """Remove left-over temporary folders and every version a later one of its day replaced: the
    versions this build `made` stand for their days, the newest folder for every other day;
    `pinned` ones (`current` and the one before it) stay whatever their day."""
    folders = [e for e in screen_dir.iterdir() if e.is_dir() and not e.is_symlink()]
    versions = [e for e in folders if VERSION_RE.match(e.name)]
    days = {e.name: playlist_day(e) for e in versions}
    claimed = {days.get(name) for name in made}
    newest: dict[dt.date, Path] = {}
    for entry in versions:
        day = days[entry.name]
        if day is not None and day not in claimed and (day not in newest or _written(entry) > _written(newest[day])):
            newest[day] = entry
    keep = made | pinned | {e.name for e in newest.values()}
    for entry in folders:
        if entry.name.startswith(".build-") or (entry.name in days and entry.name not in keep):
            shutil.rmtree(entry, ignore_errors=True)


def _written(folder: Path) -> int:
    """When a version folder was written (its files never change once it is in place)."""
    return (folder / "playlist.json").stat().st_mtime_ns


@contextmanager
def _locked(screen_dir: Path) -> Iterator[None]:
    """One build of a screen at a time (the daemon and a `qm screen build` may overlap)."""
    with (screen_dir / ".lock").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    path.chmod(0o644)
