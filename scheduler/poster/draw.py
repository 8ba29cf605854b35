"""From a layout, texts and a size to a poster: first the arrangement (`arrange`, no drawing, what
`--explain` prints), then the pixels (`paint`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ..inputs.campaign import Brand
from ..support.errors import PosterError
from . import fonts, photo, pictures, rules
from .fit import Fitted, Frame, fit
from .fonts import FontFile
from .layout import Box, Layout, Region, Shape
from .linebreak import Measure, vertical_forms
from .qr import qr_image
from .sizes import Size

MIN_PX = 12  # nothing smaller is readable on any medium
REGION_LABELS = {
    "title": "标题",
    "subtitle": "副标题",
    "body": "正文",
    "slogan": "标语",
    "qr": "二维码",
    "logo": "标志",
    "picture": "插图",
    "footer": "页脚",
}
PxBox = tuple[int, int, int, int]
BANNER_COMMAS = re.compile(r"[，、；：]")
BANNER_STOPS = re.compile(r"[。！]$")
FILL_PADDING = 0.04  # text in a coloured band keeps this far (of the short side) from its ends
TRAILING_HALF = "，。、；：！？"  # ink in the left half of the em: centring counts only that half
UPPER_RIGHT = "，。、．"  # in a column these sit in the upper right of their cell, not the lower left


@dataclass(frozen=True)
class Placed:
    region: Region
    box: PxBox  # x, y, width, height in pixels: where the content goes
    lines: tuple[str, ...] = ()
    size: int = 0
    fill_box: PxBox | None = None  # the region's whole box, when it has a background

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"region": self.region.name, "box": list(self.box)}
        if self.region.is_text:
            out |= {"lines": list(self.lines), "font_size": self.size, "weight": self.region.weight, "vertical": self.region.vertical}
        return out


@dataclass(frozen=True)
class Arrangement:
    layout: Layout
    size: Size
    font: FontFile
    background: str
    shapes: tuple[tuple[Shape, PxBox], ...]
    placed: tuple[Placed, ...]
    photo: Path | None = None  # the photograph under everything (photo family), scrimmed

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": self.layout.name,
            "size": self.size.name,
            "width": self.size.width,
            "height": self.size.height,
            "dpi": self.size.dpi,
            "font": {"file": str(self.font.path), "index": self.font.index, "origin": self.font.origin},
            "regions": [p.to_json() for p in self.placed],
        }


def arrange(
    layout: Layout, size: Size, fields: Mapping[str, str], brand: Brand, font: FontFile, what: str, photo_file: Path | None = None
) -> Arrangement:
    """Fit every region of the layout's variant for this size; `what` names the poster in errors."""
    variant = layout.variant_for(size.width, size.height)
    if variant.photo and photo_file is None:
        raise PosterError(
            f"{what}：版式 {layout.name} 属于照片系列，需要一张照片：在 config.yaml 的 posters.photo 写照片文件（JPG 或 PNG）"
        )
    placed: list[Placed] = []
    for region in variant.regions:
        box = px_box(region.box, size)
        if region.is_text:
            texts = [t for t in (p.format_map(fields).strip() for p in (region.text, *region.shorter)) if t]
            if variant.shape == "strip":  # 横幅 separate their phrases with spaces, not commas
                texts = [BANNER_STOPS.sub("", BANNER_COMMAS.sub("　", t)) for t in texts]
            if (square := rules.safe_square(size)) and region.name in rules.SAFE_REGIONS:
                box = _within(box, square)
            if texts:
                inner = _inset(box, round(FILL_PADDING * size.short)) if region.fill else box
                fitted = _fit_region(region, inner, texts, size, font, what, fields.get("hotline", "") if carries_hotline(region) else "")
                placed.append(replace(fitted, fill_box=box if region.fill else None))
        elif (region.name == "qr" and brand.qr_link and size.scannable) or (region.name == "logo" and brand.logo):
            placed.append(Placed(region, box))
        elif region.name == "picture" and fields.get("picture"):
            placed.append(Placed(region, box, (fields["picture"],)))
    shapes = tuple((s, px_box(s.box, size)) for s in variant.shapes)
    return Arrangement(layout, size, font, variant.background, shapes, tuple(placed), photo_file if variant.photo else None)


def carries_hotline(region: Region) -> bool:
    return any("{hotline}" in p for p in (region.text, *region.shorter))


