"""A print-shop page: the trim size plus 3 mm bleed on every side, crop marks in the slug outside the
bleed, TrimBox/BleedBox written into the PDF, colours in RGB or (with `cmyk`) DeviceCMYK, text as
text in the embedded CJK font (pdffont). Coordinates given to the drawing methods are millimetres
from the trim's top-left corner, y downwards, as designers measure; background fills extend into the
bleed when they touch the trim edge.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from PIL import Image
from reportlab.lib.colors import CMYKColor, Color, HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from . import pdffont
from .fonts import FontFile
from .print_forms import Paper

BLEED_MM = 3.0
SLUG_MM = 12.0  # beyond the bleed: room for the crop marks
MARK_MM = 8.0  # length of a crop mark
MARK_GAP_MM = 1.0  # marks start this far outside the bleed, so they never print on the trimmed sheet
MARK_WIDTH_PT = 0.25
MM = 72 / 25.4  # points per millimetre


def cmyk_of(hex_colour: str) -> tuple[float, float, float, float]:
    """The plain device conversion of an sRGB colour (no ICC profile): a proof is still the print shop's job."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    k = 1 - max(r, g, b)
    if k >= 1:
        return 0.0, 0.0, 0.0, 1.0
    c, m, y = (round((1 - v - k) / (1 - k), 4) for v in (r, g, b))
    return c, m, y, round(k, 4)


class Page:
    """One PDF file of one or more pages of the same paper size."""

    def __init__(
        self,
        out: Path | io.BytesIO,
        paper: Paper,
        font: FontFile,
        text: str,
        *,
        cmyk: bool = False,
        title: str = "",
        kind: str = "",
        author: str = "",
        state: Path | None = None,
    ) -> None:
        """`kind`: what the sheet is (挂图, 传单, 海报), for the PDF's Subject; `author`: the campaign's organiser.
        `state`: the campaign's state folder, where the faces cut for the PDF are kept (`pdffont.register`)."""
        self.paper, self.font, self.cmyk = paper, font, cmyk
        self.offset = (BLEED_MM + SLUG_MM) * MM
        width, height = paper.width_mm * MM + 2 * self.offset, paper.height_mm * MM + 2 * self.offset
        self._fonts = {w: pdffont.register(font, w, text, state) for w in ("regular", "bold", "heavy")}
        self.canvas = Canvas(
            out if isinstance(out, io.BytesIO) else str(out),
            pagesize=(width, height),
            initialFontName=self._fonts["regular"],
            invariant=True,  # no making time or random id in the file: the same words make the same bytes (a sign-off holds)
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setSubject(f"印刷用{kind}（{paper.label}，含 3 毫米出血和裁切线）")
        self.canvas.setCreator("qm")
        self._boxes()

    # -- page furniture --------------------------------------------------------------------------------

    def _boxes(self) -> None:
        o, w, h, b = self.offset, self.paper.width_mm * MM, self.paper.height_mm * MM, BLEED_MM * MM
        self.canvas.setTrimBox((o, o, o + w, o + h))
        self.canvas.setBleedBox((o - b, o - b, o + w + b, o + h + b))
        self.canvas.setArtBox((o, o, o + w, o + h))

    def next_page(self) -> None:
        self._marks()
        self.canvas.showPage()
        self._boxes()

    def save(self) -> None:
        self._marks()
        self.canvas.showPage()
        self.canvas.save()

    def _marks(self) -> None:
        """Crop marks at the four trim corners, in registration colour, outside the bleed."""
        c, o = self.canvas, self.offset
        w, h = self.paper.width_mm * MM, self.paper.height_mm * MM
        start, end = (BLEED_MM + MARK_GAP_MM) * MM, (BLEED_MM + MARK_GAP_MM + MARK_MM) * MM
        c.saveState()
        c.setStrokeColor(CMYKColor(1, 1, 1, 1) if self.cmyk else Color(0, 0, 0))
        c.setLineWidth(MARK_WIDTH_PT)
        for x in (o, o + w):
            for y in (o, o + h):
                sx = -1 if x == o else 1
                sy = -1 if y == o else 1
                c.line(x + sx * start, y, x + sx * end, y)
                c.line(x, y + sy * start, x, y + sy * end)
        c.restoreState()

    # -- drawing, in millimetres from the trim's top-left -----------------------------------------------

    def colour(self, hex_colour: str) -> Color:
        return CMYKColor(*cmyk_of(hex_colour)) if self.cmyk else HexColor(hex_colour)

    def _x(self, x_mm: float) -> float:
        return float(self.offset) + x_mm * MM

    def _y(self, y_mm: float) -> float:
        return float(self.offset) + (self.paper.height_mm - y_mm) * MM

    def rect(self, x: float, y: float, w: float, h: float, fill: str, radius: float = 0.0) -> None:
        """A filled rectangle; an edge on the trim line is pushed out by the bleed."""
        b = BLEED_MM
        left, top = (x - b if x <= 0 else x), (y - b if y <= 0 else y)
        right = x + w + b if x + w >= self.paper.width_mm else x + w
        bottom = y + h + b if y + h >= self.paper.height_mm else y + h
        c = self.canvas
        c.setFillColor(self.colour(fill))
        if radius:
            c.roundRect(self._x(left), self._y(bottom), (right - left) * MM, (bottom - top) * MM, radius * MM, stroke=0, fill=1)
        else:
            c.rect(self._x(left), self._y(bottom), (right - left) * MM, (bottom - top) * MM, stroke=0, fill=1)

    def text(self, x: float, baseline: float, line: str, size_mm: float, weight: str, fill: str) -> None:
        c = self.canvas
        c.setFillColor(self.colour(fill))
        c.setFont(self._fonts[weight if weight in self._fonts else "regular"], size_mm * MM)
        c.drawString(self._x(x), self._y(baseline), line)

    def width(self, line: str, size_mm: float, weight: str) -> float:
        """Advance width of a line, in millimetres."""
        return float(self.canvas.stringWidth(line, self._fonts[weight if weight in self._fonts else "regular"], size_mm * MM)) / MM

    def modules(self, x: float, y: float, side: float, matrix: Iterable[Iterable[bool]], count: int, dark: str, light: str) -> None:
        """A QR code as vector squares (`count` modules a side, quiet zone included)."""
        self.rect(x, y, side, side, light)
        unit = side / count
        c = self.canvas
        c.setFillColor(self.colour(dark))
        for r, row in enumerate(matrix):
            for k, on in enumerate(row):
                if on:
                    c.rect(self._x(x + k * unit), self._y(y + (r + 1) * unit), unit * MM + 0.05, unit * MM + 0.05, stroke=0, fill=1)

    def image(self, x: float, y: float, w: float, h: float, picture: Image.Image) -> None:
        """A raster picture (the organiser's emblem), fitted into the box, keeping its proportions."""
        scale = min(w / picture.width, h / picture.height)
        pw, ph = picture.width * scale, picture.height * scale
        mode = "CMYK" if self.cmyk else "RGBA"
        self.canvas.drawImage(
            ImageReader(picture.convert(mode)), self._x(x + (w - pw) / 2), self._y(y + (h + ph) / 2), pw * MM, ph * MM, mask="auto"
        )
