"""Small pictures of the slides and posters for the console's 电子屏 page: a phone should not fetch a 1920×1080
PNG for each slide of a day. A thumbnail is drawn once with Pillow (imported here only, when one is first asked
for) and kept in <state>/screens/.thumbs (a hidden folder: the player routes never serve it) under the SHA-256 of
the picture's bytes, so a picture that changes gets a new one and an old one is never shown for it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.atomic_files import atomic_write_bytes
from .build import screens_root

WIDTH = 480  # px, the longer side: the page shows a slide 128 CSS px wide (or high), sharp at a phone's 3×
QUALITY = 82
FOLDER = ".thumbs"


def thumbs_folder(campaign: Campaign) -> Path:
    return screens_root(campaign) / FOLDER


def thumbnail(source: Path, folder: Path) -> Path | None:
    """The thumbnail of the picture at `source`, drawn now unless it is in `folder` already; None when the file
    cannot be read or is no picture. The digest is of the very bytes the thumbnail is drawn from."""
    try:
        data = source.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(data).hexdigest()[:32]
    path = folder / f"{digest}-{WIDTH}.jpg"
    if not path.is_file():
        small = _draw(data)
        if small is None:
            return None
        atomic_write_bytes(path, small, durable=False)  # it can be drawn again
    return path


def _draw(data: bytes) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (WIDTH, WIDTH))  # a JPEG decodes at a fraction of its size
            picture = image.convert("RGBA")
            flat = Image.new("RGB", picture.size, "white")  # transparent parts on white, as the page's cards
            flat.paste(picture, mask=picture.getchannel("A"))
            flat.thumbnail((WIDTH, WIDTH), Image.Resampling.LANCZOS)  # within a WIDTH square, never larger
            out = io.BytesIO()
            flat.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
