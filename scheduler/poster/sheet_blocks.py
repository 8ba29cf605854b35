"""Knowledge items as blocks of lines for a print sheet, and where the blocks go (pure: widths are
measured by the function passed in).

A block is one item's heading, summary and key line at a text size. `fit` tries text sizes from the
largest down until `place` finds room for the blocks: `flow` into columns (wall charts) or
`two_sides` of a leaflet; `spread` shares a side's white out between its blocks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .linebreak import Measure, break_lines
from .texts import PosterText
from .titlebreak import balanced

Place = TypeVar("Place")
KEY = "▶ "  # before an item's one-line message


@dataclass(frozen=True)
class Block:
    """One knowledge item, broken into lines at a text size (millimetres)."""

    heading: tuple[str, ...]
    body: tuple[str, ...]
    key: tuple[str, ...]  # the item's one-line message, in bold
    size: float

    @property
    def height(self) -> float:
        s = self.size
        return len(self.heading) * s * 1.6 * 1.3 + s * 0.6 + (len(self.body) + len(self.key)) * s * 1.6 + s * 2.2


def blocks(items: Sequence[PosterText], width: float, size: float, measure: Callable[[float, str], Measure]) -> list[Block]:
    """Each item's heading (1.6× the text size), summary and key line, broken for a column `width` wide."""
    out = []
    for it in items:
        heading = _heading(it.title, width, measure(size * 1.6, "heavy"))
        body = break_lines(it.summary, width, measure(size, "regular")).lines if it.summary else ()
        key = _key(it.line, width, measure(size, "bold")) if it.line else ()
        out.append(Block(heading, body, key, size))
    return out


def flow(heights: Sequence[float], columns: int, column_height: float) -> list[list[int]] | None:
    """Items in order, top to bottom then left to right; None when they do not fit the columns."""
    out: list[list[int]] = [[] for _ in range(columns)]
    col, used = 0, 0.0
    for i, h in enumerate(heights):
        if used + h > column_height and out[col]:
            col, used = col + 1, 0.0
        if col >= columns or h > column_height:
            return None
        out[col].append(i)
        used += h
    return out


def two_sides(heights: Sequence[float], spaces: tuple[float, float]) -> int | None:
    """How many items go on the front of a two-sided sheet (the rest on the back), keeping their order:
    the split that fills the two sides most evenly; None when no split fits."""
    fits = [k for k in range(1, len(heights)) if sum(heights[:k]) <= spaces[0] and sum(heights[k:]) <= spaces[1]]
    return min(fits, key=lambda k: abs(sum(heights[:k]) / spaces[0] - sum(heights[k:]) / spaces[1]), default=None)


def spread(heights: Sequence[float], space: float) -> float:
    """The room added after each block so that the blocks share `space` evenly: each starts a band of
    the side, with the same white under every block, rather than all of it at the bottom."""
    return max(0.0, (space - sum(heights)) / len(heights)) if heights else 0.0


def fit(
    items: Sequence[PosterText],
    width: float,
    lo: float,
    hi: float,
    measure: Callable[[float, str], Measure],
    place: Callable[[list[float]], Place | None],
) -> tuple[list[Block], Place] | None:
    """The blocks at the largest text size from `hi` down to `lo` (6 % steps) that `place` finds room
    for, with where it put them; None when even `lo` does not fit."""
    size = hi
    while size >= lo:
        bl = blocks(items, width, size, measure)
        placed = place([b.height for b in bl])
        if placed is not None:
            return bl, placed
        size = round(size * 0.94, 2)
    return None


def _heading(title: str, width: float, measure: Measure) -> tuple[str, ...]:
    """Broken between clauses ("看懂SC编号，|辨认…"), else between words, else wherever the 禁则 rules allow;
    a break that leaves a short last line or strands a particle (`flawed`) gives way to the next."""
    return next(_breaks(title, width, measure))


def _breaks(title: str, width: float, measure: Measure) -> Iterator[tuple[str, ...]]:
    """The ways `_heading` breaks a title, the one it takes first."""
    for keep in ("clauses", "words"):
        broken = balanced(title, width, measure, keep)
        if not broken.forced and not broken.flawed:
            yield broken.lines
    yield balanced(title, width, measure).lines


def _key(line: str, width: float, measure: Measure) -> tuple[str, ...]:
    """The item's one-line message after the marker, broken as a heading is (a slogan: not "认 / 准CCC") when that
    takes no more lines than greedy filling, else filled greedily; never with the marker alone on its line."""
    text = KEY + line
    greedy = break_lines(text, width, measure).lines
    for lines in itertools.chain(_breaks(text, width, measure), [greedy]):
        if lines[0].strip() != KEY.strip() and len(lines) <= len(greedy):
            return lines
    rest = break_lines(line, width - measure(KEY), measure).lines  # the marker's room kept on every line
    return (KEY + rest[0], *rest[1:])
