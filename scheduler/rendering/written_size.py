"""How many characters a value a template built would take written out (`str(value)`), found without
writing it: the sandbox refuses a list that is cheap to build and huge to write (one list repeated).

Every element of nested lists, tuples, sets and dicts counts each time it appears; any other object
by its repr. A container met again (the same object) counts its size again without being walked again,
so a list repeated ten thousand times costs one walk of it; a container inside itself counts as "[...]".
Counting stops once past `limit`, so the cost is bounded whatever was built."""

from __future__ import annotations

from typing import Any

CONTAINERS = (list, tuple, set, frozenset, dict)
CYCLE = 5  # "[...]", what repr writes for a list inside itself


def written_size(value: Any, limit: int) -> int:
    total = 0  # what is counted so far: past `limit`, stop
    sizes: dict[int, int] = {}  # containers walked (by id; `value` keeps them alive): their whole size
    open_: set[int] = set()  # containers being walked: one met again inside itself is a cycle
    reprs: dict[int, int] = {}
    done: list[int] = []  # sizes of the elements walked, per container being walked
    stack: list[tuple[Any, int]] = [(value, -1)]  # (item, -1) to walk; (container, n elements) to close
    while stack and total <= limit:
        item, count = stack.pop()
        if count >= 0:  # all its elements are walked: its size is theirs plus its brackets and commas
            size = sum(done[len(done) - count :]) + _frame(item)
            del done[len(done) - count :]
            sizes[id(item)] = size
            open_.discard(id(item))
            done.append(size)
            continue
        key = id(item)
        if isinstance(item, CONTAINERS) and not isinstance(item, (str, bytes)):
            if key in sizes:
                total += sizes[key]
                done.append(sizes[key])
            elif key in open_:
                total += CYCLE
                done.append(CYCLE)
            else:
                elements = [*item.keys(), *item.values()] if isinstance(item, dict) else list(item)
                open_.add(key)
                total += _frame(item)
                stack.append((item, len(elements)))
                stack += [(e, -1) for e in reversed(elements)]
            continue
        size = _scalar(item, reprs)
        total += size
        done.append(size)
    return total


def _frame(container: Any) -> int:
    """The brackets, commas and colons around a container's elements."""
    return 4 * len(container) + 2 if isinstance(container, dict) else 2 * len(container) + 2


def _scalar(item: Any, reprs: dict[int, int]) -> int:
    if isinstance(item, (str, bytes)):
        return len(item) + 2
    if isinstance(item, int):
        return item.bit_length() * 3 // 10 + 2
    if id(item) not in reprs:
        try:
            reprs[id(item)] = len(repr(item))
        except Exception:  # an object whose repr fails prints nothing much either
            reprs[id(item)] = 1
    return reprs[id(item)]
