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
symlink over the old one. Older versions than the previous one are pruned. A build whose version
is already current changes nothing.

A build of several days (`build_many`) writes every day's version folder, points `current` once at
the last playlist of each screen, and keeps all the versions it wrote (a re-run writes nothing).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
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
    folder: Path  # the version folder `current` points at
    version: str
    changed: bool  # False: this version was already current


def screens_root(campaign: Campaign) -> Path:
    return campaign.paths.state / "screens"


def current_folder(root: Path, screen_id: str) -> Path | None:
    link = root / screen_id / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def build(campaign: Campaign, playlist: Playlist, root: Path, workers: int | None = None) -> Built:
    """Draw the playlist's slides and make it the screen's current playlist."""
    return build_many(campaign, [playlist], root, workers)[0]


def build_many(campaign: Campaign, playlists: list[Playlist], root: Path, workers: int | None = None) -> list[Built]:
    """Write every playlist's version folder; each screen's `current` ends on its last playlist.

    The slides are drawn first, all in one batch (unchanged ones are skipped)."""
    from ..poster import batch  # drawing code (Pillow) loads here: the daemon only hands playlists to its drawing child

    jobs = [slide_jobs(campaign, p) for p in playlists]
    made = batch.make_all(campaign, [j for js in jobs for j in js], workers=workers)
    files = {m.job.out: m.files[0] for m in made.drawn + made.skipped}
    by_screen: dict[str, list[tuple[Playlist, list[Path]]]] = {}
    for playlist, js in zip(playlists, jobs, strict=True):
        by_screen.setdefault(playlist.screen.id, []).append((playlist, [files[j.out] for j in js]))
    built = {id(p): b for todo in by_screen.values() for p, b in _build_screen(root, todo)}
    return [built[id(p)] for p in playlists]


def _build_screen(root: Path, todo: list[tuple[Playlist, list[Path]]]) -> list[tuple[Playlist, Built]]:
    screen_dir = root / todo[0][0].screen.id
    out = []
    try:
        screen_dir.mkdir(parents=True, exist_ok=True)
        with _locked(screen_dir):
            previous = current_folder(root, screen_dir.name)
            for playlist, slides in todo:
                version = _version(playlist, slides)
                folder = screen_dir / version
                fresh = not folder.is_dir()
                if fresh:
                    _write_version(screen_dir, folder, playlist, slides, version)
                out.append((playlist, Built(screen_dir.name, folder, version, fresh)))
            last = out[-1][1]
            if previous != last.folder.resolve():
                _point_current(screen_dir, last.version)
                out[-1] = (out[-1][0], dataclasses.replace(last, changed=True))
            _prune(screen_dir, keep={b.version for _, b in out} | {previous.name if previous else ""})
    except OSError as exc:
        raise RuntimeFailure(f"无法写入电子屏播放列表 {screen_dir}：{exc.strerror}（检查目录权限和磁盘空间）") from exc
    return out


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


def _prune(screen_dir: Path, keep: set[str]) -> None:
    for entry in screen_dir.iterdir():
        stale_version = VERSION_RE.match(entry.name) and entry.name not in keep
        if (stale_version or entry.name.startswith(".build-")) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


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
