"""Print sheets as vector PDFs (printpage): a poster layout at a paper size, the 挂图 (wall chart: one
theme, several knowledge items with headings) and the 传单 (leaflet: A4, both sides, 4–6 items, the
organiser's contacts and the hotline).

A poster layout is arranged exactly as for its PNG (arrange.arrange, at the paper's size and 300 dpi) and
then drawn as vector shapes and text. The sheets lay their items out with `sheet_blocks` (pure: into
columns, or over a leaflet's two sides) at the largest text size that fits, and refuse, saying what to
change, when even the smallest does not.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno

from ..inputs.campaign import Campaign
from ..support.errors import PosterError
from . import fonts, photo, pictures
from .arrange import Arrangement
from .draw import UPPER_RIGHT, colour, column_centres, ink_middle
from .draw import _open_logo as open_logo
from .linebreak import Measure
from .marks import blank_ends, vertical_forms
from .print_forms import Paper
from .printpage import BLEED_MM, Page
from .qr import QUIET
from .sheet_blocks import Block, fit, flow, spread, two_sides
from .texts import PosterText

PT = 25.4 / 72  # millimetres per point


# -- a poster layout as a vector PDF ---------------------------------------------------------------------


def poster_pdf(campaign: Campaign, arr: Arrangement, sheet: Paper, out: Path | io.BytesIO, *, cmyk: bool = False) -> None:
    brand = campaign.brand
    text = "".join("".join(p.lines) for p in arr.placed) + "".join(p.region.caption for p in arr.placed)
    page = Page(
        out, sheet, arr.font, text, cmyk=cmyk, title=arr.layout.label, kind="海报", author=campaign.organizer, state=campaign.paths.state
    )
    k = sheet.width_mm / arr.size.width  # millimetres per pixel

    def box(b: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        return b[0] * k, b[1] * k, b[2] * k, b[3] * k

    page.rect(0, 0, sheet.width_mm, sheet.height_mm, colour(arr.background, brand))
    if arr.photo:  # the photograph, scrimmed, to the bleed edge (150 dpi is plenty under text)
        bw, bh = sheet.width_mm + 2 * BLEED_MM, sheet.height_mm + 2 * BLEED_MM
        page.image(-BLEED_MM, -BLEED_MM, bw, bh, photo.under(arr.photo, round(bw / 25.4 * 150), round(bh / 25.4 * 150)))
    for shape, b in arr.shapes:
        page.rect(*box(b), colour(shape.color, brand), shape.radius * arr.size.short * k)
    for p in arr.placed:
        if p.region.fill:
            page.rect(*box(p.fill_box or p.box), colour(p.region.fill, brand))
        fill = colour(p.region.color, brand)
        x, y, w, h = box(p.box)
        if p.region.name == "qr":
            _qr(page, (x, y, w, h), brand.qr_link, p.region.caption, fill)
        elif p.region.name == "logo" and brand.logo:
            page.image(x, y, w, h, open_logo(str(brand.logo)))
        elif p.region.name == "picture":
            page.image(x, y, w, h, pictures.draw(p.lines[0], 600, fill, str(arr.font.path), arr.font.index))
        elif p.lines:
            size, middle = p.size * k, ink_middle(arr.font.load(p.size, p.region.weight)) * k
            pitch = size * p.region.line_height
            if p.region.vertical:
                chars_of = functools.partial(vertical_forms, has=functools.partial(fonts.covers, arr.font))
                for column, centre in zip(p.lines, column_centres(p), strict=True):
                    chars = chars_of(column)
                    top = y + {"top": 0.0, "middle": (h - len(chars) * size) / 2, "bottom": h - len(chars) * size}[p.region.valign]
                    for i, ch in enumerate(chars):
                        cx, base = centre * k - page.width(ch, size, p.region.weight) / 2, top + i * size + size / 2 - middle
                        if ch in UPPER_RIGHT:
                            cx, base = cx + size / 2, base - size / 2
                        page.text(cx, base, ch, size, p.region.weight, fill)
                continue
            block = size + (len(p.lines) - 1) * pitch
            top = y + {"top": 0.0, "middle": (h - block) / 2, "bottom": h - block}[p.region.valign]
            for i, line in enumerate(p.lines):
                lead, trail = blank_ends(line, size)
                lw = page.width(line, size, p.region.weight) - lead - trail
                left = x + {"left": 0.0, "center": (w - lw) / 2, "right": w - lw}[p.region.align]
                page.text(left - lead, top + i * pitch + size / 2 - middle, line, size, p.region.weight, fill)
    page.save()


def _qr(page: Page, b: tuple[float, float, float, float], link: str, caption: str, fill: str) -> None:
    x, y, w, h = b
    cap = min(w, h) * 0.09 if caption else 0.0
    side = min(w, h - cap * 1.6)
    matrix = segno.make(link, error="m", micro=False).matrix
    padded = [[False] * (len(matrix) + 2 * QUIET)] * QUIET
    rows = padded + [[False] * QUIET + [bool(v) for v in row] + [False] * QUIET for row in matrix] + padded
    left, top = x + (w - side) / 2, y + (h - side - cap * 1.6) / 2
    page.modules(left, top, side, rows, len(rows), "#000000", "#FFFFFF")
    if caption:
        cw = page.width(caption, cap, "regular")
        page.text(x + (w - cw) / 2, top + side + cap * 1.3, caption, cap, "regular", fill)


# -- wall charts and leaflets ---------------------------------------------------------------------------


def _measure(page: Page) -> Callable[[float, str], Measure]:
    """How wide a line is on `page`, at a text size and weight."""

    def measure(size: float, weight: str) -> Measure:
        return lambda s: page.width(s, size, weight)

    return measure


def _draw_blocks(
    page: Page,
    campaign: Campaign,
    bl: list[Block],
    placed: list[list[int]],
    x0: float,
    y0: float,
    width: float,
    gap: float,
    space: float = 0.0,  # the column's height, when its white is shared between its blocks (`spread`)
    centred: bool = False,  # each block in the middle of its share, not at its top
) -> None:
    brand = campaign.brand
    for c, column in enumerate(placed):
        extra = spread([bl[i].height for i in column], space) if space else 0.0
        x, y = x0 + c * (width + gap), y0 + (extra / 2 if centred else 0.0)
        for i in column:
            b, s = bl[i], bl[i].size
            page.rect(x, y, s * 0.5, len(b.heading) * s * 1.6 * 1.3, brand.primary)
            # a line opening with “ or 《 starts half an em to the left (`blank_ends`), as on the PNG posters
            for line in b.heading:
                page.text(x + s * 1.2 - blank_ends(line, s * 1.6)[0], y + s * 1.6 * 1.05, line, s * 1.6, "heavy", brand.secondary)
                y += s * 1.6 * 1.3
            y += s * 0.6
            for line in b.body:
                page.text(x - blank_ends(line, s)[0], y + s * 1.1, line, s, "regular", brand.text)
                y += s * 1.6
            for line in b.key:
                page.text(x - blank_ends(line, s)[0], y + s * 1.1, line, s, "bold", brand.primary)
                y += s * 1.6
            y += s * 2.2 + extra


def _header(page: Page, campaign: Campaign, title: str, subtitle: str, height: float, margin: float) -> None:
    w = page.paper.width_mm
    page.rect(0, 0, w, height, campaign.brand.primary)
    size = min(height * 0.42, (w - 2 * margin) / max(1, len(title)))
    page.text(margin, height * 0.12 + size * 0.95, title, size, "heavy", campaign.brand.background)
    small = min(height * 0.16, (w - 2 * margin) / max(1, len(subtitle)))
    page.text(margin, height * 0.9 - small * 0.25, subtitle, small, "bold", campaign.brand.background)


def _footer(page: Page, campaign: Campaign, top: float, margin: float, contacts: bool) -> None:
    """The organiser (and, on a leaflet, each contact) and the hotline, large, on the brand's second colour."""
    w, h = page.paper.width_mm, page.paper.height_mm
    brand = campaign.brand
    page.rect(0, top, w, h - top, brand.secondary)
    band = h - top
    hot = band * 0.38
    label = "投诉举报电话"
    lines = [f"主办：{campaign.organizer}"]
    if contacts:
        lines += [f"{c.office or c.name}　{c.phone}" + (f"　{c.email}" if c.email else "") for c in campaign.contacts]
    room = w - 2 * margin
    hot_line = f"{label}：{campaign.hotline}"
    hot = min(hot, hot * room / page.width(hot_line, hot, "heavy"))
    small = min(band * 0.4 / max(1, len(lines)), hot * 0.45, *(10 * room / page.width(x, 10, "regular") for x in lines))
    page.text(margin, top + band * 0.1 + hot * 0.9, hot_line, hot, "heavy", brand.background)
    for i, line in enumerate(lines):
        page.text(margin, top + band * 0.1 + hot * 1.45 + (i + 0.9) * small * 1.35, line, small, "regular", brand.background)


