"""What a line may not break inside: the pieces of a text, from the 禁则 rules up to whole words, clauses or items.

Pure. The 禁则 rules (GB/T 15834-2011 §5, W3C clreq basic level) glue a mark that may not start a line (NO_START)
to the piece before and one that may not end a line (NO_END) to the piece after; `——` and `……` stay whole; a run
of Latin letters or digits is one piece, as is a standard's code with its number ("GB 19147"). On top of those,
`keep` glues the pieces into whole words (the dictionary's, `words.py`), whole clauses (titles), or whole items of a
list set apart by ideographic spaces (a footer's "主办：…　投诉举报电话：…": an organiser's name is never split).
`linebreak.py` fills lines with them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# ® ™ ℠ mark the name before them ("XX®"): like a closing mark, they stay with it.
NO_START = frozenset("。．，、；：？！‼⁇”’」』）〕】〗］｝》〉–—～·／" + "%％‰℃°,.;:?!)]}" + "®™℠")
NO_END = frozenset("“‘「『（〔【〖［｛《〈" + "([{")
UNSPLIT = ("——", "……")
# A clause ends after punctuation or a closing bracket or quote, and a new one starts before an opening mark.
CLAUSE_END = frozenset("，。、；：！？,.;:!?" + "”’」』）〕】〗］｝》〉)]}")
CLAUSE_START = NO_END
ITEM_GAP = "\u3000"  # the ideographic space between a list's items ("主办：…　投诉举报电话：…")
# What a line may not break inside: nothing beyond the 禁则 rules, a word, a clause, or an item of a list.
Keep = Literal["characters", "words", "clauses", "items"]
CODE = re.compile(r"^(?:GB|[A-Z]{2,4})(?:/[A-Z]{1,2})?$")  # a standard's code: GB, GB/T, QB/T, SN, ISO...


@dataclass(frozen=True)
class Piece:
    """A run that may not be broken inside; `space` is the whitespace before it (dropped at a line start)."""

    text: str
    space: str = ""


def is_latin(ch: str) -> bool:
    """Letters, digits and ASCII-ish symbols that stay together as a word (below the general punctuation block)."""
    return ord(ch) < 0x2000 and not ch.isspace() and ch not in NO_END


def units(text: str) -> list[str]:
    """Split text into the smallest units a line may break between (before 禁则)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith(UNSPLIT, i):
            out.append(text[i : i + 2])
            i += 2
        elif is_latin(ch):
            j = i
            while j < len(text) and is_latin(text[j]):
                j += 1
            out.append(text[i:j])
            i = j
        elif ch.isspace():
            j = i
            while j < len(text) and text[j].isspace():
                j += 1
            out.append(text[i:j])
            i = j
        else:
            out.append(ch)
            i += 1
    return out


@functools.lru_cache(maxsize=1024)
def pieces(text: str) -> tuple[Piece, ...]:
    """Glue units into unbreakable pieces following the line-start and line-end prohibitions.

    Cached: the fit breaks the same text at many widths and sizes."""
    out: list[Piece] = []
    space = ""
    glue_next = False
    for unit in units(text.strip()):
        if unit.isspace():
            space, glue_next = unit, False
            continue
        if out and (glue_next or unit[0] in NO_START or (space and unit[0].isdigit() and CODE.match(out[-1].text))):
            out[-1] = _joined(out[-1], Piece(unit, space))
        else:
            out.append(Piece(unit, space))
        space = ""
        glue_next = unit[-1] in NO_END
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def word_pieces(text: str) -> tuple[Piece, ...]:
    """Pieces glued into whole words: the breaks left are where the dictionary says a word ends."""
    from .words import word_ends

    ends = word_ends(text.strip())
    out: list[Piece] = []
    at = 0
    for piece in pieces(text):
        at += len(piece.space)
        if out and at not in ends:
            out[-1] = _joined(out[-1], piece)
        else:
            out.append(piece)
        at += len(piece.text)
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def clause_pieces(text: str) -> tuple[Piece, ...]:
    """Pieces glued into whole clauses: the breaks left are after punctuation or a closing mark and before an opening one."""
    return _glued(text, lambda before, piece: before.text[-1] in CLAUSE_END or piece.text[0] in CLAUSE_START)


@functools.lru_cache(maxsize=1024)
def item_pieces(text: str) -> tuple[Piece, ...]:
    """Pieces glued into whole items of a list set apart by ideographic spaces (a footer's "主办：…　投诉举报电话：…")."""
    return _glued(text, lambda _, piece: ITEM_GAP in piece.space)


def _glued(text: str, apart: Callable[[Piece, Piece], bool]) -> tuple[Piece, ...]:
    """The pieces of `text` glued together except where `apart(the piece before, the piece)`."""
    out: list[Piece] = []
    for piece in pieces(text):
        if out and not apart(out[-1], piece):
            out[-1] = _joined(out[-1], piece)
        else:
            out.append(piece)
    return tuple(out)


def _joined(first: Piece, then: Piece) -> Piece:
    return Piece(first.text + then.space + then.text, first.space)


PIECES: dict[Keep, Callable[[str], tuple[Piece, ...]]] = {
    "characters": pieces,
    "words": word_pieces,
    "clauses": clause_pieces,
    "items": item_pieces,
}
