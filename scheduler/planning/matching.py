"""How items meet slots, as pure functions: rendezvous matching and the areas' even shares.

Every (item, slot) pair gets a fixed pseudo-random score from the ids alone, and the best-scoring free
pairs win, so adding or editing one item moves few others; the open slots are shared among the areas
as evenly as their items allow (water-filling), interleaved through the month.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from ..inputs.content import ContentItem
from .slots import Slot


def pairs(
    channel: str, items: Sequence[ContentItem], slots: Sequence[Slot], fits: Callable[[Slot, ContentItem], bool], limit: int | None = None
) -> list[tuple[Slot, ContentItem]]:
    """Greedy rendezvous matching of `items` to `slots` (all free) on a channel, best score first: each
    slot and each item in at most one pair, at most `limit` pairs."""
    # Equal slots share a number, so that the pairs below never hash a slot (a data class: hashed field by field).
    numbers: dict[Slot, int] = {}
    keyed = [(s, numbers.setdefault(s, len(numbers)), _slot_key(channel, s)) for s in slots]
    item_keys = [(i, i.id.encode()) for i in items]
    ranked = sorted(
        ((_score(slot_key, item_key), n, s, i) for s, n, slot_key in keyed for i, item_key in item_keys if fits(s, i)),
        key=lambda p: p[0],
        reverse=True,
    )
    taken: set[int] = set()
    used: set[str] = set()
    out: list[tuple[Slot, ContentItem]] = []
    for _, number, slot, item in ranked:
        if number in taken or item.id in used or (limit is not None and len(out) >= limit):
            continue
        out.append((slot, item))
        taken.add(number)
        used.add(item.id)
    return out


def _slot_key(channel: str, slot: Slot) -> bytes:
    """The slot's part of a pairing's score key: formatted once per slot, not once per pair."""
    return f"{channel}|{slot.at:%Y%m%d%H%M}|{slot.index}|".encode()


def _score(slot_key: bytes, item_key: bytes) -> bytes:
    return hashlib.blake2b(slot_key + item_key, digest_size=8).digest()


def water_fill(total: int, capacity: dict[str, int]) -> dict[str, int]:
    """Share `total` slots among areas as evenly as their item counts allow; ties go in plan order."""
    quotas = {a: 0 for a in capacity}
    remaining = total
    while remaining > 0:
        open_areas = [a for a in capacity if quotas[a] < capacity[a]]
        if not open_areas:
            break
        lowest = min(quotas[a] for a in open_areas)
        for area in open_areas:
            if remaining and quotas[area] == lowest:
                quotas[area] += 1
                remaining -= 1
    return quotas


def interleave(slots: list[Slot], quotas: dict[str, int]) -> dict[str, list[Slot]]:
    """Give each slot (in time order) to the area furthest behind its even share."""
    total = sum(quotas.values())
    given = {a: 0 for a in quotas}
    out: dict[str, list[Slot]] = {a: [] for a in quotas}
    for n, slot in enumerate(sorted(slots)[:total], start=1):
        area = max(quotas, key=lambda a: (quotas[a] * n / total - given[a]) if given[a] < quotas[a] else -1e9)
        given[area] += 1
        out[area].append(slot)
    return out
