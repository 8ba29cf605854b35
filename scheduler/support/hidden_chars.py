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
from collections.abc import Iterable

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


# What Chinese staff call the common ones (said before the code point, which a search still finds).
CHINESE_NAMES = {
    "\u200b": "零宽空格",
    "\u200c": "零宽非连接符",
    "\u200d": "零宽连接符",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u202a": "从左到右嵌入",
    "\u202b": "从右到左嵌入",
    "\u202c": "方向格式结束符",
    "\u202d": "从左到右覆盖",
    "\u202e": "从右到左覆盖",
    "\u2066": "从左到右隔离",
    "\u2067": "从右到左隔离",
    "\u2068": "首字方向隔离",
    "\u2069": "方向隔离结束符",
    "\u2028": "行分隔符",
    "\u2029": "段分隔符",
    "\u2060": "零宽不换行符",
    "\ufeff": "字节顺序标记",
    "\u00ad": "软连字符",
    "\u3164": "韩文填充符",
    "\u2800": "盲文空格",
}
NEAR = 2  # visible characters each side that say where a hidden one is


def named(ch: str) -> str:
    """零宽空格 U+200B: a common one by its Chinese name and code point (a person cannot be shown it); another by
    its code point and Unicode name, U+2066 LEFT-TO-RIGHT ISOLATE; a control character, which has no name:
    U+0085（控制字符）."""
    if ch in CHINESE_NAMES:
        return f"{CHINESE_NAMES[ch]} U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if name or unicodedata.category(ch) != "Cc":
        return f"U+{ord(ch):04X} {name}".strip()
    return f"U+{ord(ch):04X}（控制字符）"


def place(text: str, at: int) -> str:
    """Where the character at `at` is, by the visible words of its line around it: 在“精益”和“求精”之间,
    在“精益”之后 at the end, 在“精益”之前 at the start; "" when it stands alone."""
    before, after = _near(reversed(text[:at]))[::-1], _near(text[at + 1 :])
    if before and after:
        return f"在“{before}”和“{after}”之间"
    return f"在“{before}”之后" if before else f"在“{after}”之前" if after else ""


def described(text: str, found: Iterable[int]) -> str:
    """Each hidden character of `text` at the indices `found`, once, named and placed where it first is:
    零宽空格 U+200B（在“精益”和“求精”之间）、零宽连接符 U+200D（在“国”和“家级”之间）."""
    first: dict[str, int] = {}
    for at in found:
        first.setdefault(text[at], at)
    return "、".join(f"{named(ch)}（{where}）" if (where := place(text, at)) else named(ch) for ch, at in first.items())


def _near(chars: Iterable[str]) -> str:
    """Up to `NEAR` of `chars` a reader sees, up to a line break (hidden ones passed over)."""
    out = ""
    for ch in chars:
        if ch in "\n\r" or len(out) == NEAR:
            break
        if not hidden(ch) and not ch.isspace():
            out += ch
    return out
