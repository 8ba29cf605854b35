"""Value types every layer shares: image references, poster paths, receipts.

Neutral ground: this module imports nothing of the project, so planning, rendering, posters, the
queue and the channels can all use these types without depending on one another.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

IMAGE_SCHEME = "qm-image:"  # a placeholder a channel replaces with an uploaded URL, a preview with a file


@dataclass(frozen=True)
class ImageRef:
    """An image a post needs: a poster of `item` in `layout` at `size`, referenced as `ref`."""

    ref: str
    item: str
    layout: str
    size: str


# The image file for an image reference (a poster, drawn when missing). Given to the channels by
# whoever makes them (the daemon, the CLI), so a channel never loads content or draws itself.
ImageSource = Callable[[ImageRef], Path]


@runtime_checkable
class ApprovedImages(Protocol):
    """An `ImageSource` that also gives a post's picture only as approved (the daemon's poster files):
    a file whose bytes were read once, found drawn from inputs that make the post's `version`, and copied
    where nothing else writes them; `PicturesNotApproved` when the inputs make another version."""

    def __call__(self, image: ImageRef) -> Path: ...

    def approved(self, channel: str, payload: Mapping[str, Any], version: str, images: Sequence[ImageRef], image: ImageRef) -> Path: ...


def image_refs(html: str) -> list[str]:
    """The image placeholders in a rendered body, in order."""
    return re.findall(rf'"({IMAGE_SCHEME}[^"]+)"', html)


def poster_path(posters_dir: Path, image: ImageRef) -> Path:
    """Where the poster for an image reference lands: posters/<item>/<layout>-<size>.png."""
    return posters_dir / image.item / f"{image.layout}-{image.size}.png"


def drawn_poster(posters_dir: Path, image: ImageRef) -> tuple[Path, int] | None:
    """The poster file drawn for `image` and when it was written (ns), or None when it is not drawn. The one
    place that knows where a drawn poster is: a PNG or, too big for one (`poster/export.py`), a JPEG."""
    png = poster_path(posters_dir, image)
    for path in (png, png.with_suffix(".jpg")):
        try:
            found = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(found.st_mode):
            return path, found.st_mtime_ns
    return None


def drawn_at(posters_dir: Path, image: ImageRef) -> int:
    """When the poster for `image` was last written (ns); 0 when not drawn."""
    drawn = drawn_poster(posters_dir, image)
    return drawn[1] if drawn else 0


@dataclass(frozen=True)
class Receipt:
    """What a channel reports after publishing a post (see channels.base)."""

    status: Literal["published", "accepted"]
    external_id: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # channel specifics: media ids, publish_id, msg_id…

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "external_id": self.external_id, "url": self.url, "data": self.data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Receipt:
        return cls(data["status"], data.get("external_id", ""), data.get("url", ""), data.get("data", {}))


# Receipt keys under which channels store the platform's id of an irrevocable call.
COMMITTED_KEYS = {"publish_id": "微信发布任务 publish_id", "msg_id": "微信群发 msg_id", "idstr": "微博编号"}


def committed(receipt: Receipt | None) -> str:
    """What the platform already took for this post ("微信发布任务 publish_id 123"), or "" if nothing
    irrevocable is on record. A committed post is polled or confirmed by a person, never sent again."""
    data = receipt.data if receipt is not None else {}
    for key, label in COMMITTED_KEYS.items():
        if data.get(key):
            return f"{label} {data[key]}"
    return ""


# Receipt keys under which channels store when the platform put the post out: the outbox's folder
# (ISO time), a WeChat mass send (epoch seconds, when sendall answered), Weibo's answer (created_at).
WENT_OUT_KEYS = ("published_at", "sent_at", "created_at")


def went_out_at(receipt: Receipt, now: float) -> float:
    """When the post really went out, as the receipt says; `now` when it does not say (or says a
    time still to come). A post recorded long after it went out (reconciled after a crash or a
    restored backup) keeps its true time: quotas and statistics count it on the right day."""
    when = stated_went_out(receipt)
    return now if when is None else min(when, now)


def stated_went_out(receipt: Receipt | None) -> float | None:
    """When the post went out, if its receipt says (None when it does not: a WeChat publish job's poll
    answers without a time, so its `published_at` is when qm saw it published)."""
    return _first_moment(receipt, WENT_OUT_KEYS)


# Receipt keys under which channels store when they handed the post over and the platform took it: a
# WeChat publish job (freepublish/submit answered; the platform reviews it after that), then the above.
HANDED_KEYS = ("submitted_at", *WENT_OUT_KEYS)


def handed_at(receipt: Receipt | None) -> float | None:
    """When qm handed the post to its platform and the platform took it, as the receipt says (None when
    it does not say). This is when a post counts as sent: how late it was is qm's doing, the time the
    platform then takes to review it is not."""
    return _first_moment(receipt, HANDED_KEYS)


def _first_moment(receipt: Receipt | None, keys: tuple[str, ...]) -> float | None:
    data = receipt.data if receipt is not None else {}
    for key in keys:
        when = _moment(data.get(key))
        if when is not None:
            return when
    return None


def _moment(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    for parse in (dt.datetime.fromisoformat, _weibo_time):
        try:
            parsed = parse(value)
        except (ValueError, TypeError, IndexError):
            continue
        return parsed.timestamp() if parsed.tzinfo is not None else None
    return None


def _weibo_time(text: str) -> dt.datetime:
    """Weibo's `Tue Sep 07 20:00:03 +0800 2027`, read whatever the machine's locale."""
    import email.utils  # only for a receipt that needs it

    _weekday, month, day, clock, zone, year = text.split()
    return email.utils.parsedate_to_datetime(f"{day} {month} {year} {clock} {zone}")
