"""Auto-fit: the largest font size at which a region's text fits its box, down to a readable minimum.

Pure: widths come from `measure_at(size)`. A size fits when the lines (broken with the 禁则 rules)
are no more than `max_lines` and the block of lines is no taller (columns no wider) than the box.
Sizes that would need a word cut in the middle are tried only when no size avoids it.
Titles and slogans (balanced regions) first look for a size at which no clause is split, then for one
at which no word is split; at each size they take the best-scoring break (`titlebreak.py`), and those
two looks also pass over sizes at which even the best is flawed (a last line of one or two characters,
a particle at the start of a line).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from .linebreak import Broken, Measure, break_lines
from .pieces import Keep
from .titlebreak import balanced


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
    keep: Keep = "characters"  # lines break only between words or clauses, never inside one


def extent(size: int, lines: int, line_height: float) -> float:
    """Height of a block of lines (or width of a block of columns), em box to em box."""
    return size + (lines - 1) * size * line_height if lines else 0.0


def attempt(text: str, frame: Frame, size: int, measure: Measure) -> Broken | None:
    along, across = (frame.height, frame.width) if frame.vertical else (frame.width, frame.height)
    broken = (balanced if frame.balance else break_lines)(text, along, measure, frame.keep)
    if frame.keep != "characters" and broken.forced:
        return None
    if len(broken.lines) > frame.max_lines or extent(size, len(broken.lines), frame.line_height) > across:
        return None
    return broken


CLAUSE_ENDS = "，；。！？"
# Keeping clauses whole is worth giving up at most 40 % of the size the text would otherwise get (for a
# short headline, its maximum); the region's minimum still applies. Much lower and a headline sinks to
# the size of the text under it: the tall screen slide's line may be 2/3 of the title's maximum.
CLAUSE_FLOOR = 0.6
# Keeping words whole ("集中", not "集 / 中") is worth a smaller step: two lines of whole words are usually
# a character or two longer than two even lines.
WORD_FLOOR = 0.8
# Whole words with no flaw (no particle starting a line, no last line of one or two characters: titlebreak.py)
# are worth a little more: "消费者的 / 九项权利" a quarter smaller rather than "消费者 / 的九项 / 权利".
FLAWLESS_FLOOR = 0.7


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

    Balanced regions (titles, slogans) never split a clause ("用好地/理标志") if they can help it: they
    prefer a clause per line, then the largest size at which every line ends at a clause boundary, as
    long as that size is at least CLAUSE_FLOOR of the largest fitting size (and the region's minimum),
    then the largest at which every line ends at a word's end, down to WORD_FLOOR of it. Within those
    floors (FLAWLESS_FLOOR for whole words) a size whose best break is flawed (`titlebreak.py`: a last
    line of one or two characters, a stranded particle) gives way to a smaller one that is not; when
    every size is flawed, the largest whole-clause, then whole-word size is taken as it is. Otherwise they break
    wherever the 禁则 rules allow, at the largest fitting size, a campaign term whole (`terms.py`) if any size
    allows it. The floors count from the largest size at which the text fits broken anywhere, terms too: a
    long term does not lower them ("网购七日 / 无理由退货，/ 这样用", not one clause a column at half the size)."""
    free = _largest(text, frame, measure_at)
    if not frame.balance or free is None:  # a text that fits with no clause split also fits without the rule
        return free
    reach = max(free.size, getattr(_largest(text, replace(frame, balance=False), measure_at), "size", 0))
    keep = replace(frame, min_px=max(frame.min_px, math.ceil(CLAUSE_FLOOR * reach)), keep="clauses")
    split = clauses(text)
    if split != text and (one_each := _largest(split, replace(keep, max_lines=min(frame.max_lines, split.count("\n") + 1)), measure_at)):
        return one_each
    words = replace(frame, min_px=max(frame.min_px, math.ceil(WORD_FLOOR * reach)), keep="words")
    flawless = replace(words, min_px=max(frame.min_px, math.ceil(FLAWLESS_FLOOR * reach)))
    return (
        _largest(text, keep, measure_at, unflawed=True)
        or _largest(text, flawless, measure_at, unflawed=True)
        or _largest(text, keep, measure_at)
        or _largest(text, words, measure_at)
        or free
    )


def _largest(text: str, frame: Frame, measure_at: Callable[[int], Measure], unflawed: bool = False) -> Fitted | None:
    found = _largest_any(text, frame, measure_at)
    if found is None or not unflawed:
        return found
    for size in range(found.size, frame.min_px - 1, -1):  # flaws do not shrink with the size: walk, not a binary search
        broken = attempt(text, frame, size, measure_at(size))
        if broken is not None and not broken.flawed:
            return Fitted(broken.lines, size, broken.forced)
    return None


def _largest_any(text: str, frame: Frame, measure_at: Callable[[int], Measure]) -> Fitted | None:
    top = max(frame.min_px, frame.max_px)
    for allow_cuts in (False,) if frame.keep != "characters" else (False, True):  # a cut clause never fits
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
