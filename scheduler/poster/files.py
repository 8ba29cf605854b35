"""The poster file for an image reference, drawn when missing or out of date: what the daemon and the
CLI give the channels (an `ImageSource`), so that no channel loads content or draws posters itself."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..support.errors import ContentError, PicturesNotApproved, PosterRedrawn, QmError
from ..support.values import ImageRef, poster_path

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..inputs.content import Library

Stamp = tuple[tuple[str, int, int], ...]
SENDING = "sending"  # in the state folder: the pictures being sent, as checked (`PosterFiles.approved`)
READS = 3  # a poster read this many times while drawing ahead redrew it each time: tried again later
KEPT_S = 86400  # a copy sent this long ago is removed (a retry reads and checks the poster again)


class PosterFiles:
    """An `ImageSource`: the poster as the item's words, the config and the layouts make it now.

    A file on disk is used only when it was drawn from those (`freshness.is_current`); else it is drawn
    again first, so a post never goes out with a picture of words that were since corrected. The
    config and the content library are read again when their files changed (the daemon runs for a
    month while staff edit them); a config that no longer loads leaves the last one that did. A content
    file that does not load holds back only its own items' posters (`read_library`)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._config_stamp = _stamp([campaign.config_path])
        self._library: tuple[Stamp, Library] | None = None  # the library, and the files' stamp it was read at

    def __call__(self, image: ImageRef) -> Path:
        """The file; QmError (the item missing from the library, or not loading) or OSError when it cannot be made."""
        from . import ensure
        from .freshness import is_current

        campaign = self._current_campaign()
        path = poster_path(campaign.paths.posters, image)
        library = self._current_library(campaign)
        item = library.get(image.item)
        if item is None:
            if path.is_file():  # its file does not load now: the poster drawn from it while it did
                return path
            raise ContentError(f"内容库中没有内容 {image.item}" + held(library))
        if path.is_file() and is_current(campaign, item, image):
            return path
        return ensure(campaign, item, image)  # drawing pulls in Pillow and fonts: only when a poster is missing or old

    def unapproved(self, channel: str, payload: Mapping[str, Any], version: str, images: Sequence[ImageRef]) -> str:
        """Why the pictures these files give now are not the ones of the post's `version` ("" when they are).

        The queue keeps a post's approved words, but its pictures are drawn from the files as they are
        when it goes out: the words, layouts, brand, logo and photograph must still make the version it
        was approved at (`rendering/picture_look.py`), else the file drawn from them shows what nobody
        approved. Drawing nothing: the version is computed from the inputs."""
        from ..channels.kinds import kind_named
        from ..rendering.picture_look import Looks
        from ..rendering.versions import version_of

        if not images:
            return ""
        campaign = self._current_campaign()
        library = self._current_library(campaign)
        item = library.get(images[0].item)
        if item is None:
            return f"内容库中没有内容 {images[0].item}，无法核对图片是否就是审核通过的版本" + held(library)
        config = campaign.channel(channel)
        kind = kind_named(config.kind) if config is not None else None
        pictures, _ = Looks(campaign).identity(item, images)
        if version_of(payload, pictures, kind.derived if kind is not None else frozenset()) == version:
            return ""
        return f"内容 {item.id} 的海报所用文字、版式或品牌（颜色、标志、照片）在审核通过后改过，图片不再是审核通过的版本"

    def approved(self, channel: str, payload: Mapping[str, Any], version: str, images: Sequence[ImageRef], image: ImageRef) -> Path:
        """The poster of `image` as the post's `version` was approved (`support.values.ApprovedImages`).

        The daemon checks before claiming a post (`unapproved`), but the channel reads the file a moment later:
        an edit saved in between would otherwise draw and send a picture nobody approved. So the bytes are read
        once, then found drawn from the inputs as they are after the reading (the key and digest kept beside the
        poster, `cache.drawn_as`), and those inputs found to make `version` still (else `PicturesNotApproved`:
        back to review). The bytes are copied where nothing else writes (a folder named by their digest) and the
        channel sends that copy: exactly what was checked. An edit saved and undone again within this check goes
        unseen."""
        from .cache import forget
        from .freshness import drawn_from_now

        for _ in range(READS):
            path = self(image)
            data = path.read_bytes()
            campaign = self._current_campaign()
            item = self._current_library(campaign).get(image.item)
            drawn = item is not None and drawn_from_now(campaign, item, image, path.name, data)
            if why := self.unapproved(channel, payload, version, images):
                raise PicturesNotApproved(why)
            if drawn:
                return _sent_copy(campaign.paths.state / SENDING, path.name, data)
            forget(poster_path(campaign.paths.posters, image))  # not the bytes drawn under its key: drawn again
        raise PosterRedrawn(f"海报 {image.layout}（{image.size}）读取时一再被重画，稍后重试")

    def _current_campaign(self) -> Campaign:
        stamp = _stamp([self.campaign.config_path])
        if stamp != self._config_stamp:
            from ..inputs.config import load_campaign

            with contextlib.suppress(QmError):  # the daemon reports a broken config; posters keep the last that loaded
                self.campaign = load_campaign(self.campaign.config_path)
            self._config_stamp = stamp
        return self.campaign

    def _current_library(self, campaign: Campaign) -> Library:
        from ..inputs.content import read_library

        stamp = self._config_stamp + _stamp(_files_under(campaign.paths.content))  # the config gives the words' values
        if self._library is None or self._library[0] != stamp or self._library[1].problems:
            self._library = (stamp, read_library(campaign.paths.content, campaign.text_values, campaign.example_day))
        return self._library[1]


def _sent_copy(folder: Path, name: str, data: bytes) -> Path:
    """`data` kept as `folder/<its digest>/name`; copies kept longer than `KEPT_S` are removed."""
    from ..support.atomic_files import atomic_write_bytes

    with contextlib.suppress(OSError):
        for old in os.scandir(folder):
            if old.is_dir() and time.time() - old.stat().st_mtime > KEPT_S:
                shutil.rmtree(old.path, ignore_errors=True)
    out = folder / hashlib.sha256(data).hexdigest()[:32] / name
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, data, durable=False)
    return out


def _files_under(folder: Path) -> list[Path]:
    return [Path(root, name) for root, _, names in os.walk(folder) for name in sorted(names)]


def _stamp(paths: list[Path]) -> Stamp:
    """Each file's name, size and time: changes when any of them is written, added or removed."""
    out = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def held(library: Library) -> str:
    """Why an item may be missing: the files that do not load, by file:line (none when all load)."""
    if not library.problems:
        return ""
    return f"（内容库有 {len(library.problems)} 处文件无法读取，这条内容可能在其中：{'；'.join(map(str, library.problems))}）"
