"""Chinese line breaking with the 禁则 rules (GB/T 15834-2011 §5, W3C clreq basic level).

Pure: text in, lines out; widths come from a `measure` function so the same code serves any font,
size and direction. Break between any two Han characters, except:
  - never before a mark that may not start a line (NO_START), never after one that may not end it (NO_END);
  - `——` and `……` are never split;
  - a run of Latin letters or digits (a word, a number, a URL) is kept whole; spaces are break points,
    except between a standard's code and its number ("GB 19147", "GB/T 15834-2011" stay on one line);
  - a paragraph does not end on a line of one or two characters (an orphan such as "签。" or "测一测。"
    cut to "测。"): the greedy fill moves the previous line's end down to keep it company, a whole word
    ("测 / 一测。" would split one), when that fits; the line count, and so the block's height, stays.
Mainland style hangs no punctuation: a character that would start a line with a closing mark is pushed
to the next line together with that mark. What may not be broken inside comes from `pieces.py`: titles may ask
for breaks only between words or only between clauses (`keep`), footers only between their items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .pieces import CLAUSE_END, NO_END, NO_START, PIECES, Keep, Piece, units

Measure = Callable[[str], float]


@dataclass(frozen=True)
class Broken:
    lines: tuple[str, ...]
    forced: bool = False  # a piece wider than the line had to be cut (e.g. one very long word)
    flawed: bool = False  # the best balanced break still strands a word or leaves a short last line (titlebreak.py)


def break_lines(text: str, width: float, measure: Measure, keep: Keep = "characters") -> Broken:
    """Greedy line filling: as many pieces per line as fit in `width`. A newline always breaks.

    With `keep` at "words", "clauses" or "items", lines break only between them; one wider than the line is cut (`forced`)."""
    parts = [_fill(p, width, measure, keep) for p in text.split("\n") if p.strip()]
    return Broken(tuple(line for part in parts for line in part.lines), any(part.forced for part in parts))


def is_additive(measure: Measure) -> bool:
    """Whether a line's width is the sum of its parts' widths (`fonts.measure` sums advances; Pillow's
    `getlength` with kerning does not): a line being filled is then measured by adding each piece."""
    return getattr(measure, "additive", False) is True


def _fill(text: str, width: float, measure: Measure, keep: Keep) -> Broken:
    lines: list[str] = []
    last: list[Piece | None] = []  # each line's last piece (None: the line ends inside a cut piece)
    line, end = "", None
    forced = False
    todo = list(PIECES[keep](text))[::-1]
    additive, line_width = is_additive(measure), 0.0  # the width of `line`, kept when additive
    while todo:
        piece = todo.pop()
        added = piece.space + piece.text if line else piece.text
        candidate = line + added
        # additive: the same sum as measuring the whole candidate, without measuring the line again
        candidate_width = line_width + measure(added) if additive else measure(candidate)
        if candidate_width <= width:
            line, end, line_width = candidate, piece, candidate_width
            continue
        if " " in piece.text and keep == "characters" and measure(piece.text) > width:  # a code and its number wider than a line
            first, _, rest = piece.text.partition(" ")
            todo += [Piece(rest, " "), Piece(first, piece.space)]
            continue
        if line:
            lines.append(line)
            last.append(end)
        if (alone := measure(piece.text)) <= width:
            line, end, line_width = piece.text, piece, alone
            continue
        forced = True
        cut = _cut(piece.text, width, measure)
        lines += cut[:-1]
        last += [None] * (len(cut) - 1)
        line, end, line_width = cut[-1], None, measure(cut[-1])
    if line:
        lines.append(line)
        last.append(end)
    return Broken(_no_widow(lines, last, width, measure, text, keep), forced)


def is_widow(line: str) -> bool:
    """A line with at most one character besides punctuation ("签。", "拨")."""
    return characters(line) <= 1


def is_short(line: str) -> bool:
    """A line with at most two characters besides punctuation ("测。", "签字"): an orphan at a paragraph's end."""
    return characters(line) <= 2


