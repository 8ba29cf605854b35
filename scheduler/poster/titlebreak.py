"""Balanced breaking for titles and slogans: every legal way to break, the best by a score.

Greedy filling gives a headline a last line of one or two characters, a word cut in two ("地理标 / 志")
or a particle at the start of a line ("消费者 / 的九项 / 权利"). A title is short, so this tries every set
of breaks that gives the fewest lines fitting the width and keeps the one that costs least:
  - uneven lines cost the squares of their differences from the mean width, in characters (em);
  - a last line of one or two characters, or any line of one, costs SHORT_LAST: almost anything else is better;
  - a break after a pause (，、：and closing marks) is free, after "暨" or "的" almost free, at a
    word's end (the dictionary's, `words.py`) AT_WORD, inside a word INSIDE_WORD;
  - a line starting with a particle (的、了、和…) or a short place word (上、里、中…) that stands alone
    as a word costs STRANDED: it belongs with the word before;
  - a campaign term (`terms.py`) is never split; nor is anything the 禁则 rules or `keep` glue.
Among equal costs, the earlier lines longer. A last line that short, a stranded particle or a word cut
in two makes the choice `flawed`: the fit then tries a smaller size first (`fit.py`).
Pure: widths come from the `measure` function, as in `linebreak.py`. A term wider than the line is
split only as a last resort, and says so (`forced`, as a cut word does); text with a piece wider than
the line falls back to the narrowest greedy fill (`linebreak.narrowest`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import terms
from .linebreak import Broken, Measure, characters, narrowest
from .pieces import CLAUSE_END, PIECES, Keep

SOFT_PAUSES = frozenset("暨的")
PARTICLES = frozenset("的了和与及着过")
PLACE_WORDS = frozenset("上下中里内外前后间旁")
AT_PAUSE, AT_SOFT_PAUSE, AT_WORD = 0.0, 0.5, 2.0
# The flaws: a choice with any of them is taken only when no size within reach avoids them (`fit.py`).
STRANDED = 12.0
INSIDE_WORD = 25.0
SHORT_LAST = 30.0
Line = Callable[[int, int], float]  # the width of the line from one piece to another (both included)


@dataclass(frozen=True)
class Choice:
    lines: tuple[str, ...]
    cost: float
    flawed: bool


def balanced(text: str, width: float, measure: Measure, keep: Keep = "characters") -> Broken:
    """The best-scoring break of each paragraph into its fewest lines; `flawed` when the best is still ugly."""
    lines: list[str] = []
    flawed = forced = False
    for paragraph in (p.strip() for p in text.split("\n")):
        if not paragraph:
            continue
        choice = best(paragraph, width, measure, keep)
        if choice is None and (choice := best(paragraph, width, measure, keep, whole_terms=False)) is not None:
            forced = True  # a term wider than the line: cut, as a word wider than the line is
        if choice is None:
            return narrowest(text, width, measure, keep)
        lines += choice.lines
        flawed = flawed or choice.flawed
    return Broken(tuple(lines), forced, flawed)


def best(text: str, width: float, measure: Measure, keep: Keep = "characters", whole_terms: bool = True) -> Choice | None:
    """The cheapest break of one paragraph into its fewest lines, or None when a piece is wider than the line."""
    if measure(text) <= width:
        return Choice((text,), 0.0, False)
    spans = _spans(text, keep, terms.inside(text) if whole_terms else frozenset())
    measured: dict[tuple[int, int], float] = {}

    def line_width(first: int, last: int) -> float:
        if (first, last) not in measured:
            measured[first, last] = measure(text[spans[first][0] : spans[last][1]])
        return measured[first, last]

    fewest = _fewest_lines(len(spans), width, line_width)
    if fewest[0] is None:
        return None
    em = measure(text) / len(text) or 1.0  # the average advance: no character measured that the text lacks
    scored = []
    for runs in _sets(len(spans), width, line_width, fewest):
        widths = [line_width(a, b) for a, b in runs]
        lines = [text[spans[a][0] : spans[b][1]] for a, b in runs]
        scored.append((_score(text, lines, widths, em, [spans[b][1] for _, b in runs[:-1]]), [-w for w in widths]))
    return min(scored, key=lambda s: (s[0].cost, s[1]))[0] if scored else None


def _spans(text: str, keep: Keep, inside: frozenset[int]) -> list[tuple[int, int]]:
    """Where each unbreakable piece starts and ends in `text`, with the pieces that meet `inside` a term joined."""
    out: list[tuple[int, int]] = []
    at = 0
    for piece in PIECES[keep](text):
        start = at + len(piece.space)
        at = start + len(piece.text)
        if out and out[-1][1] in inside:
            out[-1] = (out[-1][0], at)
        else:
            out.append((start, at))
    return out


def _fewest_lines(count: int, width: float, line_width: Line) -> list[int | None]:
    """For each first piece, the fewest lines the pieces from it on fit in (None: one is wider than the line)."""
    fewest: list[int | None] = [None] * count + [0]
    for first in range(count - 1, -1, -1):
        options = [fewest[last + 1] for last in _fitting(first, count, width, line_width)]
        found = [n for n in options if n is not None]
        fewest[first] = 1 + min(found) if found else None
    return fewest


def _fitting(first: int, count: int, width: float, line_width: Line) -> Iterator[int]:
    for last in range(first, count):
        if line_width(first, last) > width:
            return
        yield last


def _sets(count: int, width: float, line_width: Line, fewest: list[int | None]) -> Iterator[list[tuple[int, int]]]:
    """Every way to break the pieces into exactly their fewest lines, each run of pieces as (first, last)."""

    def more(first: int, lines: int) -> Iterator[list[tuple[int, int]]]:
        if lines == 0:
            yield from [[]] if first == count else []
            return
        for last in _fitting(first, count, width, line_width):
            rest = fewest[last + 1]
            if rest is not None and rest <= lines - 1 <= count - last - 1:
                for runs in more(last + 1, lines - 1):
                    yield [(first, last), *runs]

    yield from more(0, fewest[0] or 0)


def _score(text: str, lines: list[str], widths: list[float], em: float, breaks: list[int]) -> Choice:
    from .words import word_ends

    mean = sum(widths) / len(widths)
    cost = sum(((w - mean) / em) ** 2 for w in widths)
    flaws = []
    ends = word_ends(text)
    for at, line in zip(breaks, lines[1:], strict=True):
        before = text[:at].rstrip()[-1]
        if before in CLAUSE_END:
            cost += AT_PAUSE
        elif before in SOFT_PAUSES:
            cost += AT_SOFT_PAUSE
        elif at in ends:
            cost += AT_WORD
        else:
            flaws.append(INSIDE_WORD)
        start = len(text) - len(text[at:].lstrip())
        if line[0] in PARTICLES | PLACE_WORDS and start + 1 in ends:
            flaws.append(STRANDED)
    if len(lines) > 1 and characters(lines[-1]) <= 2 and characters(text) > 4:
        flaws.append(SHORT_LAST)
    flaws += [SHORT_LAST for line in lines[:-1] if characters(line) <= 1]  # "的" alone on a line
    return Choice(tuple(lines), cost + sum(flaws), bool(flaws))
