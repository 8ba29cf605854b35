"""The plainest YAML read without PyYAML: a content file's front matter as staff write it.

A text qualifies when every line is `key: value` at the left margin, each key a distinct plain word, each
value one line of plain text or a `[a, b]` list of plain texts, and every value is a string to YAML 1.1
(it does not look like a number, date, yes/no, null or anything PyYAML reads otherwise). It is then read
here, with the same `Mapping`, `Sequence` and line marks PyYAML's loader (`located_yaml`) gives; anything
else (comments, blank lines, quotes, nesting, continued lines, tabs, unusual characters, errors) returns
None and is parsed by PyYAML as before. Importing PyYAML costs about 8 ms (its reader compiles a regular
expression covering nearly all of Unicode), more than the rest of reading the edited file: a check after
editing one item's title or summary does not pay it.
"""

from __future__ import annotations

from .located_yaml import Mapping, Sequence

# A plain text starting with one of these is no plain string to YAML: an indicator (`- ? : , [ ] { } # & * ! | > ' " % @ ``),
# or the first character of an implicit number, date, merge key, `=` or `~` (PyYAML's resolvers).
_NOT_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`0123456789+.<=~")
_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})  # booleans and null, in any case
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def simple(text: str, source: str, line_offset: int = 0) -> Mapping | None:
    """`text` as PyYAML (with `located_yaml`'s constructors) reads it, or None if it is not of the plainest kind."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    result = Mapping()
    result.source, result.line, result.key_lines = source, 1 + line_offset, {}
    for number, line in enumerate(lines, 1 + line_offset):
        key, colon, rest = line.partition(":")
        if not colon or not _plain_key(key) or key in result or not line.isprintable():
            return None
        if not rest.startswith(" "):
            return None  # `key:` (null, or a nested block) or `key:value`
        value = rest.strip(" ")
        if value.startswith("[") and value.endswith("]"):
            items = _flow_items(value[1:-1])
            if items is None:
                return None
            seq = Sequence(items)
            seq.source, seq.line, seq.item_lines = source, number, [number] * len(items)
            result[key] = seq
        elif _plain_text(value) and ": " not in value and " #" not in value and not value.endswith(":"):
            result[key] = value
        else:
            return None
        result.key_lines[key] = number
    return result


def _plain_key(key: str) -> bool:
    return bool(key) and (key[0].isalpha() or key[0] == "_") and key.isascii() and set(key) <= _KEY_CHARS and key.lower() not in _WORDS


def _plain_text(value: str) -> bool:
    return bool(value) and value[0] not in _NOT_PLAIN_FIRST and value.lower() not in _WORDS


def _flow_items(inner: str) -> list[str] | None:
    """The items of a `[ ]` list of plain texts; None if any is not plain (or the list is not one)."""
    if not inner.strip(" "):
        return []
    items = [part.strip(" ") for part in inner.split(",")]
    if any(not _plain_text(item) or any(c in item for c in ":#[]{}") for item in items):
        return None  # an empty item (`[a, , b]`, a trailing comma), a nested list, a `key: value`, a comment
    return items
