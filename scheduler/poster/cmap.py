"""Which characters a font has, read straight from the file: the table directory and the cmap table
only, not the whole (tens of MB) font."""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable
from typing import BinaryIO


@functools.lru_cache(maxsize=16)
def code_ranges(path: str, index: int) -> tuple[list[int], list[int]]:
    """Sorted code point ranges (starts, ends) that map to a real glyph; empty if unreadable.
    Only the table directory and the cmap table are read, not the whole (tens of MB) file."""
    try:
        with open(path, "rb") as f:
            ranges = _parse_cmap(f, index)
    except (OSError, struct.error, ValueError):
        ranges = []
    ranges.sort()
    return [a for a, _ in ranges], [b for _, b in ranges]


def _read(f: BinaryIO, offset: int, size: int) -> bytes:
    """`size` bytes at `offset`, fewer at the end of the file (unpacking past them fails as it should)."""
    f.seek(offset)
    return f.read(size)


def _parse_cmap(f: BinaryIO, index: int) -> list[tuple[int, int]]:
    offset = 0
    head = _read(f, 0, 12)
    if head[:4] == b"ttcf":
        (count,) = struct.unpack_from(">I", head, 8)
        if index >= count:
            return []
        (offset,) = struct.unpack(">I", _read(f, 12 + 4 * index, 4))
    (num_tables,) = struct.unpack(">H", _read(f, offset + 4, 2))
    directory = _read(f, offset + 12, 16 * num_tables)
    for t in range(num_tables):
        tag, _, table, _ = struct.unpack_from(">4sIII", directory, 16 * t)
        if tag == b"cmap":
            return _cmap_table(f, table)
    return []


def _cmap_table(f: BinaryIO, table: int) -> list[tuple[int, int]]:
    (count,) = struct.unpack(">H", _read(f, table + 2, 2))
    records = _read(f, table + 4, 8 * count)
    subtables = {}
    for i in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", records, 8 * i)
        subtables[(platform, encoding)] = table + sub
    for key in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3)):
        if key in subtables:
            start = subtables[key]
            head = _read(f, start, 16)
            (fmt,) = struct.unpack_from(">H", head)
            if fmt == 12:
                (groups,) = struct.unpack_from(">I", head, 12)
                return _format12(head + f.read(12 * groups), 0)
            if fmt == 4:
                (seg2,) = struct.unpack_from(">H", head, 6)
                # every offset a format 4 subtable can reach: its arrays, then glyph ids up to 2 x 64 K past them
                return _format4(_read(f, start, 16 + 4 * seg2 + 4 * 0x10000), 0)
    return []


def _format12(data: bytes, at: int) -> list[tuple[int, int]]:
    (groups,) = struct.unpack_from(">I", data, at + 12)
    return [(a, b) for a, b, _ in struct.iter_unpack(">III", data[at + 16 : at + 16 + 12 * groups])]


def _format4(data: bytes, at: int) -> list[tuple[int, int]]:
    (seg2,) = struct.unpack_from(">H", data, at + 6)
    n = seg2 // 2
    ends = struct.unpack_from(f">{n}H", data, at + 14)
    starts = struct.unpack_from(f">{n}H", data, at + 16 + seg2)
    deltas = struct.unpack_from(f">{n}H", data, at + 16 + 2 * seg2)
    range_at = at + 16 + 3 * seg2
    offsets = struct.unpack_from(f">{n}H", data, range_at)
    out: list[tuple[int, int]] = []
    for i in range(n):
        if starts[i] == 0xFFFF:
            continue
        if offsets[i] == 0:
            out.append((starts[i], ends[i]))  # every code point in the segment maps (delta) to a glyph
            continue
        out += _ranges(c for c in range(starts[i], ends[i] + 1) if _glyph4(data, range_at, i, offsets[i], c - starts[i], deltas[i]))
    return out


def _glyph4(data: bytes, range_at: int, seg: int, offset: int, k: int, delta: int) -> int:
    (glyph,) = struct.unpack_from(">H", data, range_at + 2 * seg + offset + 2 * k)
    return (glyph + delta) & 0xFFFF if glyph else 0


def _ranges(codes: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in codes:
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out
