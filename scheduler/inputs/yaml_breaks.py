"""A line or paragraph separator (U+2028, U+2029) or a next-line character (U+0085) in a YAML file.

These are invisible, usually pasted in with the text, and YAML reads each as a line break: the parser
stops in the middle of what looks like one line, with an error about a missing colon or an indent a
line further on. When a file does not parse and holds one, this is said instead, by code point, at
the line it is really on (counted by ordinary line breaks, as an editor counts them). Like
`full_width`, it is imported only to explain an error.
"""

from __future__ import annotations

from ..support.errors import Problem
from ..support.hidden_chars import described

BREAKS = "\u2028\u2029\x85"


def problem(text: str, source: str, line_offset: int) -> Problem | None:
    """The first such character of `text` as a problem at its line; None when there is none."""
    at = min((i for i in map(text.find, BREAKS) if i >= 0), default=-1)
    if at < 0:
        return None
    line = text.count("\n", 0, at) + 1 + line_offset
    return Problem(
        f"有看不见的字符 {described(text, [at])}：YAML 把它当作换行，这一行读不下去",
        f"{source}:{line}",
        "删去这个字符，它常随复制粘贴带进来；确实要分行，就按回车另起一行",
    )
