"""How long a value a template built would be written out, measured without writing it."""

from __future__ import annotations

from scheduler.rendering.written_size import written_size

LIMIT = 10**9


def test_plain_values_count_at_least_as_long_as_they_are_written() -> None:
    for value in ([1, "ab", (3, 4.5), {"k": [1, 2], 5: None}], list(range(10_000)), {"长": "文字" * 99}, [10**100, -7], "x" * 100):
        assert len(str(value)) <= written_size(value, LIMIT) <= 2 * len(str(value)), value


def test_a_list_repeated_counts_each_time_it_appears() -> None:
    block = list(range(1000))
    once = written_size(block, LIMIT)
    assert written_size([block] * 500, LIMIT) == 500 * once + 2 * 500 + 2
    assert written_size({"a": block, "b": (block, block)}, LIMIT) == 3 * once + 2 * 3 + 2 + 4 * 2 + 2 + 4


def test_a_list_inside_itself_counts_as_written_not_without_end() -> None:
    looped: list[object] = [1]
    looped.append(looped)  # str() writes "[1, [...]]"
    assert written_size(looped, LIMIT) < 20


def test_counting_stops_past_the_limit() -> None:
    huge = [list(range(100_000))] * 100_000  # 10 billion numbers written out
    assert 1000 < written_size(huge, 1000) < 1_000_000
