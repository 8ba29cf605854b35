"""The small Markdown subset content bodies use, turned into safe HTML.

Supported: paragraphs, `### ` subheadings (any level 1–6 becomes a subheading), `- `/`* `/`1. `
lists, `**bold**`. Everything is HTML-escaped first, so content can never inject markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.、]\s*(.*)$")


def inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(text)))


def to_html(markdown: str) -> Markup:
    out: list[str] = []
    paragraph: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append(f"<p>{inline(''.join(paragraph))}</p>")
            paragraph.clear()
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = ""

    for raw in markdown.splitlines():
        line = raw.strip()
        heading, bullet, numbered = _HEADING.match(line), _BULLET.match(line), _NUMBERED.match(line)
        if not line:
            flush()
        elif heading:
            flush()
            out.append(f"<h3>{inline(heading.group(1))}</h3>")
        elif bullet or numbered:
            tag = "ul" if bullet else "ol"
            if paragraph or list_tag != tag:
                flush()
                out.append(f"<{tag}>")
                list_tag = tag
            out.append(f"<li>{inline((bullet or numbered).group(1))}</li>")  # type: ignore[union-attr]
        else:
            if list_tag:
                flush()
            paragraph.append(line)
    flush()
    return Markup("\n".join(out))
