"""YAML files parsed by an earlier run, kept in the state folder so that unchanged files need no parser.

An entry is the tree `located_yaml.parse` made of one text (its mappings and lists with their file:line
marks, dates, numbers and strings), stored as JSON under the SHA-256 of the parser's identity (this
format, the code of `yamlsrc`, the installed packages), the source name, the line offset and the
text itself: a text that differs by one byte is parsed again, whatever its timestamps. A text that
does not parse is never stored (the parser reports it every time); a tree with a value JSON cannot
carry exactly (binary, sets, ordered maps) is not stored either. A cache file that cannot be read is
ignored; it is written atomically, and a state folder that cannot be written only costs the cache.
While no cache is active (the default), `located_yaml.parse` parses every text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..support.errors import QmError
from . import located_yaml as yamlsrc

CONFIG_FILE, CONTENT_FILE, LAYOUTS_FILE = "parsed-config.json", "parsed-content.json", "parsed-layouts.json"  # in the state folder
FORMAT = 1


def installed_packages() -> list[str]:
    """The names (with versions) of the installed distributions: a new or upgraded package changes it."""
    names: list[str] = []
    for folder in sorted({p for p in sys.path if p.endswith("-packages")}):
        try:
            names += sorted(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info", ".pth")))
        except OSError:
            continue
    return names


def _identity() -> bytes:
    with open(yamlsrc.__file__, "rb") as f:
        code = f.read()
    parts = (str(FORMAT), sys.version, "\0".join(installed_packages()), hashlib.sha256(code).hexdigest())
    return "\0".join(parts).encode()


class ParseCache:
    """The entries of one cache file; `parse` answers from it or parses and adds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity = _identity()
        self._entries: dict[str, Any] = {}
        self._changed = False
        try:
            data = json.loads(path.read_bytes())
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("entries"), dict):
                self._entries = data["entries"]
        except (OSError, ValueError):
            pass

    def key(self, text: str, source: str, line_offset: int) -> str:
        h = hashlib.sha256(self._identity)
        h.update(f"\0{source}\0{line_offset}\0".encode("utf-8", "surrogateescape"))
        h.update(text.encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def parse(self, text: str, source: str, line_offset: int = 0) -> Any:
        key = self.key(text, source, line_offset)
        entry = self._entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == source:
            try:
                return decode(entry[1], source)
            except (ValueError, TypeError, IndexError):
                pass  # a damaged entry: parsed again below, and replaced
        value = yamlsrc.parse_text(text, source, line_offset)
        encoded = encode(value)
        if encoded is not _UNSUPPORTED:
            for old in [k for k, e in self._entries.items() if isinstance(e, list) and e[:1] == [source]]:
                del self._entries[old]  # the same file's earlier text
            self._entries[key] = [source, encoded]
            self._changed = True
        return value

    def save(self) -> None:
        if not self._changed:
            return
        from ..support.atomic_files import atomic_write_bytes

        entries = {
            k: e for k, e in self._entries.items() if isinstance(e, list) and os.path.exists(str(e[0]))
        }  # files deleted since: dropped
        data = json.dumps({"format": FORMAT, "entries": entries}, ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(QmError):
            atomic_write_bytes(self.path, data.encode(), durable=False)
        self._changed = False


@contextlib.contextmanager
def active(cache: ParseCache, save: bool = True) -> Iterator[ParseCache]:
    """`located_yaml.parse` answers from `cache` inside the block; the cache is saved after it (`save`)."""
    previous = yamlsrc.use_cache(cache)
    try:
        yield cache
    finally:
        yamlsrc.use_cache(previous)
    if save:
        cache.save()


_UNSUPPORTED: Any = object()


def encode(value: Any) -> Any:
    """A JSON-able form of a parsed tree (lists are tagged nodes), or _UNSUPPORTED."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is yamlsrc.Mapping:
        flat: list[Any] = []
        for key, item in value.items():
            encoded = encode(item)
            if encoded is _UNSUPPORTED:
                return _UNSUPPORTED
            flat += [key, value.key_lines[key], encoded]
        return ["m", value.line, flat]
    if kind is yamlsrc.Sequence:
        if len(value.item_lines) != len(value):
            return _UNSUPPORTED
        flat = []
        for line, item in zip(value.item_lines, value, strict=True):
            encoded = encode(item)
            if encoded is _UNSUPPORTED:
                return _UNSUPPORTED
            flat += [line, encoded]
        return ["s", value.line, flat]
    if kind is dt.datetime:
        return ["t", value.isoformat()]
    if kind is dt.date:
        return ["d", value.isoformat()]
    return _UNSUPPORTED


def decode(value: Any, source: str) -> Any:
    """The tree `encode` was given, with `source` as every node's file name."""
    if type(value) is not list:
        return value
    tag = value[0]
    if tag == "m":
        mapping = yamlsrc.Mapping()
        mapping.source, mapping.line = source, value[1]
        flat = value[2]
        mapping.key_lines = {}
        for i in range(0, len(flat), 3):
            key = flat[i]
            if type(key) is not str:
                raise TypeError("mapping key")
            mapping[key] = decode(flat[i + 2], source)
            mapping.key_lines[key] = int(flat[i + 1])
        return mapping
    if tag == "s":
        flat = value[2]
        sequence = yamlsrc.Sequence(decode(flat[i + 1], source) for i in range(0, len(flat), 2))
        sequence.source, sequence.line = source, value[1]
        sequence.item_lines = [int(flat[i]) for i in range(0, len(flat), 2)]
        return sequence
    if tag == "t":
        return dt.datetime.fromisoformat(value[1])
    if tag == "d":
        return dt.date.fromisoformat(value[1])
    raise ValueError(f"unknown node {tag!r}")