def texts_needed(campaign: Campaign, items: Sequence[PosterText], title: str) -> str:
    contacts = "".join(f"{c.office}{c.name}{c.phone}{c.email}" for c in campaign.contacts)
    words = "".join(f"{i.title}{i.summary}{i.line}" for i in items)
    return f"{title}{campaign.name}{campaign.theme}{campaign.organizer}{campaign.hotline}{contacts}{words}投诉举报电话主办：　▶"


@dataclass(frozen=True)
class Order:
    """What a sheet prints: the items under a title, on a paper, in a font, RGB or CMYK."""

    campaign: Campaign
    items: Sequence[PosterText]
    title: str
    sheet: Paper
    font: fonts.FontFile
    cmyk: bool = False

    def page(self, out: Path | io.BytesIO, kind: str) -> Page:
        text = texts_needed(self.campaign, self.items, self.title)
        title, author, state = f"{kind}：{self.title}", self.campaign.organizer, self.campaign.paths.state
        return Page(out, self.sheet, self.font, text, cmyk=self.cmyk, title=title, kind=kind, author=author, state=state)


def wallchart(order: Order, out: Path | io.BytesIO) -> None:
    campaign, items, title, sheet = order.campaign, order.items, order.title, order.sheet
    if not items:
        raise PosterError("挂图至少需要一条内容")
    page = order.page(out, "挂图")
    w, h = sheet.width_mm, sheet.height_mm
    margin = min(w, h) * 0.06
    header, footer = h * 0.14 if h > w * 1.5 else h * 0.17, h * 0.1 if h > w * 1.5 else h * 0.12
    _header(page, campaign, title, f"{campaign.name}　{campaign.theme}", header, margin)
    columns = min(len(items), 1 if w / h < 0.5 else 2 if w < h * 1.2 else 3)  # one item spans the sheet
    gap = margin * 0.8
    col_w = (w - 2 * margin - (columns - 1) * gap) / columns
    top, height = header + margin, h - header - footer - 2 * margin
    short = min(w, h)
    fitted = fit(items, col_w, short * 0.016, short * 0.036, _measure(page), lambda heights: flow(heights, columns, height))
    if fitted is None:
        raise PosterError(f"挂图放不下这 {len(items)} 条内容（{sheet.label}）：请减少条数，或换更大的尺寸")
    _draw_blocks(page, campaign, *fitted, margin, top, col_w, gap, height, centred=True)
    _footer(page, campaign, h - footer, margin, contacts=False)
    page.save()


