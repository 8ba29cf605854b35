"""A list item written without the space after its dash: `-市总工会` for `- 市总工会`.

YAML reads `- ` (a dash and a space) as the start of a list item; `-市总工会` is just text. Alone under
its key the list becomes one piece of text (or, for `-name: 市总工会`, a mapping), and among other items
the parser stops, often a line or many lines later. Either way the parser and the readers see only
that something is wrong; this module finds the line, says what is missing and shows it corrected. In
a list of entries (`- name: 北安市`) a bare name is corrected to an entry with that key.
Like `full_width`, it is imported only to explain an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .located_yaml import Mapping

# A dash right before the text of the line (not `- x`, not `---` or `--x`).
_SLIP = re.compile(r"^(\s*)-(?=[^\s\-])")
_KEY_OPENS_BLOCK = re.compile(r"^\s*(?:-\s+)?[^\s#][^#]*:\s*(?:#.*)?$")  # `units:`, `- times:`
_TOP_KEY = re.compile(r"^[^\s#\-][^#]*:")
_KEY = re.compile(r"^([A-Za-z_]\w*):(?:\s|$)")  # `name: 北安市`, the text of an entry's first line

REASON = "“-”后面少了一个空格：YAML 只把以“- ”（减号加一个空格）开头的行读作列表的一项"


def corrected(line: str, key: str = "") -> str:
    """The line with the space after its dash; in a list of entries whose first key is `key`, a bare
    text becomes the value of that key (`-北安市` -> `- name: 北安市`)."""
    match = _SLIP.match(line)
    if match is None:
        return line
    text = line[match.end() :]
    if key and not _KEY.match(text):
        text = f"{key}: {text}"
    return f"{line[: match.end()]} {text}"


def hint(line: str, key: str = "") -> str:
    return f"改成“{corrected(line, key).rstrip()}”"


def entry_key(lines: list[str], i: int) -> str:
    """The key the entries beside line `i` (0-based) open with (`- name: 爱辉区` -> name); "" when the
    nearest item at its indent, before or after it, is no entry."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    for step in (-1, 1):
        near = _outer(lines, i + step, step, indent)
        if near is not None and near[indent:].startswith("- ") and not near[:indent].strip():
            match = _KEY.match(near[indent + 2 :].lstrip())
            if match:
                return match.group(1)
    return ""


def _outer(lines: list[str], start: int, step: int, indent: int) -> str | None:
    """The nearest line from `start` on (going by `step`) that is neither blank nor a comment and is
    indented no deeper than `indent`: the item's sibling or the key it is under."""
    i = start
    while 0 <= i < len(lines):
        text = lines[i]
        if text.strip() and not text.lstrip().startswith("#") and len(text) - len(text.lstrip()) <= indent:
            return text
        i += step
    return None


def is_slip(lines: list[str], i: int) -> bool:
    """Whether line `i` (0-based) is a list item missing its space: a `-x` line beside `- ` items at its
    own indent, or the first line under a key that opens a block."""
    match = _SLIP.match(lines[i])
    if match is None:
        return False
    indent = match.end() - 1
    before, after = _outer(lines, i - 1, -1, indent), _outer(lines, i + 1, 1, indent)
    if any(n is not None and n[indent:].startswith("- ") and not n[:indent].strip() for n in (before, after)):
        return True
    return before is not None and bool(_KEY_OPENS_BLOCK.match(before))


def near_syntax_error(lines: list[str], line: int) -> int | None:
    """The line (0-based) of a dash slip the parser tripped over at `line`, or None. The parser often
    stops later (the text swallows the items after it), so the search goes up from there, within the
    top-level section it is in."""
    for i in range(min(line, len(lines) - 1), -1, -1):
        if is_slip(lines, i):
            return i
        if i < line and _TOP_KEY.match(lines[i]):
            return None
    return None


def in_value(value: Any, source: str, key_line: int) -> tuple[int, str] | None:
    """For a value read where a list belongs: the line (1-based) and text of the `-x` line that made it
    text or a mapping, when that is what happened; None otherwise. `key_line` is its key's line."""
    if isinstance(value, str):
        first = value.split(None, 1)[0] if value.strip() else ""
        line = key_line
    elif isinstance(value, Mapping) and value:
        first, line = str(next(iter(value))), value.line_of(next(iter(value)))
    else:
        return None
    if not first.startswith("-"):
        return None
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError):
        return None
    for i in range(max(line - 1, 0), min(line + 1, len(lines))):  # the key's line or the next
        if _SLIP.match(lines[i]) and lines[i].lstrip().startswith(first) and is_slip(lines, i):
            return i + 1, lines[i]
    return None


def not_a_list(value: Any, m: Mapping, key: str, name: str, item_key: str = "") -> tuple[str, str, str]:
    """Where, what and how to fix it, for `value` read at `m[key]` (called `name`) where a list belongs;
    `item_key` is the key its entries open with, if they are entries."""
    slip = in_value(value, m.source, m.line_of(key))
    if slip is None:
        return m.where(key), f"{name} 应当是一个列表", ""
    return f"{m.source}:{slip[0]}", f"{name} 应当是一个列表：{REASON}", hint(slip[1], item_key)
