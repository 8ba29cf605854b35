"""The config keys that differ between two snapshots, named so that a person sees the real change.

A snapshot holds every key of config.yaml flattened (`coverage.topics[3]`, `pins[1].time`), list
items by their index unless they have an id or a name. One entry inserted into a list, or commented
out, moves every index after it: comparing key by key would name each moved item. A list whose items
were inserted or removed is therefore named once, as the list (`coverage.topics`); where items only
changed in place, each is named with its index, in numeric order (`topics[2]` before `topics[10]`).
A long list of names is cut after a few and says how many there are in all (…等 12 项).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping

SHOWN = 5  # names given before 等 N 项
_INDEX = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"(\d+)")


def changed_keys(old: Mapping[str, str], new: Mapping[str, str], keep: Callable[[str], bool] = lambda key: True) -> list[str]:
    """The names of what differs (those `keep` allows), in reading order: a list whose length or order
    changed as the list, other keys as they are."""
    keys = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k) and keep(k)}
    reshaped: list[str] = []
    for path in sorted({k[: m.start()] for k in keys for m in _INDEX.finditer(k)}, key=len):  # outer lists first
        if not any(_under(path, outer) for outer in reshaped) and _reshaped(old, new, path):
            reshaped.append(path)
    named = {k for k in keys if not any(_under(k, path) for path in reshaped)} | set(reshaped)
    return sorted(named, key=_natural)


def listed(names: list[str]) -> str:
    """`a、b、c`, or the first few and 等 N 项 when there are more."""
    shown = "、".join(names[:SHOWN])
    return f"{shown} 等 {len(names)} 项" if len(names) > SHOWN else shown


def _under(key: str, path: str) -> bool:
    return key.startswith(f"{path}[")


def _items(config: Mapping[str, str], path: str) -> list[tuple[tuple[str, str], ...]]:
    """The items of the list at `path` (by index), each as what its keys hold."""
    found: dict[int, list[tuple[str, str]]] = {}
    pattern = re.compile(re.escape(path) + r"\[(\d+)\](.*)")
    for key, value in config.items():
        m = pattern.fullmatch(key)
        if m and (not m.group(2) or m.group(2)[0] in ".["):
            found.setdefault(int(m.group(1)), []).append((m.group(2), value))
    return [tuple(sorted(found[i])) for i in sorted(found)]


def _reshaped(old: Mapping[str, str], new: Mapping[str, str], path: str) -> bool:
    """Whether items were inserted into the list at `path`, removed from it or moved, rather than
    changed in place (then each keeps its index, and is named by it)."""
    matcher = difflib.SequenceMatcher(None, _items(old, path), _items(new, path), autojunk=False)
    return any(tag != "equal" and not (tag == "replace" and i2 - i1 == j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes())


def _natural(key: str) -> list[tuple[int, str | int]]:
    """Sorts `topics[2]` before `topics[10]`."""
    return [(1, int(part)) if part.isdigit() else (0, part) for part in _NUMBER.split(key)]