def leaflet(order: Order, out: Path | io.BytesIO) -> None:
    """Both sides of a leaflet; how many items it takes is printpick's to choose (print_forms.COUNTS)."""
    campaign, items, title, sheet = order.campaign, order.items, order.title, order.sheet
    page = order.page(out, "传单")
    w, h = sheet.width_mm, sheet.height_mm
    margin = 12.0
    header, footer = 42.0, 52.0
    col_w = w - 2 * margin
    spaces = (h - header - 2 * margin, h - footer - 2 * margin)
    fitted = fit(items, col_w, 3.2, 6.0, _measure(page), lambda heights: two_sides(heights, spaces))
    if fitted is None:
        raise PosterError(f"传单两面放不下这 {len(items)} 条内容：请减少条数，或选摘要更短的内容")
    bl, k = fitted
    for n, part in enumerate((list(range(k)), list(range(k, len(bl))))):
        if n == 0:
            _header(page, campaign, title, f"{campaign.name}　{campaign.theme}", header, margin)
            _draw_blocks(page, campaign, bl, [part], margin, header + margin, col_w, 0, spaces[n], centred=True)
            page.next_page()
        else:
            _draw_blocks(page, campaign, bl, [part], margin, margin, col_w, 0, spaces[n], centred=True)
            _footer(page, campaign, h - footer, margin, contacts=True)
    page.save()
