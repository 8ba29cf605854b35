"""Text as the word checks read it: what a reader takes it to say, mapped back to what was written.

A banned word must not pass for being written with a lookalike or a hidden character: 最⾼级 with the
Kangxi radical ⾼ (U+2FBC), 100％ with the full-width ％, １２３６５ in full-width digits, 最<U+200B>佳 with a
zero-width space, 最　佳 with a space between Chinese characters. So the checks read a view of the text:
each character in its compatibility form (NFKC), the hidden characters (`support.hidden_chars`) left
out, and spaces beside a Chinese character (as read) left out, as a post's version leaves them out
(`versions.collapse`). Line breaks stay: a template's lines and an article's paragraphs are apart
(a Markdown paragraph's lines are joined before this, by the renderer).

What is found is quoted as it was written (`View.find`), so that a finding points at the very words
of the content file (`ContentItem.where_text`). Reading is a `str.translate` and one substitution;
which written character each read one comes from is worked out only for words found (rarely).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..support.hidden_chars import ignored
from .versions import wide

_SPACES = re.compile(r"[^\S\n\r]+")  # a run of spaces within a line


class _Reading(dict[int, str]):
    """A character (its code point) -> what the checks read: its NFKC form, "" for one they read past."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        read = self[code] = "" if ignored(ch) else unicodedata.normalize("NFKC", ch)
        return read


_READ = _Reading()


@dataclass(frozen=True)
class View:
    text: str  # what the checks read
    source: str  # what was written

    def find(self, words: str, within: str = "") -> str:
        """The written words that the first occurrence of `words` (read as `read_as` reads them) stands for;
        "" when there is none. `within`: `text` with some words masked, each by as many characters."""
        at = (within or self.text).find(words) if words else -1
        if at < 0:
            return ""
        origin = self._origin
        if at + len(words) > len(origin):  # cannot happen but for a character whose form starts with a space
            return words
        return self.source[origin[at] : origin[at + len(words) - 1] + 1]

    @functools.cached_property
    def _origin(self) -> tuple[int, ...]:
        """For each character of `text`, the index in `source` it comes from. `text` keeps each written
        character's read form in order and drops only whole runs of spaces, so a walk matches them up."""
        origin: list[int] = []
        for at, ch in enumerate(self.source):
            read = _READ[ord(ch)]
            if read and self.text.startswith(read, len(origin)):
                origin += [at] * len(read)
        return tuple(origin)


@functools.lru_cache(maxsize=4096)  # the same configured words for every post
def read_as(text: str) -> str:
    """Only the view's text: a configured word, read as the words it is looked for in are."""
    return view(text).text


def written_in(words: str, text: str) -> str:
    """How `text` writes the words a finding quotes from another rendering of them (a post's text, where a
    full-width space beside Chinese was collapsed to an ASCII one): "" when `text` does not hold them."""
    return words if words in text else view(text).find(read_as(words))


def view(source: str) -> View:
    """`source` as the checks read it (see the module's docstring)."""
    return View(_SPACES.sub(_space, source.translate(_READ)), source)


def _space(run: re.Match[str]) -> str:
    """A run of spaces: none beside a Chinese character (it separates nothing there), else kept."""
    text, start, end = run.string, run.start(), run.end()
    return "" if (start and wide(text[start - 1])) or (end < len(text) and wide(text[end])) else run.group()
