"""What each print layout takes, without drawing (no Pillow, no PDF library): its papers and how many items
it carries. `printpick` chooses the items by these numbers, `printsheets` and `printjob` draw on these papers,
and `qm check` holds the config's `posters.print` entries to them: one rule for all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..inputs.poster_settings import SHEET_LAYOUTS
from ..support.errors import PosterError


@dataclass(frozen=True)
class Paper:
    name: str
    label: str
    width_mm: float
    height_mm: float


PAPERS = {
    p.name: p
    for p in (
        Paper("a4", "A4，210×297 毫米", 210, 297),
        Paper("a3", "A3，297×420 毫米", 297, 420),
        Paper("a2", "A2，420×594 毫米", 420, 594),
        Paper("a1", "A1，594×841 毫米", 594, 841),
        Paper("board", "展板，900×1200 毫米", 900, 1200),
        Paper("rollup", "易拉宝，800×2000 毫米", 800, 2000),
    )
}

SHEETS = SHEET_LAYOUTS
SHEET_PAPERS = {"wallchart": ("a2", "a1", "board", "rollup"), "leaflet": ("a4",)}
POSTER_PAPERS = ("a3", "a2", "a1")  # a poster layout's print PDF

LEAFLET_ITEMS = (4, 6)
WALLCHART_MAX = 8
COUNTS = {"wallchart": (1, WALLCHART_MAX), "leaflet": LEAFLET_ITEMS}  # a poster layout prints one item


def counts(layout: str) -> tuple[int, int]:
    """The fewest and the most items `layout` prints."""
    return COUNTS.get(layout, (1, 1))


def paper(name: str, allowed: Sequence[str], what: str, key: str = "--size") -> Paper:
    """The paper `name`, when `what` prints on it; `key`: how the person who asked names the size."""
    if name not in allowed:
        fits = "、".join(f"{n}（{PAPERS[n].label}）" for n in allowed)
        gap = " " if what[-1:].isascii() else ""  # 海报版式 知识卡片（knowledge-card）不能…, 挂图不能…
        raise PosterError(f"{what}{gap}不能印成尺寸 {name}：它适合的尺寸是 {fits}（用 {key} 指定）")
    return PAPERS[name]
