"""Encoding a poster within the file-size limit of the medium it goes to.

WeChat in-article images: jpg/png under 1 MB; WeChat covers: at most 10 MB; Weibo images: under 5 MB.
PNG is tried first (sharp text, flat colours compress well); if it is too big, JPEG at falling quality;
if nothing fits, the poster is refused with the sizes tried. Print sizes also get a PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from ..support.errors import PosterError
from . import png


@dataclass(frozen=True)
class Limit:
    label: str
    max_bytes: int  # largest allowed file size, inclusive


MB = 1_000_000  # decimal: stricter than a binary megabyte, so safe for either reading
LIMITS = {
    "wechat-inline": Limit("公众号正文图片（小于 1 MB）", MB - 1),
    "wechat-cover": Limit("公众号封面（不超过 10 MB）", 10 * MB),
    "weibo": Limit("微博图片（小于 5 MB）", 5 * MB - 1),
}
JPEG_QUALITIES = (92, 85, 78, 70, 60)


@dataclass(frozen=True)
class Encoded:
    suffix: str  # ".png" | ".jpg"
    data: bytes


def pdf_bytes(image: Image.Image, dpi: int) -> bytes:
    """A one-page PDF whose page is the poster's physical size at `dpi`.

    Pillow embeds the page as a JPEG; at quality 95 with no chroma subsampling, text edges stay
    crisp in print (the default 75 blurs red-on-white type)."""
    out = io.BytesIO()
    image.save(out, "PDF", resolution=float(dpi), quality=95, subsampling=0)
    return out.getvalue()


def encode(image: Image.Image, dpi: int, medium: str, what: str) -> Encoded:
    png_data = png.png_bytes(image, dpi)
    limit = LIMITS.get(medium)
    if limit is None or len(png_data) <= limit.max_bytes:
        return Encoded(".png", png_data)
    tried = [f"PNG {_mb(len(png_data))}"]
    for quality in JPEG_QUALITIES:
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
        if len(out.getvalue()) <= limit.max_bytes:
            return Encoded(".jpg", out.getvalue())
        tried.append(f"JPEG 质量 {quality} {_mb(len(out.getvalue()))}")
    raise PosterError(f"{what}：文件超过{limit.label}的限制（已尝试 {'、'.join(tried)}）。请换用更小的尺寸，或减少标志图片中的细节")


def _mb(n: int) -> str:
    return f"{n / MB:.2f} MB"
