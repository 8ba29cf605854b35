"""Auto-fit: the largest font size at which a region's text fits its box, down to a readable minimum.

Pure: widths come from `measure_at(size)`. A size fits when the lines (broken with the 禁则 rules)
are no more than `max_lines` and the block of lines is no taller (columns no wider) than the box.
Sizes that would need a word cut in the middle are tried only when no size avoids it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .linebreak import Broken, Measure, balanced, break_lines


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size: int
    forced: bool = False


@dataclass(frozen=True)
class Frame:
    """What a text must fit into: the box in pixels and the rules of its region."""

    width: int
    height: int
    max_px: int
    min_px: int
    line_height: float = 1.35
    max_lines: int = 6
    balance: bool = False
    vertical: bool = False


def extent(size: int, lines: int, line_height: float) -> float:
    """Height of a block of lines (or width of a block of columns), em box to em box."""
    return size + (lines - 1) * size * line_height if lines else 0.0


def attempt(text: str, frame: Frame, size: int, measure: Measure) -> Broken | None:
    along, across = (frame.height, frame.width) if frame.vertical else (frame.width, frame.height)
    broken = (balanced if frame.balance else break_lines)(text, along, measure)
    if len(broken.lines) > frame.max_lines or extent(size, len(broken.lines), frame.line_height) > across:
        return None
    return broken


CLAUSE_ENDS = "，；。！？"
PREFER_CLAUSES = 0.6  # a clause per line is worth giving up some size


def clauses(text: str) -> str:
    """One clause per line: slogans and titles read best broken at their commas."""
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if ch in CLAUSE_ENDS and i + 1 < len(text) and text[i + 1] not in CLAUSE_ENDS + "”’」』）》":
            out.append("\n")
    return "".join(out)


def fit(text: str, frame: Frame, measure_at: Callable[[int], Measure]) -> Fitted | None:
    """The largest fitting size, or None when even `min_px` does not fit.

    Balanced regions (titles, slogans) prefer a clause per line unless that costs too much size."""
    free = _largest(text, frame, measure_at)
    split = clauses(text)
    if not frame.balance or split == text:
        return free
    one_line_each = replace(frame, max_lines=min(frame.max_lines, split.count("\n") + 1))
    by_clause = _largest(split, one_line_each, measure_at)
    if by_clause and not by_clause.forced and (free is None or by_clause.size >= PREFER_CLAUSES * free.size):
        return by_clause
    return free


def _largest(text: str, frame: Frame, measure_at: Callable[[int], Measure]) -> Fitted | None:
    top = max(frame.min_px, frame.max_px)
    for allow_cuts in (False, True):
        best: Fitted | None = None
        lo, hi = frame.min_px, top
        while lo <= hi:  # sizes that fit form a prefix: binary search for its end
            mid = (lo + hi) // 2
            broken = attempt(text, frame, mid, measure_at(mid))
            if broken is not None and (allow_cuts or not broken.forced):
                best, lo = Fitted(broken.lines, mid, broken.forced), mid + 1
            else:
                hi = mid - 1
        if best is not None:
            return best
    return None
