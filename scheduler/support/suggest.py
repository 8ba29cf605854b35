"""What someone probably meant by a name they mistyped (an item id, a unit's name): "是不是想写 …？"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_to(word: str, choices: Iterable[str], *, prefix: bool = False) -> list[str]:
    """The one of `choices` closest to `word`; with `prefix`, the names that begin with it (逊克 for 逊克县) before it."""
    names = list(dict.fromkeys(choices))
    word = word.strip()
    if not word:
        return []
    found = [n for n in names if n != word and n.startswith(word)] if prefix else []
    found += [n for n in difflib.get_close_matches(word, names, n=1) if n not in found and n != word]
    return found[:3]


def did_you_mean(word: str, choices: Iterable[str], *, prefix: bool = False) -> str:
    """ "是不是想写 X？" for the names closest to `word`, or "" when none is close."""
    found = close_to(word, choices, prefix=prefix)
    return f"是不是想写 {'、'.join(found)}？" if found else ""
