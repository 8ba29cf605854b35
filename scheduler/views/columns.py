"""Text for a terminal, measured in display columns: a Chinese character takes two, a Latin one one.

Tables (`qm plan`, `qm queue`) line their columns up by it, and a long title is cut to a number of
columns rather than of characters, so a Chinese title and an English one take the same room.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

ELLIPSIS = "…"  # ends a cut text; one column, like the other punctuation the widths count as narrow


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def clip(text: str, columns: int) -> str:
    """`text` if it takes at most `columns` columns; else as much of it as fits with `…` after it."""
    if width(text) <= columns:
        return text
    kept, used = "", width(ELLIPSIS)
    for ch in text:
        used += width(ch)
        if used > columns:
            break
        kept += ch
    return kept.rstrip() + ELLIPSIS


def aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """One line per row, its cells two spaces apart and each column as wide as its widest cell (the
    last column is not padded, and no line ends in spaces)."""
    if not rows:
        return []
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(pad(cell, widths[i]) if i < len(widths) else cell for i, cell in enumerate(row)).rstrip() for row in rows]
