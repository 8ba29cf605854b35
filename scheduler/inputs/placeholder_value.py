"""A value that starts with a placeholder, written without quotes: `line: {{ launch_date }}，人民广场见`,
or an item of a `[ ]` list that does: `tags: [{{ theme }}, 启动]`.

YAML reads `{` at the start of a value as the start of a `{ }` mapping, so such a line stops the parser
(or makes a mapping of a mapping) and its own message is about commas or indentation. This module
finds the line and shows it with the value in quotes, as content/README.md says to write it. Like
`full_width`, it is imported only to explain an error.
"""

from __future__ import annotations

import re

# A key's or a list item's value that starts with `{{`: `line: {{ x }}…`, `- {{ x }}…`.
_UNQUOTED = re.compile(r"^(\s*(?:-\s+)?(?:[\w.\-]+\s*:\s+)?)(\{\{.*)$")

# An item of a flow list that starts with `{{`: `[{{ x }}, …]`, `[…, {{ x }}]`.
_IN_FLOW = re.compile(r"(?<=[\[,])(\s*)(\{\{[^,\]]*?)(?=\s*[,\]])")

REASON = "值以 {{ 开头却没有加引号：YAML 把值开头的 { 读作 { } 映射的开头"


def _unquoted(line: str) -> bool:
    return bool(_UNQUOTED.match(line) or _IN_FLOW.search(line))


def near_syntax_error(lines: list[str], *at: int) -> int | None:
    """The first of the lines `at` (0-based) with a value or list item that starts with an unquoted `{{`, or None."""
    return next((i for i in at if 0 <= i < len(lines) and _unquoted(lines[i].rstrip())), None)


def _in_quotes(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"  # a quote inside doubled, as YAML reads it


def quoted(line: str) -> str:
    """The line with each such value in single quotes."""
    match = _UNQUOTED.match(line.rstrip())
    if match is None:
        return _IN_FLOW.sub(lambda m: m.group(1) + _in_quotes(m.group(2)), line.rstrip())
    lead, value = match.groups()
    return f"{lead}{_in_quotes(value)}"


def hint(line: str) -> str:
    return f"用引号把值括起来，改成“{quoted(line)}”"
