"""An arrangement (`arrange`) in pixels: `paint` draws it, `breaches` judges it by the colours
actually painted behind each text (the rules of rules.py)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..inputs.poster_settings import Brand
from ..support.errors import PosterError
from . import fonts, photo, pictures, rules
from .arrange import MIN_PX, Arrangement, Placed, PxBox, carries_hotline
from .fonts import FontFile
from .marks import blank_ends, vertical_forms
from .qr import qr_image

UPPER_RIGHT = "，。、．"  # in a column these sit in the upper right of their cell, not the lower left


def breaches(arr: Arrangement, brand: Brand, fields: Mapping[str, str]) -> list[rules.Breach]:
    """The rules (rules.py) this arrangement breaks, judged on the colours actually behind each text."""
    layers = [(box, colour(shape.color, brand)) for shape, box in arr.shapes]
    layers += [(p.fill_box or p.box, colour(p.region.fill, brand)) for p in arr.placed if p.region.fill]
    base = photo.scrim(arr.photo)[1] if arr.photo else colour(arr.background, brand)  # a photo: its lightest colour

    def behind(box: PxBox) -> set[str]:
        found = {base}
        for layer, fill in layers:
            if _overlaps(layer, box):
                found = {fill} if _covers(layer, box) else found | {fill}
        return found

    def measure(r: rules.Seen, line: str) -> float:
        return float(arr.font.load(r.size, r.weight).getlength(line))

    seen = [
        rules.Seen(
            p.region.name,
            p.box,
            p.lines,
            p.size,
            p.region.weight,
            colour(p.region.color, brand),
            p.region.vertical,
            p.region.align,
            carries_hotline(p.region),
        )
        for p in arr.placed
        if p.region.is_text
    ]
    variant = arr.layout.variant_for(arr.size.width, arr.size.height)
    has_qr = any(p.region.name == "qr" for p in arr.placed)
    wants_hotline = any(r.name == "footer" for r in variant.regions)
    return rules.breaches(arr.size, variant.shape, seen, behind, fields, measure, has_qr, wants_hotline)


def _overlaps(a: PxBox, b: PxBox) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _covers(a: PxBox, b: PxBox) -> bool:
    return a[0] <= b[0] and a[1] <= b[1] and a[0] + a[2] >= b[0] + b[2] and a[1] + a[3] >= b[1] + b[3]


# -- painting ------------------------------------------------------------------------------------


def paint(arr: Arrangement, brand: Brand) -> Image.Image:
    image = Image.new("RGB", (arr.size.width, arr.size.height), colour(arr.background, brand))
    if arr.photo:
        image.paste(photo.under(arr.photo, arr.size.width, arr.size.height))
    draw = ImageDraw.Draw(image)
    for shape, box in arr.shapes:
        _rect(draw, box, colour(shape.color, brand), round(shape.radius * arr.size.short))
    for p in arr.placed:
        if p.region.fill:
            _rect(draw, p.fill_box or p.box, colour(p.region.fill, brand), 0)
        if p.region.name == "qr":
            _qr(image, draw, p, arr, brand)
        elif p.region.name == "logo" and brand.logo:
            _logo(image, p.box, brand.logo)
        elif p.region.name == "picture":
            side = min(p.box[2], p.box[3])
            picture = pictures.draw(p.lines[0], side, colour(p.region.color, brand), str(arr.font.path), arr.font.index)
            image.paste(picture, (p.box[0] + (p.box[2] - side) // 2, p.box[1] + (p.box[3] - side) // 2), picture)
        elif p.region.vertical:
            _columns(draw, p, arr.font, colour(p.region.color, brand))
        else:
            _lines(draw, p, arr.font, colour(p.region.color, brand))
    return image


def colour(name: str, brand: Brand) -> str:
    return str(getattr(brand, name)) if not name.startswith("#") else name


def _rect(draw: ImageDraw.ImageDraw, box: PxBox, fill: str, radius: int) -> None:
    x, y, w, h = box
    if radius:
        draw.rounded_rectangle((x, y, x + w - 1, y + h - 1), radius, fill=fill)
    else:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=fill)


def ink_middle(font: ImageFont.FreeTypeFont) -> float:
    """Offset from the baseline to the middle of an ideograph: centres Han text in its em box in any font.
    Not cached: a cache by face would keep faces loaded that `fonts` has let go (tens of microseconds a line)."""
    _, top, _, bottom = font.getbbox("国", anchor="ls")
    return (top + bottom) / 2


def _lines(draw: ImageDraw.ImageDraw, p: Placed, font_file: FontFile, fill: str) -> None:
    font = font_file.load(p.size, p.region.weight)
    x, y, w, h = p.box
    pitch = p.size * p.region.line_height
    block = p.size + (len(p.lines) - 1) * pitch
    top = y + {"top": 0.0, "middle": (h - block) / 2, "bottom": h - block}[p.region.valign]
    for i, line in enumerate(p.lines):
        lead, trail = blank_ends(line, p.size)  # placed by their ink: the blank half of an end mark is not counted
        width = font.getlength(line) - lead - trail
        left = x + {"left": 0.0, "center": (w - width) / 2, "right": w - width}[p.region.align]
        baseline = top + i * pitch + p.size / 2 - ink_middle(font)
        draw.text((left - lead, baseline), line, font=font, fill=fill, anchor="ls")


def _columns(draw: ImageDraw.ImageDraw, p: Placed, font_file: FontFile, fill: str) -> None:
    """Vertical text: characters top to bottom in a column, the first column on the right."""
    font = font_file.load(p.size, p.region.weight)
    _, y, _, h = p.box
    for column, centre in zip(p.lines, column_centres(p), strict=True):
        chars = vertical_forms(column, functools.partial(fonts.covers, font_file))
        length = len(chars) * p.size
        top = y + {"top": 0.0, "middle": (h - length) / 2, "bottom": h - length}[p.region.valign]
        for k, ch in enumerate(chars):
            left, baseline = centre - font.getlength(ch) / 2, top + k * p.size + p.size / 2 - ink_middle(font)
            if ch in UPPER_RIGHT:  # the font has no vertical form: move the horizontal one there
                left, baseline = left + p.size / 2, baseline - p.size / 2
            draw.text((left, baseline), ch, font=font, fill=fill, anchor="ls")


def column_centres(p: Placed) -> list[float]:
    """Horizontal centre of each column, in reading order: the first column is the rightmost."""
    x, _, w, _ = p.box
    pitch = p.size * p.region.line_height
    block = p.size + (len(p.lines) - 1) * pitch
    right = x + {"left": block, "center": (w + block) / 2, "right": float(w)}[p.region.align]
    return [right - p.size / 2 - i * pitch for i in range(len(p.lines))]


def _qr(image: Image.Image, draw: ImageDraw.ImageDraw, p: Placed, arr: Arrangement, brand: Brand) -> None:
    x, y, w, h = p.box
    caption = p.region.caption
    cap_px = max(MIN_PX, round(min(w, h) * 0.09)) if caption else 0
    side = min(w, h - round(cap_px * 1.6))
    code = qr_image(brand.qr_link, side, dark="#000000", light="#FFFFFF")
    left, top = x + (w - code.width) // 2, y + (h - code.height - round(cap_px * 1.6)) // 2
    image.paste(code, (left, top))
    if caption:
        font = arr.font.load(cap_px, "regular")
        draw.text((x + w / 2, top + code.height + cap_px * 0.4), caption, font=font, fill=colour(p.region.color, brand), anchor="mt")


def _logo(image: Image.Image, box: PxBox, path: Path) -> None:
    x, y, w, h = box
    logo = _open_logo(str(path)).copy()
    logo.thumbnail((w, h), Image.Resampling.LANCZOS)
    image.paste(logo, (x + (w - logo.width) // 2, y + (h - logo.height) // 2), logo)


@functools.lru_cache(maxsize=4)
def _open_logo(path: str) -> Image.Image:
    try:
        with Image.open(path) as img:
            return img.convert("RGBA")
    except OSError as exc:
        raise PosterError(f"无法读取标志图片 {path}（检查 brand.logo 是否是 PNG 或 JPG 图片）") from exc
