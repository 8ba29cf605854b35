"""Rules every poster keeps, whatever its layout, family and size; `breaches` lists what an arrangement breaks.

Most rules are also kept by construction in arrange.arrange (the hotline's minimum size, the cover's safe
square, no QR code where nobody can scan it, spaces on banners) and linebreak (no widows, codes kept with
their numbers); this module states the thresholds once and checks the result, without painting.

- Contrast (WCAG 2 relative luminance): text against every colour behind its box >= 4.5:1, large text
  (>= 24 px, or >= 18.7 px bold, as seen: print measured at 96 px per inch) >= 3:1.
- The hotline is at least HOTLINE_SHARE of the poster's height (by size class): readable where the poster
  is seen. Phone images: 4 % (20 px on a 500 px image, about 14 px on a phone); the share cover 7 % (the
  cover is shown small); screens 3.5 % (38 px on a 1080 px screen); print 2 % (8 mm on A3, read from 3 m).
- What a WeChat cover says (title or slogan, its line or the launch date, the footer with the hotline) lies inside
  the 1:1 centre square that shares and lists crop the cover to.
- No QR code on screens, covers or banners; no line of one character closing a title, slogan or body;
  a standard's code is not split from its number; banners use spaces, not commas.
- A footer's items stay whole: the organizer's name (full or short) and the hotline with its label are not
  split across two lines (`pieces.item_pieces`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .linebreak import is_widow
from .sizes import Size

HOTLINE_SHARE = {"phone": 0.04, "cover": 0.07, "screen": 0.035, "custom": 0.035, "print": 0.02}
NORMAL_CONTRAST, LARGE_CONTRAST = 4.5, 3.0
LARGE_PX, LARGE_BOLD_PX = 24.0, 18.66
WIDOW_REGIONS = ("title", "slogan", "body")
SAFE_REGIONS = ("title", "slogan", "subtitle", "footer")  # a cover's title (or slogan), its line or date, its hotline
CODE_END = re.compile(r"(?:^|[^A-Za-z])(?:GB|[A-Z]{2,4})(?:/[A-Z]{1,2})?$")


def _footer_items(fields: Mapping[str, str]) -> list[str]:
    """What a footer keeps on one line: the organizer's name (full or short) and the hotline with its label's colon."""
    names = [fields.get("organizer", ""), fields.get("organizer_short", "")]
    return [n for n in names if n] + ([f"：{fields['hotline']}"] if fields.get("hotline") else [])


def hotline_px(size: Size) -> int:
    """The smallest font size the hotline may have on a poster of this size (0: no rule, e.g. banners)."""
    return round(HOTLINE_SHARE.get(size.kind, 0.0) * size.height)


def safe_square(size: Size) -> tuple[int, int] | None:
    """Left and right edge of the centre square a cover is cropped to in shares and lists."""
    if size.kind != "cover":
        return None
    return (size.width - size.height) // 2, (size.width + size.height) // 2


def luminance(hex_colour: str) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def is_large(px: int, weight: str, size: Size) -> bool:
    seen = px * 96 / size.dpi if size.kind == "print" else px
    return seen >= (LARGE_BOLD_PX if weight in ("bold", "heavy") else LARGE_PX)


@dataclass(frozen=True)
class Breach:
    rule: str
    region: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}（{self.region}）：{self.detail}"


PxBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Seen:
    """What the rules need of one placed region, in pixels."""

    name: str
    box: PxBox
    lines: tuple[str, ...]
    size: int
    weight: str
    color: str  # #RRGGBB
    vertical: bool = False
    align: str = "center"
    hotline: bool = False  # the layout puts the hotline here (a body that mentions 12315 is not the hotline)


def breaches(
    size: Size,
    shape: str,
    regions: list[Seen],
    behind: Callable[[PxBox], set[str]],
    fields: Mapping[str, str],
    measure: Callable[[Seen, str], float],
    has_qr: bool,
    wants_hotline: bool,
) -> list[Breach]:
    """Every rule this arrangement breaks. `behind(box)` gives the colours under a box; `measure(region, line)` a line's width."""
    out: list[Breach] = []
    hotline = fields.get("hotline", "")
    if has_qr and not size.scannable:
        out.append(Breach("二维码", "qr", f"{size.name} 上放了二维码，没人能扫"))
    seen_hotline = False
    for r in regions:
        need = LARGE_CONTRAST if is_large(r.size, r.weight, size) else NORMAL_CONTRAST
        for bg in behind(r.box):
            if (c := contrast(r.color, bg)) < need:
                out.append(Breach("对比度", r.name, f"{r.color} 在 {bg} 上 {c:.2f}:1，应不低于 {need}:1（字号 {r.size}）"))
        if r.hotline and hotline and any(hotline in line for line in r.lines):
            seen_hotline = True
            if r.size < hotline_px(size):
                out.append(
                    Breach(
                        "热线字号", r.name, f"{r.size} 像素，应不小于画面高度的 {HOTLINE_SHARE[size.kind]:.1%}（{hotline_px(size)} 像素）"
                    )
                )
        if r.name in WIDOW_REGIONS and len(r.lines) > 1 and is_widow(r.lines[-1]):
            out.append(Breach("孤字", r.name, f"最后一行只有一个字：{'|'.join(r.lines)}"))
        for a, b in zip(r.lines, r.lines[1:], strict=False):
            if b[:1].isdigit() and CODE_END.search(a):
                out.append(Breach("标准编号", r.name, f"编号与数字被拆开：{a}|{b}"))
            for item in _footer_items(fields) if r.hotline else ():
                if item in a + b and item not in a and item not in b:
                    out.append(Breach("页脚拆开", r.name, f"“{item}”被拆到两行：{a}|{b}"))
        if shape == "strip" and any(ch in line for line in r.lines for ch in "，、；"):
            out.append(Breach("横幅标点", r.name, f"横幅用空格分隔，不用逗号：{''.join(r.lines)}"))
        if (square := safe_square(size)) and r.name in SAFE_REGIONS and not r.vertical:
            for line in r.lines:
                left = r.box[0] + {"left": 0.0, "center": (r.box[2] - measure(r, line)) / 2, "right": r.box[2] - measure(r, line)}[r.align]
                if left < square[0] - 1 or left + measure(r, line) > square[1] + 1:
                    out.append(Breach("封面中心", r.name, f"“{line}”超出封面中间的正方形（{square[0]}–{square[1]} 像素）"))
    if wants_hotline and hotline and not seen_hotline and hotline_px(size):
        out.append(Breach("热线", "footer", "海报上没有投诉举报电话"))
    return out
