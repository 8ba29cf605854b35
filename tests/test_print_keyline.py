"""An item's one-line message on the print sheets ("▶ " and its `line`), in narrow columns: broken as a heading
is only when that takes no more lines than greedy filling, and never with the marker alone on its first line."""

from __future__ import annotations

import re

import pytest

from scheduler.poster.linebreak import break_lines
from scheduler.poster.sheet_blocks import blocks
from scheduler.poster.texts import PosterText
from tests.conftest import ROOT
from tests.test_poster_linebreak import width

LINES = sorted({m for p in (ROOT / "content").rglob("*.md") for m in re.findall(r"^line: *(.+)$", p.read_text("utf-8"), re.M)})
WIDTHS = [w / 2 for w in range(6, 25)]  # 3 to 12 em


def key(line: str, em: float) -> tuple[str, ...]:
    [block] = blocks([PosterText("x", "标题", line=line)], em, 1.0, lambda size, weight: width)
    return block.key


def test_the_marker_is_not_left_alone_in_a_six_em_column() -> None:
    """It was ("▶", "质量信用，是", "企业的通行证"): the clause break put the marker on a line of its own."""
    lines = key("质量信用，是企业的通行证", 6)
    assert lines[0].startswith("▶ ") and len(lines[0]) > 2 and len(lines) == 3, lines


@pytest.mark.parametrize("em", WIDTHS)
def test_no_line_of_the_content_library_gets_the_marker_alone_or_more_lines_than_greedy_filling(em: float) -> None:
    assert len(LINES) > 50
    for line in LINES:
        lines = key(line, em)
        greedy = break_lines(f"▶ {line}", em, width).lines
        assert lines[0].strip() != "▶", (line, em, lines)
        assert greedy[0].strip() == "▶" or len(lines) <= len(greedy), (line, em, lines, greedy)
        assert "".join(lines).replace(" ", "") == f"▶{line}".replace(" ", ""), (line, em, lines)
