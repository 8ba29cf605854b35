"""A post's version: a hash of what a reader sees (its words and its pictures), nothing else.

Whitespace (spaces, tabs, line breaks, the full-width space: not the invisible separators) is collapsed everywhere (HTML text and attribute values included; whitespace between
tags, as a `{%- if %}` or a blank line in a template leaves it, and beside Chinese characters, is dropped), fields its channel
kind derives from the others (`Kind.derived`, such as Weibo's length count) are left out, and a picture counts by what it shows: its layout, its
size, the words drawn on it, and its look (the layout's own text, the brand, the logo, the photograph:
`picture_look.py` says how posts approved before the look counted keep their approval). So a harmless template edit or a new way of counting length keeps
every approval; a changed word or picture makes a new version.

Versions made before this scheme (a hash of the whole payload, 12 hex digits) are recognised by
`is_legacy`, so a database from an older qm is brought over without sending posts back to review.

It lives with rendering (a rendered post knows its version; rendering never imports the queue) and
imports nothing of the project: the queue compares versions, the console and `qm queue` show them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

LENGTH = 16  # hex digits of a version (older versions have 12: see is_legacy)
LEGACY_LENGTH = 12
SHOWN = 8  # hex digits of a version shown to reviewers (`qm queue`, `qm preview`) and asked of them (`qm approve 编号@版本`)
# The versions a history record or a note names as qm writes them, whole (审核通过（版本 …）, 内容已修改（版本 … → …）,
# 改回了审核通过的版本 …); not a version staff quote in their own words (a reason: 请改回版本 8eb4f891 的标题)
_WHOLE = f"[0-9a-f]{{{LEGACY_LENGTH}}}(?:[0-9a-f]{{{LENGTH - LEGACY_LENGTH}}})?(?![0-9a-f])"
_NAMED = re.compile(f"（版本 {_WHOLE}(?: → {_WHOLE})?）|(?<=改回了审核通过的版本) {_WHOLE}")
# Whitespace a reader sees as a space or a line break. The line and paragraph separators (U+2028, U+2029)
# and the control characters `\s` also matches are characters of the text: content may hold none of them
# (`support.hidden_chars`), and one added to an approved post's words makes a new version.
_SPACE = re.compile(r"[^\S\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")


def wide(char: str) -> bool:
    """A CJK character or full-width punctuation. (Compared, not a regex character class: `re` builds
    a class of these ranges one character at a time, about 1.5 ms at every start of `qm check`.)"""
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\ufe30" <= char <= "\ufe4f" or "\uff00" <= char <= "\uffef"


def collapse(text: str) -> str:
    """Runs of whitespace as one space; none beside a Chinese character (it separates nothing there)."""
    words = _SPACE.sub(" ", text).strip(" ").split(" ")
    joined = words[0]
    for word in words[1:]:  # none is empty: the runs are single spaces, none at either end
        joined += word if wide(joined[-1]) or wide(word[0]) else " " + word
    return joined


def normalise_text(text: str) -> Any:
    """Plain text: whitespace collapsed; text with markup: its tokens (tags and collapsed text)."""
    if "<" not in text:
        return collapse(text)
    from .markup_tokens import Tokens  # the HTML parser: only for text with markup (poster words have none)

    parser = Tokens()
    parser.feed(text)
    parser.close()
    return parser.tokens


def normalise(value: Any, derived: frozenset[str] = frozenset()) -> Any:
    """The payload as a reader sees it: strings normalised, `derived` fields (computed from the others) left out."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, Mapping):
        return {str(k): normalise(v, derived) for k, v in value.items() if k not in derived}
    if isinstance(value, list | tuple):
        return [normalise(v, derived) for v in value]
    return value


def picture_identity(pictures: Iterable[tuple[str, str]], words: Mapping[str, object], look: str = "") -> str:
    """What a post's pictures show: each one's (layout, size), the words drawn on them and their look (the
    layouts' own text, the brand, the logo, the photograph: `picture_look`; "" as an earlier qm counted them)."""
    blob: dict[str, Any] = {"pictures": sorted(list(p) for p in pictures), "words": normalise(dict(words))}
    if look:  # left out when empty: a post without pictures keeps the version an earlier qm gave it
        blob["look"] = look
    return _hash(blob, 64)


def version_of(payload: Mapping[str, Any], pictures: str = "", derived: frozenset[str] = frozenset()) -> str:
    """The version of a post: changes only when its words or its pictures do (`derived`: its kind's computed fields)."""
    return _hash({"payload": normalise(payload, derived), "pictures": pictures}, LENGTH)


def exact_digest(payload: Mapping[str, Any]) -> str:
    """A hash of all of the payload, every space and derived field included (what an older qm used as the version)."""
    return _hash(payload, LEGACY_LENGTH)


legacy_version = exact_digest


def is_legacy(version: str, payload: Mapping[str, Any]) -> bool:
    """Was `version` made by an older qm for exactly this payload?"""
    return len(version) == LEGACY_LENGTH and version == legacy_version(payload)


def _hash(value: Any, length: int) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:length]


def unversioned(text: str) -> str:
    """`text` (a history record, a note) without the versions it names: they mean nothing to people, the time and the
    person say which words. The records keep them (`pages.diff` reads them); only what is shown leaves them out."""
    return _NAMED.sub("", text)


def shown(version: str) -> str:
    """A version as reviewers see it: its start, enough to tell one version of a post from another."""
    return version[:SHOWN]
