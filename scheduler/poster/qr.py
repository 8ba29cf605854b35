"""QR codes for the account or article link, drawn with whole-pixel modules so phones read them."""

from __future__ import annotations

import functools

import segno
from PIL import Image

QUIET = 2  # modules of light border around the code (the region's own margin adds to it)


@functools.lru_cache(maxsize=16)
def _matrix(link: str) -> tuple[bytes, int]:
    code = segno.make(link, error="m", micro=False)
    rows = code.matrix
    return b"".join(bytes(0 if v else 255 for v in row) for row in rows), len(rows)


def qr_image(link: str, side: int, dark: str = "#000000", light: str = "#FFFFFF") -> Image.Image:
    """A square QR image at most `side` pixels wide, with an integer number of pixels per module."""
    data, modules = _matrix(link)
    scale = max(1, side // (modules + 2 * QUIET))
    code = Image.frombytes("L", (modules, modules), data).resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    full = modules * scale + 2 * QUIET * scale
    out = Image.new("RGB", (full, full), light)
    out.paste(Image.new("RGB", code.size, dark), (QUIET * scale, QUIET * scale), mask=code.point(lambda v: 255 - v))
    return out
