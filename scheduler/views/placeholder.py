"""The picture a preview shows where a poster is not drawn yet: which one, and how to draw it.

It is a PNG drawn with the font posters are drawn with (the configured or the bundled one): a browser
shows an <img> SVG in its own system fonts only (an image cannot use the page's @font-face), so on a
machine without a Chinese font its words would be empty boxes. Without any Chinese font at all (posters
cannot be drawn either, and the page says why), an SVG box stands in."""

from __future__ import annotations

import base64
import functools
import io

from markupsafe import escape

from ..inputs.campaign import Campaign
from ..poster import fonts
from ..poster.fonts import CSS_FAMILIES, FontFile
from ..poster.layout import family_folder, layout_label
from ..support.errors import PosterError
from ..support.values import ImageRef

BACKGROUND, INK = "#eef1f6", "#5f6b7d"
WIDEST = 540  # a placeholder is drawn at most this many pixels wide (a column's width), in `COLOURS` colours:
COLOURS = 16  # a day page carries one per poster not drawn, a few KB each
Lines = tuple[tuple[str, float], ...]  # each line's words and its size against the first line's


def _placeholder_size(size: str) -> tuple[int, int]:
    named = {"wechat-cover": (900, 383), "wechat-square": (500, 500), "square": (1080, 1080)}
    if size in named:
        return named[size]
    w, _, h = size.partition("x")
    return (int(w), int(h)) if w.isdigit() and h.isdigit() else (800, 600)


def placeholder_src(campaign: Campaign, image: ImageRef, area: str) -> str:
    """A box of the poster's proportions saying that it is not drawn yet, which layout it is (by its Chinese
    name) and how to draw it, in type that stays readable when the box is shown a phone's width wide (a
    cover 900 px wide shows about 300 px wide); a data: URI. `area`: the item's, whose poster family names the layout."""
    w, h = _placeholder_size(image.size)
    scale = min(1.0, WIDEST / w)
    w, h = max(1, round(w * scale)), max(1, round(h * scale))
    lines = placeholder_lines(campaign, image, area)
    try:
        font = fonts.choose(fonts.candidates(campaign.brand.font), "".join(text for text, _ in lines))
    except PosterError:
        return _svg(w, h, lines)
    return _png(font, w, h, lines)


def placeholder_lines(campaign: Campaign, image: ImageRef, area: str) -> Lines:
    """What a placeholder says: the layout by its Chinese name in the family of the item's `area` (知识卡片（知识单）),
    as the posters page says it, not its file name or size."""
    label = layout_label(family_folder(campaign.paths.templates, campaign.posters.family_for(area)), image.layout)
    return (("海报还没有画出", 1.0), (label, 0.7), ("后台服务会提前画好", 0.7), ("急用请管理员运行 qm posters", 0.6))


def _first_size(w: int, h: int, lines: Lines) -> int:
    return max(12, min(h // 6, int(w / (len(lines[0][0]) * 1.6))))  # the first line fills at most ~60% of the width


@functools.lru_cache(maxsize=64)  # a day shows the same few layouts at the same sizes again and again
def _png(font: FontFile, w: int, h: int, lines: Lines) -> str:
    from PIL import Image, ImageDraw  # only a page with a poster not drawn yet draws one

    size = _first_size(w, h, lines)
    step = size * 1.35
    top = h / 2 - step * (len(lines) - 1) / 2
    picture = Image.new("RGB", (w, h), BACKGROUND)
    draw = ImageDraw.Draw(picture)
    for i, (text, scale) in enumerate(lines):
        draw.text((w / 2, top + i * step), text, fill=INK, font=font.load(int(size * scale)), anchor="mm")
    out = io.BytesIO()
    picture.quantize(COLOURS).save(out, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _svg(w: int, h: int, lines: Lines) -> str:
    size = _first_size(w, h, lines)
    step = size * 1.35
    top = h / 2 - step * (len(lines) - 1) / 2
    texts = "".join(
        f'<text x="50%" y="{top + i * step:.0f}" font-size="{int(size * scale)}" dominant-baseline="middle">{escape(text)}</text>'
        for i, (text, scale) in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
        f'<rect width="100%" height="100%" fill="{BACKGROUND}"/><g text-anchor="middle" fill="{INK}" '
        f"font-family='{CSS_FAMILIES}'>{texts}</g></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
