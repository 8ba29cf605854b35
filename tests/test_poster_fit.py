from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.config import load_campaign
from scheduler.errors import PosterError
from scheduler.poster import fonts
from scheduler.poster.fit import Frame, attempt, clauses, extent, fit
from scheduler.poster.linebreak import Measure
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.texts import PosterText


def han(px: int) -> Measure:
    return lambda text: float(len(text) * px)


def test_the_largest_size_that_fits_is_chosen() -> None:
    frame = Frame(width=400, height=100, max_px=200, min_px=10, line_height=1.25, max_lines=3)
    fitted = fit("质量月" * 4, frame, han)  # 12 characters
    assert fitted is not None
    assert extent(fitted.size, len(fitted.lines), 1.25) <= 100
    assert all(len(line) * fitted.size <= 400 for line in fitted.lines)
    assert attempt("质量月" * 4, frame, fitted.size + 1, han(fitted.size + 1)) is None, "one pixel more must not fit"
    assert fitted.size == 44 and fitted.lines == ("质量月质量月质量月", "质量月")


def test_the_maximum_caps_the_size() -> None:
    fitted = fit("质量", Frame(width=1000, height=1000, max_px=60, min_px=10), han)
    assert fitted is not None and fitted.size == 60 and fitted.lines == ("质量",)


def test_below_the_readable_minimum_there_is_no_fit() -> None:
    assert fit("质量" * 50, Frame(width=100, height=40, max_px=40, min_px=16, max_lines=2), han) is None


def test_max_lines_is_respected() -> None:
    fitted = fit("质量月" * 10, Frame(width=300, height=10_000, max_px=100, min_px=10, max_lines=2), han)
    assert fitted is not None and len(fitted.lines) <= 2


def test_a_long_word_is_cut_only_when_no_size_avoids_it() -> None:
    word = "x" * 30
    roomy = fit(word, Frame(width=300, height=300, max_px=100, min_px=5, max_lines=4), han)
    assert roomy is not None and not roomy.forced and roomy.size == 10
    tight = fit(word, Frame(width=300, height=300, max_px=100, min_px=20, max_lines=4), han)
    assert tight is not None and tight.forced and tight.size >= 20


def test_balanced_text_prefers_one_clause_per_line() -> None:
    assert clauses("以质量立品牌，以诚信赢口碑") == "以质量立品牌，\n以诚信赢口碑"
    fitted = fit("以质量立品牌，以诚信赢口碑", Frame(width=500, height=500, max_px=200, min_px=10, balance=True), han)
    assert fitted is not None and fitted.lines == ("以质量立品牌，", "以诚信赢口碑")


def test_vertical_fit_measures_columns_along_the_height() -> None:
    frame = Frame(width=300, height=700, max_px=300, min_px=10, line_height=1.5, balance=True, vertical=True)
    fitted = fit("以质量立品牌，以诚信赢口碑", frame, han)
    assert fitted is not None and fitted.lines == ("以质量立品牌，", "以诚信赢口碑")
    assert fitted.size == 100 and extent(100, 2, 1.5) <= 300


@pytest.fixture
def campaign(project: Callable[..., Path]):  # type: ignore[no-untyped-def]
    return load_campaign(project())


def test_text_that_cannot_fit_names_the_item_region_and_size(campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = PosterText("goods-salt-iodised", "吃盐要适量" * 30)
    job = Job(text, "banner", "900x100", tmp_path / "x.png")
    font_files = fonts.candidates(None)
    with pytest.raises(PosterError) as err:
        arrangement(campaign, prepare(campaign, job, font_files), font_files)
    message = str(err.value)
    assert "goods-salt-iodised" in message and "标语（slogan）" in message and "900x100" in message and "最小字号" in message
