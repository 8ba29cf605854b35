"""The user's own photograph under a poster (the photo family), darkened by an automatic scrim.

The scrim is computed, not guessed: the photo's lightest colour is bounded per channel (the maximum red,
green and blue anywhere in the picture), and the photo is darkened just enough that white text has at
least SCRIM_CONTRAST against that bound, so against every pixel behind any text. Resizing uses a filter
that never overshoots (a weighted average), so the bound holds at every poster size.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

from PIL import Image, ImageEnhance

from ..support.errors import PosterError
from .rules import contrast

SCRIM_CONTRAST = 4.6  # a hair over 4.5:1, for rounding
MIN_SCRIM = 0.35  # a photo is always darkened a little: a family look, whatever the picture


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


@functools.lru_cache(maxsize=4)
def _source(path: str, _mtime: int) -> Image.Image:
    try:
        with Image.open(path) as img:
            return img.convert("RGB")
    except OSError as exc:
        raise PosterError(f"无法读取照片 {path}（检查 config.yaml 的 posters.photo 是否是 JPG 或 PNG 图片）") from exc


def source(path: Path) -> Image.Image:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise PosterError(f"找不到照片 {path}（config.yaml 的 posters.photo）") from exc
    return _source(str(path), mtime)


def scrim(path: Path) -> tuple[float, str]:
    """How much the photo is darkened (0–1), and the lightest colour any text can then have behind it."""
    source(path)  # a clear message when the file is missing or unreadable
    return _scrim(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _scrim(name: str, _mtime: int) -> tuple[float, str]:
    path = Path(name)
    bound = [int(band[1]) for band in source(path).getextrema()]  # type: ignore[index]  # (min, max) per channel
    darken = MIN_SCRIM
    while darken < 0.98:
        lightest = _hex(tuple(min(255, math.ceil(v * (1 - darken) + 0.5)) for v in bound))  # type: ignore[arg-type]
        if contrast("#FFFFFF", lightest) >= SCRIM_CONTRAST:
            return darken, lightest
        darken += 0.01
    return 0.98, _hex(tuple(int(v * 0.02) for v in bound))  # type: ignore[arg-type]


def under(path: Path, width: int, height: int) -> Image.Image:
    """The photo filling width × height (centre crop), with its scrim."""
    img = source(path)
    scale = max(width / img.width, height / img.height)
    w, h = max(width, round(img.width * scale)), max(height, round(img.height * scale))
    left, top = (w - width) // 2, (h - height) // 2
    fitted = img.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=2.0).crop((left, top, left + width, top + height))
    darken, _ = scrim(path)
    return ImageEnhance.Brightness(fitted).enhance(1 - darken)
