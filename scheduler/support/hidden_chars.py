"""Characters a reader does not see, and how a person is told of one.

A format character (zero-width space U+200B, joiners U+200C/U+200D, direction marks and overrides
U+200E/U+200F, U+202A–U+202E, U+2066–U+2069, the BOM U+FEFF, the soft hyphen), a line or paragraph
separator (U+2028, U+2029), a control character other than tab and line breaks, and the blank fillers
(Hangul U+115F, U+1160, U+3164, U+FFA0, the blank braille cell U+2800, the grapheme joiner U+034F)
show as nothing, or turn the text around them, while splitting the words the checks look for
(最<U+200B>佳 reads 最佳). Content may hold none of them (`content_markup`, the poster glyph check);
the checks read text with them left out (`rendering.lint_view`).
"""

from __future__ import annotations

import unicodedata

FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
_CATEGORIES = frozenset(("Cf", "Zl", "Zp"))
_LINE_BREAKS = frozenset("\t\n\r")


def hidden(ch: str) -> bool:
    """A character content may not hold: it shows as nothing (or reorders the text) but splits words."""
    category = unicodedata.category(ch)
    return category in _CATEGORIES or ch in FILLERS or (category == "Cc" and ch not in _LINE_BREAKS)


def where_hidden(text: str) -> list[int]:
    """The indices of the hidden characters in `text`. Most texts have none: `str.isprintable` (false
    for every format, control and separator character) and the fillers rule them out quickly."""
    if text.translate(_ORDINARY_SPACES).isprintable() and not any(f in text for f in FILLERS):
        return []
    return [i for i, ch in enumerate(text) if hidden(ch)]


_ORDINARY_SPACES = str.maketrans("", "", "\t\n\r \u3000\u00a0")  # separators, not printable, and not hidden


def ignored(ch: str) -> bool:
    """A character the checks read past: a hidden one, or a variation selector (U+FE0F after an emoji)."""
    return hidden(ch) or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef" or "\u180b" <= ch <= "\u180f"


def named(ch: str) -> str:
    """U+200B ZERO WIDTH SPACE: its code point and Unicode name (a person cannot be shown it); a control
    character, which has no name: U+0085（控制字符）."""
    name = unicodedata.name(ch, "")
    if name or unicodedata.category(ch) != "Cc":
        return f"U+{ord(ch):04X} {name}".strip()
    return f"U+{ord(ch):04X}（控制字符）"
