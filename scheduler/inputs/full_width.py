"""Chinese (full-width) punctuation typed where YAML or a value needs the English one.

With a Chinese input method on, `theme：…`, `["09:30"，"17:30"]` and `20：00` are the commonest slips in a
config or content file. The parser and the readers see only that something is wrong; this module names
the character the person typed and the one to type instead.
"""

from __future__ import annotations

import re

# Full-width mark -> (its name, the English mark, what YAML needs there).
MARKS: dict[str, tuple[str, str, str]] = {
    "：": ("冒号", ":", "键后面要写英文冒号“:”再加一个空格"),
    "，": ("逗号", ",", "[ ] 里的项之间要用英文逗号“,”分隔"),
    "［": ("方括号", "[", "列表要用英文方括号“[ ]”"),
    "］": ("方括号", "]", "列表要用英文方括号“[ ]”"),
    "｛": ("花括号", "{", "要用英文花括号“{ }”"),
    "｝": ("花括号", "}", "要用英文花括号“{ }”"),
}
# What to type in YAML instead, where it is more than the English mark.
_REPLACEMENT = {"：": ("加一个空格", ": ")}
# A key followed by a full-width colon, before any English `: ` on the line: `theme：…`, `- name：…`.
_KEY_SLIP = re.compile(r"^(\s*(?:-\s+)?[\w.\-]+\s*)：")
# A key line written right (`key:` or `key: value`), which a slip above it cannot be hidden behind.
_KEY_LINE = re.compile(r"^\s*(?:-\s+)?[\w.\-]+\s*:(?:\s|$)")


def typed(mark: str) -> str:
    """`用了中文冒号“：”`: what the person typed."""
    return f"用了中文{MARKS[mark][0]}“{mark}”"


def instead(mark: str) -> str:
    """`要用英文冒号“:”`: what to type instead."""
    name, english, _ = MARKS[mark]
    return f"要用英文{name}“{english}”"


def in_syntax(mark: str) -> str:
    """A YAML syntax position holding `mark`: what was typed and what YAML needs there."""
    return f"{typed(mark)}，{MARKS[mark][2]}"


def fix(mark: str) -> str:
    """How to correct `mark` where YAML reads it."""
    name, english, _ = MARKS[mark]
    more, written = _REPLACEMENT.get(mark, ("", english))
    return f"把“{mark}”改成英文{name}{more}“{written}”"


def in_value(value: object) -> str:
    """For a value that failed to read: which full-width mark it holds and what to type instead; ""
    when it holds none."""
    if not isinstance(value, str):
        return ""
    mark = next((ch for ch in value if ch in MARKS), "")
    return f"其中的“{mark}”是中文{MARKS[mark][0]}，{instead(mark)}" if mark else ""


def key_slip(lines: list[str], line: int) -> tuple[int, int] | None:
    """The (line, column), 0-based, of a key written with a full-width colon at `line` or above it.

    The parser trips over such a key only at a later line (the key swallows what follows it), so the
    search goes up from where it tripped until a key written right."""
    for i in range(min(line, len(lines) - 1), -1, -1):
        text = lines[i]
        if match := _KEY_SLIP.match(text):
            return i, match.end() - 1
        if i < line and _KEY_LINE.match(text):
            return None
    return None


def syntax_slip(lines: list[str], line: int, column: int) -> tuple[int, int, str] | None:
    """A Chinese mark where YAML needs an English one, the likeliest cause of a parser error at (line,
    column): (line, column, the mark), 0-based; None when there is none."""
    if line < len(lines) and (char := lines[line][column : column + 1]) in MARKS:
        return line, column, char
    found = key_slip(lines, line)
    return (*found, "：") if found else None
