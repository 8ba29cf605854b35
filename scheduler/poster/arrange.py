"""From a layout, texts and a size to an arrangement: where each region goes and, for text, its lines
and font size, fitted to the region (no drawing; what `--explain` prints). `draw` paints it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..inputs.poster_settings import Brand
from ..support.errors import PosterError
from ..support.suggest import titled
from . import fonts, rules
from .fit import Fitted, Frame, fit
from .fonts import FontFile
from .layout import Box, Layout, Region, Shape
from .layout_gaps import closing_gaps
from .linebreak import Measure
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
    variant = closing_gaps(variant, {r.name for r in variant.regions if r.name in ("qr", "logo") and not _drawn(r.name, brand, size)})
    if variant.photo and photo_file is None:
        raise PosterError(
            f"{what}：版式 {titled(layout.name, layout.label)}属于照片系列，需要一张照片：在 config.yaml 的 posters.photo 写照片文件（JPG 或 PNG）"
        )
    placed: list[Placed] = []
    for region in variant.regions:
        box = px_box(region.box, size)
        if region.is_text:
            texts = list(dict.fromkeys(t for t in (p.format_map(fields).strip() for p in patterns(region, fields)) if t))
            if variant.shape == "strip":  # 横幅 separate their phrases with spaces, not commas
                texts = [BANNER_STOPS.sub("", BANNER_COMMAS.sub("　", t)) for t in texts]
            if texts:
                inner = _inset(box, round(FILL_PADDING * size.short)) if region.fill else box
                if (square := rules.safe_square(size)) and region.name in rules.SAFE_REGIONS:
                    inner = _within(inner, square)  # the text, not its band: a footer's colour still runs edge to edge
                hotline = fields.get("hotline", "") if carries_hotline(region) else ""
                fitted = _fit_region(region, inner, texts, size, font, what, hotline)
                if region.grew_from and len(fitted.lines) > 1:  # larger type where a missing QR code left room:
                    written = _fit_region(
                        replace(region, max_size=region.grew_from, grew_from=0.0), inner, texts, size, font, what, hotline
                    )
                    fitted = written if len(written.lines) == 1 else fitted  # not if it breaks a one-line phrase
                placed.append(replace(fitted, fill_box=box if region.fill else None))
        elif region.name in ("qr", "logo"):  # drawn: the ones not drawn are gone from the variant
            placed.append(Placed(region, box))
        elif region.name == "picture" and fields.get("picture"):
            placed.append(Placed(region, box, (fields["picture"],)))
    shapes = tuple((s, px_box(s.box, size)) for s in variant.shapes)
    return Arrangement(layout, size, font, variant.background, shapes, tuple(placed), photo_file if variant.photo else None)


def shown_words(layout: Layout, size: Size, fields: Mapping[str, str]) -> str:
    """Every character a poster of `layout` at `size` may show: its regions' texts and captions (and the
    organizer's short name, which a footer may show instead of the full one): what its font must cover."""
    variant = layout.variant_for(size.width, size.height)
    return "".join(r.text.format_map(fields) + r.caption for r in variant.regions) + fields.get("organizer_short", "")


def patterns(region: Region, fields: Mapping[str, str]) -> list[str]:
    """A text region's patterns in the order tried. With a short name for the organizer (`organizer_short`),
    where every pattern naming the organizer fails and the next would leave it out, the same patterns with
    the short name come first: on its own line ("主办：市质量联席办 / 投诉举报电话：12315"), then as written.
    A pattern that names the short name itself is left out when there is none."""
    written = [p for p in (region.text, *region.shorter) if fields.get("organizer_short") or "{organizer_short}" not in p]
    naming = [i for i, p in enumerate(written) if "{organizer}" in p]
    if not fields.get("organizer_short") or not naming:
        return written
    short = [p.replace("{organizer}", "{organizer_short}") for p in written if "{organizer}" in p]
    own_line = [p.replace("{organizer_short}　", "{organizer_short}\n") for p in short]
    shorter = [p for pair in zip(own_line, short, strict=True) for p in dict.fromkeys(pair)]
    return [*written[: naming[-1] + 1], *shorter, *written[naming[-1] + 1 :]]


def _drawn(name: str, brand: Brand, size: Size) -> bool:
    """Whether the QR code or the logo is drawn: a QR code only where it can be scanned."""
    return bool(brand.qr_link and size.scannable) if name == "qr" else bool(brand.logo)


def carries_hotline(region: Region) -> bool:
    return any("{hotline}" in p for p in (region.text, *region.shorter))


def lists_items(region: Region) -> bool:
    """A footer: who runs the campaign and where to call, items set apart by ideographic spaces ("主办：…　投诉举报电话：…").
    Its lines break only between items, never inside the organizer's name or the hotline: an item too wide for a
    line makes the pattern not fit, and the next pattern (the short name, then none) is tried (`patterns`)."""
    return carries_hotline(region) or any("{organizer" in p for p in (region.text, *region.shorter))


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
        keep="items" if lists_items(region) else "characters",
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
