"""Lines on the print sheets as on the PNG posters: a line of a wall chart or leaflet opening with “ or 《
starts half an em to the left, so its ink lines up with the lines below, and an item's one-line message
breaks between its clauses, not inside a word (checked with poppler's pdftotext)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_qm
from tests.test_print import _tool

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

# the first item's summary opens with 《中华人民共和国消费者权益保护法实施条例》
ITEMS = ("publicity-law-consumer-regulations", "goods-salt-iodised", "anti-fake-sc-code", "anti-fake-ccc-check")
WORD = re.compile(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<')


def test_a_leaflet_line_opening_with_a_title_mark_hangs_it_by_half_an_em(project: Callable[..., Path], tmp_path: Path) -> None:
    leaflet = tmp_path / "传单.pdf"
    done = run_qm("print", "leaflet", "--items", ",".join(ITEMS), "-o", leaflet, "-c", project())
    assert done.returncode == 0, done.stderr
    words = [
        (float(x0), float(y0), float(y1), w)
        for x0, y0, y1, w in WORD.findall(_tool("pdftotext", "-f", "1", "-l", "1", "-bbox", leaflet, "-"))
    ]
    opening = next(word for word in words if word[3].startswith("《中华人民共和国消费者权益保护法"))
    x0, y0, y1, _ = opening
    below = min(x for x, top, _, _ in words if y1 < top < y1 + (y1 - y0) * 2)  # the next line of the summary
    em = y1 - y0
    assert below - em * 0.6 < x0 < below - em * 0.4, f"《 at {x0:.1f} pt, the line below at {below:.1f} pt: not hung by half an em"


def test_a_key_line_too_long_for_its_column_breaks_at_its_comma_not_inside_a_word(project: Callable[..., Path], tmp_path: Path) -> None:
    """ "▶ 一看标志二查证书，认准CCC" in an A1 wall chart's column: it was "…证书，认 / 准CCC"."""
    chart = tmp_path / "挂图.pdf"
    done = run_qm("print", "wallchart", "--items", "anti-fake-ccc-check,anti-fake-sc-code", "--size", "a1", "-o", chart, "-c", project())
    assert done.returncode == 0, done.stderr
    lines = [w for *_, w in WORD.findall(_tool("pdftotext", "-bbox", chart, "-"))]
    assert "一看标志二查证书，" in lines and "认准CCC" in lines, lines
