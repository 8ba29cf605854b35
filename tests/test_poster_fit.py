from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.poster import fonts
from scheduler.poster.fit import CLAUSE_FLOOR, WORD_FLOOR, Frame, attempt, clauses, extent, fit
from scheduler.poster.linebreak import Measure
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.texts import PosterText
from scheduler.support.errors import PosterError


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


# A title on the 1080x1920 screen slide: 864 px wide, 162 px at most, 86 px at least.
TALL_TITLE = Frame(width=864, height=768, max_px=162, min_px=86, line_height=1.2, max_lines=4, balance=True)


@pytest.mark.parametrize("text", ["用好地理标志", "读懂食品标签", "网购退货指南", "守护舌尖安全", "打造本地品牌", "质量月今天启动"])
def test_a_title_without_punctuation_stays_on_one_line_rather_than_split_in_a_word(text: str) -> None:
    fitted = fit(text, TALL_TITLE, han)
    assert fitted is not None and fitted.lines == (text,)
    assert fitted.size >= CLAUSE_FLOOR * 162


def test_a_title_is_split_only_between_clauses_at_any_width() -> None:
    for width in range(300, 1200, 7):
        fitted = fit("用好地理标志", replace(TALL_TITLE, width=width), han)
        assert fitted is not None
        whole, free = min(162, width // 6), min(162, width // 4)  # on one line; with the term 地理标志 whole on a line
        if whole >= max(86, CLAUSE_FLOOR * min(162, width // 3)):  # of the size broken anywhere: 用好地 / 理标志
            assert fitted.lines == ("用好地理标志",) and fitted.size == whole, width
        elif free >= 86:
            assert fitted.lines == ("用好", "地理标志") and fitted.size == free, width  # too small whole: split between words
        else:
            assert len(fitted.lines) > 1 and fitted.forced, width  # the term is cut only when no size keeps it whole


def test_breaks_fall_after_punctuation_and_around_brackets() -> None:
    wide = Frame(width=1613, height=454, max_px=216, min_px=86, line_height=1.2, max_lines=2, balance=True)
    fitted = fit("质量知识小测验（附答案）", wide, han)
    assert fitted is not None and fitted.lines == ("质量知识小测验", "（附答案）")
    fitted = fit("征集你身边的“质量故事”", TALL_TITLE, han)
    assert fitted is not None and fitted.lines == ("征集你身边的", "“质量故事”")
    fitted = fit("“五小”活动是什么", TALL_TITLE, han)
    assert fitted is not None and fitted.lines == ("“五小”", "活动是什么") and fitted.size == 162


def test_several_clauses_may_share_a_line() -> None:
    frame = Frame(width=1000, height=300, max_px=100, min_px=20, line_height=1.2, max_lines=2, balance=True)
    fitted = fit("人人关注质量、人人追求质量、人人享受质量", frame, han)
    assert fitted is not None and len(fitted.lines) == 2
    assert fitted.lines[0].endswith("、") and "".join(fitted.lines) == "人人关注质量、人人追求质量、人人享受质量"


def test_a_clause_too_long_for_the_line_still_fits_by_breaking_inside() -> None:
    text = "质量是企业的生命线也是城市的名片"  # 16 characters, no punctuation
    frame = Frame(width=300, height=300, max_px=100, min_px=20, line_height=1.2, max_lines=3, balance=True)
    fitted = fit(text, frame, han)
    assert fitted is not None and not fitted.forced
    assert len(fitted.lines) > 1 and "".join(fitted.lines) == text
    assert fitted.size == 50  # the largest size, as for any text: one line would need 18 px


# The launch poster's title at A3: 2946 px wide, 420 px at most, two lines.
A3_TITLE = Frame(width=2946, height=1241, max_px=420, min_px=120, line_height=1.2, max_lines=2, balance=True)


def test_a_title_on_two_lines_breaks_between_words_a_little_smaller() -> None:
    fitted = fit("质量月启动暨集中宣传活动举行", A3_TITLE, han)  # at 420 px, seven a line: "…暨集|中宣传…"
    assert fitted is not None and fitted.lines == ("质量月启动暨", "集中宣传活动举行")  # after "暨", a pause
    assert fitted.size == 2946 // 8 >= WORD_FLOOR * 420
    fitted = fit("中华人民共和国产品质量法", replace(A3_TITLE, width=6 * 420), han)
    assert fitted is not None and fitted.lines == ("中华人民共和国", "产品质量法") and fitted.size == 6 * 420 // 7


def test_a_word_that_would_cost_too_much_size_is_broken_as_before() -> None:
    frame = replace(A3_TITLE, width=4 * 420, max_lines=3, height=2000)  # the seven-character word would need 240 px
    fitted = fit("中华人民共和国计量法", frame, han)  # (产品质量法 is a campaign term: kept whole, so 5 a line)
    assert fitted is not None and fitted.size == 420 and fitted.lines == ("中华人民", "共和国", "计量法")


def test_body_text_breaks_anywhere_at_the_largest_size() -> None:
    fitted = fit("用好地理标志", replace(TALL_TITLE, balance=False), han)
    assert fitted is not None and fitted.size == 162 and fitted.lines == ("用好", "地理标志")  # never a lone last character:
    # 用好地理标 / 志 gives the widow the whole word before it for company, and 地理标志 is one word (terms.py)


@pytest.fixture
def campaign(project: Callable[..., Path]):  # type: ignore[no-untyped-def]
    return load_campaign(project())


def explain(campaign, text: PosterText, layout: str, size: str, tmp_path: Path) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    font_files = fonts.candidates(None)
    arranged = arrangement(campaign, prepare(campaign, Job(text, layout, size, tmp_path / "x.png"), font_files), font_files)
    return {p.region.name: p.lines for p in arranged.placed}


def test_the_theme_on_a_tall_screen_breaks_at_its_comma(campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    theme = PosterText("", "提升质量水平，建设质量强市", headline="提升质量水平，建设质量强市")
    for layout in ("slogan", "screen-slide"):
        lines = explain(campaign, theme, layout, "1080x1920", tmp_path)
        assert lines.get("slogan", lines.get("title")) == ("提升质量水平，", "建设质量强市"), layout
    headline = PosterText("", "提升质量水平，建设质量强市", headline="建设质量强市")
    assert explain(campaign, headline, "screen-slide", "1080x1920", tmp_path)["title"] == ("建设质量强市",)


def test_the_launch_posters_title_keeps_its_words_whole_at_every_print_size(campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    title = PosterText("", "质量月启动暨集中宣传活动举行")
    for size in ("a3", "a2", "portrait", "square"):
        lines = explain(campaign, title, "launch", size, tmp_path)["title"]
        assert "".join(lines) == title.title and not any(line.endswith("集") for line in lines), (size, lines)


def test_text_that_cannot_fit_names_the_item_region_and_size(campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = PosterText("goods-salt-iodised", "吃盐要适量" * 30)
    job = Job(text, "banner", "900x100", tmp_path / "x.png")
    font_files = fonts.candidates(None)
    with pytest.raises(PosterError) as err:
        arrangement(campaign, prepare(campaign, job, font_files), font_files)
    message = str(err.value)
    assert "goods-salt-iodised" in message and "标语（slogan）" in message and "900x100" in message and "最小字号" in message