def _within(box: PxBox, square: tuple[int, int]) -> PxBox:
    """The part of a box inside the cover's centre square (left and right edge)."""
    x, y, w, h = box
    left, right = max(x, square[0]), min(x + w, square[1])
    return left, y, max(1, right - left), h


def _inset(box: PxBox, pad: int) -> PxBox:
    x, y, w, h = box
    return x + pad, y, max(1, w - 2 * pad), h


def px_box(box: Box, size: Size) -> PxBox:
    x, y = round(box[0] * size.width), round(box[1] * size.height)
    return x, y, round((box[0] + box[2]) * size.width) - x, round((box[1] + box[3]) * size.height) - y


def _fit_region(region: Region, box: PxBox, texts: Sequence[str], size: Size, font: FontFile, what: str, hotline: str) -> Placed:
    """The first of `texts` (fullest first) that fits; the error speaks of the shortest."""
    for text in texts[:-1]:
        try:
            return _fit_text(region, box, text, size, font, what, hotline)
        except PosterError:
            continue
    return _fit_text(region, box, texts[-1], size, font, what, hotline)


def _fit_text(region: Region, box: PxBox, text: str, size: Size, font: FontFile, what: str, hotline: str = "") -> Placed:
    min_px = max(MIN_PX, round(region.min_size * size.short))
    if hotline and hotline in text:  # the hotline is never the least visible element
        min_px = max(min_px, rules.hotline_px(size))
    frame = Frame(
        width=box[2],
        height=box[3],
        max_px=max(min_px, round(region.max_size * size.short)),
        min_px=min_px,
        line_height=region.line_height,
        max_lines=region.max_lines,
        balance=region.balance,
        vertical=region.vertical,
    )
    fitted: Fitted | None = fit(text, frame, _measure_at(font, region.weight, region.vertical, fonts.measure))
    if fitted is not None and not region.vertical and not _fits_exactly(fitted, font, region.weight, box[2]):
        fitted = fit(text, frame, _measure_at(font, region.weight, False, _exact))
    if fitted is None:
        label = REGION_LABELS[region.name]
        raise PosterError(
            f"{what}：{label}（{region.name}）的文字在最小字号 {min_px} 像素下仍放不下"
            f"（{len(text)} 字，区域 {box[2]}×{box[3]} 像素，尺寸 {size.name}）。请缩短这段文字，或换更大的尺寸或其他版式"
        )
    return Placed(region, box, fitted.lines, fitted.size)


def _measure_at(font: FontFile, weight: str, vertical: bool, how: Callable[[FontFile, str, int], Measure]) -> Callable[[int], Measure]:
    def measure_at(px: int) -> Measure:
        if vertical:
            return lambda text: float(len(text) * px)  # one em per character, upright
        return how(font, weight, px)

    return measure_at


def _exact(font: FontFile, weight: str, px: int) -> Measure:
    return font.load(px, weight).getlength


def _fits_exactly(fitted: Fitted, font: FontFile, weight: str, width: int) -> bool:
    real = font.load(fitted.size, weight)
    return all(real.getlength(line) <= width for line in fitted.lines)


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


@functools.lru_cache(maxsize=64)
def ink_middle(font: ImageFont.FreeTypeFont) -> float:
    """Offset from the baseline to the middle of an ideograph: centres Han text in its em box in any font."""
    _, top, _, bottom = font.getbbox("国", anchor="ls")
    return (top + bottom) / 2


def _lines(draw: ImageDraw.ImageDraw, p: Placed, font_file: FontFile, fill: str) -> None:
    font = font_file.load(p.size, p.region.weight)
    x, y, w, h = p.box
    pitch = p.size * p.region.line_height
    block = p.size + (len(p.lines) - 1) * pitch
    top = y + {"top": 0.0, "middle": (h - block) / 2, "bottom": h - block}[p.region.valign]
    for i, line in enumerate(p.lines):
        width = font.getlength(line) - (p.size / 2 if line[-1] in TRAILING_HALF else 0)
        left = x + {"left": 0.0, "center": (w - width) / 2, "right": w - width}[p.region.align]
        baseline = top + i * pitch + p.size / 2 - ink_middle(font)
        draw.text((left, baseline), line, font=font, fill=fill, anchor="ls")


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
