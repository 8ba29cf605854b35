"""What someone probably meant by a name they mistyped (an item id, a unit's name, a topic): "是不是想写 …？",
and how a choice with a Chinese name is shown: 识假辨假（anti-fake）."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def named(key: str, labels: Mapping[str, str]) -> str:
    """A choice as staff read it in a list: its Chinese name, then the id also accepted (待审核（planned））."""
    return f"{labels[key]}（{key}）" if key in labels else key


def titled(name: str, label: str, *more: str) -> str:
    """A layout (a design) as staff read it: its Chinese name, then its file name and `more` (a size):
    知识卡片（knowledge-card，square）; a name with brackets of its own quoted (“横幅（知识单）”（banner））."""
    inside = "，".join((name, *more) if label != name else more)
    shown = f"“{label}”" if "（" in label else label
    return f"{shown}（{inside}）" if inside else shown


def as_written(key: str, labels: Mapping[str, str]) -> str:
    """A choice as a file must have it, with its Chinese name after it (rights（严格质量整治与消费维权））."""
    return f"{key}（{labels[key]}）" if key in labels else key


def close_to(
    word: str, choices: Iterable[str], *, prefix: bool = False, labels: Mapping[str, str] | None = None, cutoff: float = 0.6
) -> list[str]:
    """The one of `choices` closest to `word` (`cutoff`: how alike, as difflib measures); with `prefix`, the names
    that begin with it (逊克 for 逊克县) before it.
    With `labels` (choice -> Chinese name), a word sharing most of its characters with one or two names (维权
    for 严格质量整治与消费维权, or the whole name) finds that choice too."""
    import difflib  # only when a name was mistyped: listing choices is done on every start-up

    names = list(dict.fromkeys(choices))
    word = word.strip()
    if not word:
        return []
    found = [n for n in names if n != word and n.startswith(word)] if prefix else []
    found += [n for n in difflib.get_close_matches(word, names, n=1, cutoff=cutoff) if n not in found and n != word]
    if labels and not found:
        found = _by_characters(word, {n: labels[n] for n in names if n in labels})
    return found[:3]


def did_you_mean(
    word: str,
    choices: Iterable[str],
    *,
    prefix: bool = False,
    labels: Mapping[str, str] | None = None,
    show: Callable[[str], str] | None = None,
) -> str:
    """ "是不是想写 X？" for the names closest to `word`, or "" when none is close. Choices with `labels` are
    shown as `named` gives them, unless `show` says otherwise."""
    found = close_to(word, choices, prefix=prefix, labels=labels)
    shown = show or ((lambda key: named(key, labels)) if labels else str)
    return guess_of([shown(f) for f in found])


def guess_of(found: Iterable[str]) -> str:
    """ "是不是想写 X、Y？" for names already found, or "" for none."""
    found = list(found)
    return f"是不是想写 {'、'.join(found)}？" if found else ""


def _by_characters(value: str, labels: Mapping[str, str]) -> list[str]:
    """The choices whose names share the most of `value`'s characters, at least half of them: staff
    write the Chinese name or a word of it (`area: 维权` for rights, 严格质量整治与消费维权). At most
    two; none when a word every name has (质量) says nothing."""
    chars = {ch for ch in value if not ch.isspace()}
    shared = {choice: len(chars & set(label)) for choice, label in labels.items()}
    best = max(shared.values(), default=0)
    if not chars or best * 2 < len(chars):
        return []
    closest = [choice for choice, n in shared.items() if n == best]
    return closest if len(closest) <= 2 else []
