"""Markup as tokens for a post's version (`versions.normalise_text`): tags with their attributes,
and non-blank text runs, whitespace collapsed as `versions` collapses it. Apart from `versions` so
that a command whose texts carry no markup (poster words, Weibo posts) does not import the HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .versions import collapse

_STYLE_PUNCT = re.compile(r"\s*([:;,])\s*")


class Tokens(HTMLParser):
    """Markup as a list of tokens: tags with their attributes, and non-blank text runs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[list[Any]] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        text = collapse("".join(self._text))
        self._text.clear()
        if text:
            self.tokens.append(["t", text])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self.tokens.append(["<", tag, sorted([name, _attr(name, value or "")] for name, value in attrs)])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        self.tokens.append([">", tag])

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _attr(name: str, value: str) -> str:
    value = collapse(value)
    return _STYLE_PUNCT.sub(r"\1", value).rstrip(";") if name == "style" else value