def characters(line: str) -> int:
    """The characters of a line besides punctuation and spaces."""
    return len([ch for ch in line if ch not in CLAUSE_END and ch not in NO_START and not ch.isspace()])


def _no_widow(lines: list[str], last: list[Piece | None], width: float, measure: Measure, text: str, keep: Keep) -> tuple[str, ...]:
    """Move the end of the second-to-last line down when the last line has one or two characters (and the result fits).

    As few pieces as give the last line three characters, and the line above keeps two; the break moved back
    is one a reader expects, at a word's end ("辨一辨、/ 测一测。", not "辨一辨、测 / 一测。"), unless the whole word
    does not fit the last line. When nothing nearby gives three, a lone character still gets company (two)."""
    if len(lines) < 2 or last[-2] is None:
        return tuple(lines)
    before, after = lines[-2], lines[-1]
    joint = "" if before + after in text else " "  # the space a break between Latin words dropped
    for orphan in (is_short, is_widow):
        if not orphan(after):
            continue
        # the latest break that gives the last line enough (moving more down only adds to it)
        moved = next((at for at in reversed(_starts(before, keep)) if at > 0 and not orphan(before[at:] + joint + after)), None)
        if moved is None:
            continue
        for at in (*_word_start(before, moved, after, text), moved):
            kept, joined = before[:at].rstrip(), before[at:] + joint + after
            if kept and not is_widow(kept) and measure(joined) <= width:
                return (*lines[:-2], kept, joined)
    return tuple(lines)


def _word_start(line: str, at: int, next_line: str, text: str) -> tuple[int, ...]:
    """Where the word that offset `at` of `line` falls inside begins, when a line may break there: the break
    for a widow's company. None when `at` is a word's end already, or the next line follows a space."""
    start = text.rfind(line + next_line)  # the paragraph's last two lines: its words are found once a paragraph
    if at <= 0 or start < 0:
        return ()
    from .words import word_ends

    ends = {end - start for end in word_ends(text) if start < end <= start + len(line)}
    starts = [i for i in _piece_starts(line) if 0 < i < at and i in ends]
    return () if at in ends or not starts else (max(starts),)


def _piece_starts(line: str) -> list[int]:
    """Offsets in `line` where its pieces begin: where the 禁则 rules allow a break."""
    return _starts(line, "characters")


def _starts(line: str, keep: Keep) -> list[int]:
    """Offsets in `line` where its pieces (`keep`) begin."""
    out, at = [], 0
    for piece in PIECES[keep](line):
        at += len(piece.space)
        out.append(at)
        at += len(piece.text)
    return out


def _cut(text: str, width: float, measure: Measure) -> list[str]:
    """Emergency breaks inside a piece wider than the line: between units where the rules allow
    (a line may then overflow), and inside a word only when the word alone is too wide."""
    out: list[str] = []
    line = ""
    for unit in units(text):
        parts = [unit] if measure(unit) <= width else list(unit)
        for part in parts:
            allowed = line and part[0] not in NO_START and line[-1] not in NO_END
            if allowed and measure(line + part) > width:
                out.append(line)
                line = ""
            line += part
    return [*out, line]


def narrowest(text: str, width: float, measure: Measure, keep: Keep = "characters") -> Broken:
    """The narrowest width that keeps the greedy line count: lines of even length, no lone last character.

    What a title gets when a piece of it is wider than the line (titlebreak.py scores the others)."""
    best = break_lines(text, width, measure, keep)
    if len(best.lines) < 2:
        return best
    lo, hi = width / len(best.lines), width
    while hi - lo > 1:
        mid = (lo + hi) / 2
        trial = break_lines(text, mid, measure, keep)
        if len(trial.lines) == len(best.lines) and trial.forced == best.forced:
            hi, best = mid, trial
        else:
            lo = mid
    return best
