"""Balanced title breaking (titlebreak.py): the best of every legal break, on the content library's real titles."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library
from scheduler.poster import fonts
from scheduler.poster.fit import Frame, fit
from scheduler.poster.linebreak import Measure, break_lines
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.pieces import Keep
from scheduler.poster.terms import TERMS
from scheduler.poster.texts import PosterText
from scheduler.poster.titlebreak import balanced
from scheduler.poster.words import word_ends
from tests.conftest import ROOT
from tests.test_poster_linebreak import assert_clean, width


def title(library: Library, item_id: str) -> str:
    return library.by_id[item_id].title


# (item, line width in characters, keep, the lines): each broken badly by the narrowest greedy fill before
REAL_TITLES = [
    ("mechanism-cma", 6.5, "words", ("检验报告上的", "CMA是什么")),  # was 检验报告上 / 的CMA是什么
    ("publicity-law-product-quality", 7, "characters", ("产品质量法里的", "产销义务")),  # was 产品质量法里 / 的产销义务
    ("brand-gi-what", 8, "characters", ("认准统一的", "地理标志专用标志")),  # was 认准统一的地理 / 标志专用标志
    ("brand-gi-what", 5, "characters", ("认准统一的", "地理标志", "专用标志")),  # was 认准统一的 / 地理标志专 / 用标志
    ("publicity-story-inspector", 6, "characters", ("检验员的", "“较真”本子")),  # was 检验员的“较 / 真”本子
]


@pytest.mark.parametrize(("item_id", "chars", "keep", "lines"), REAL_TITLES)
def test_a_real_title_broken_badly_before_is_broken_well(
    library: Library, item_id: str, chars: float, keep: Keep, lines: tuple[str, ...]
) -> None:
    broken = balanced(title(library, item_id), chars, width, keep)
    assert broken.lines == lines and not broken.forced and not broken.flawed


def test_the_launch_title_breaks_after_ji_and_keeps_its_date_with_the_last_word() -> None:
    assert balanced("质量月启动暨集中宣传活动举行", 8, width, "words").lines == ("质量月启动暨", "集中宣传活动举行")
    assert balanced("质量月启动活动9月8日举行", 6, width, "words").lines == ("质量月", "启动活动", "9月8日举行")


def test_a_short_last_line_or_a_stranded_particle_is_flawed_when_nothing_better_fits() -> None:
    assert balanced("产品质量法里的产销义务", 5, width, "words").flawed  # 产品质量法 / 里的 / 产销义务: 里 belongs before
    assert balanced("检验员的“较真”本子", 6, width, "clauses").flawed is False
    assert balanced("检验员的“较真”本子", 4, width, "clauses").lines == ("检验员的", "“较真”", "本子")
    assert balanced("检验员的“较真”本子", 4, width, "clauses").flawed


def test_a_term_wider_than_the_line_is_cut_only_as_a_cut_word_is() -> None:
    cut = balanced("认识绿色食品标志", 3, width)
    assert cut.forced and "".join(cut.lines) == "认识绿色食品标志"


def han(px: int) -> Measure:
    return lambda text: width(text) * px


def test_the_fit_takes_a_smaller_size_rather_than_strand_a_particle_or_leave_a_short_last_line() -> None:
    frame = Frame(width=1000, height=1000, max_px=250, min_px=50, line_height=1.2, max_lines=3, balance=True)
    fitted = fit("检验员的“较真”本子", frame, han)  # at 250 px: 检验员的 / “较真” / 本子
    assert fitted is not None and fitted.lines == ("检验员的", "“较真”本子") and fitted.size == 166
    frame = replace(frame, width=600)  # at 200 px: 消费者 / 的九项 / 权利
    fitted = fit("消费者的九项权利", frame, han)
    assert fitted is not None and fitted.lines == ("消费者的", "九项权利") and fitted.size == 150


def test_a_long_term_does_not_sink_a_slogan_to_one_clause_a_line_at_half_the_size() -> None:
    # broken anywhere, 60 px: 网购七日无 / 理由退货，/ 这样用; one clause a line would be 30 px
    frame = Frame(width=300, height=1000, max_px=120, min_px=20, line_height=1.2, max_lines=4, balance=True)
    fitted = fit("网购七日无理由退货，这样用", frame, han)
    assert fitted is not None and fitted.lines == ("网购七日", "无理由退货，", "这样用") and fitted.size == 50


def texts(library: Library) -> list[str]:
    return sorted({t for item in library.items for t in (item.title, item.headline, item.line) if t})


@pytest.mark.parametrize("keep", ["characters", "words", "clauses"])
def test_no_title_breaks_the_punctuation_rules_or_a_term_at_any_width(library: Library, keep: Keep) -> None:
    for text in texts(library):
        for chars in range(3, len(text) + 1):
            broken = balanced(text, chars, width, keep)
            assert "".join(broken.lines).replace(" ", "") == text.replace(" ", ""), (text, chars)
            assert_clean(broken.lines)
            assert broken.forced or not breaks_inside_a_term(text, broken.lines), (text, chars, broken.lines)


def breaks_inside_a_term(text: str, lines: tuple[str, ...]) -> list[str]:
    """The terms of `text` that `lines` split."""
    text = text.replace(" ", "")
    ends = {sum(len(line.replace(" ", "")) for line in lines[:i]) for i in range(1, len(lines))}
    return [t for t in TERMS if (at := text.find(t)) >= 0 and any(at < end < at + len(t) for end in ends)]


def test_the_word_splitter_knows_every_term_so_a_title_broken_between_words_keeps_it_whole(library: Library) -> None:
    assert [t for t in TERMS if word_ends(t) != {0, len(t)}] == []  # was 地理 / 标志, 消费者 / 权益, 无 / 理由 / 退货...
    for text in texts(library):
        for chars in range(3, len(text) + 1):
            broken = break_lines(text, chars, width, "words")
            assert broken.forced or not breaks_inside_a_term(text, broken.lines), (text, chars, broken.lines)
    assert break_lines("认准地理标志", 4, width, "words").lines == ("认准", "地理标志")  # was 认准地理 / 标志


def test_every_term_is_campaign_vocabulary_found_in_the_content_or_the_templates() -> None:
    words = "".join(
        p.read_text(encoding="utf-8")
        for folder in ("content", "templates")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in {".md", ".yaml", ".j2"}
    )
    assert [t for t in TERMS if t not in words] == []
    assert len(set(TERMS)) == len(TERMS)


def test_real_posters_no_longer_strand_a_particle_or_leave_a_short_last_line(
    project: Callable[..., Path], library: Library, tmp_path: Path
) -> None:
    campaign = load_campaign(project())
    font_files = fonts.candidates(None)
    cases = [
        ("publicity-story-inspector", "screen-slide", "portrait", "title"),
        ("mechanism-cma", "launch", "a3", "title"),
        ("publicity-law-consumer-rights", "vertical-slogan", "square", "slogan"),
    ]
    for item_id, layout, size, region in cases:
        job = Job(PosterText.of(library.by_id[item_id]), layout, size, tmp_path / "x.png")
        placed = {p.region.name: p.lines for p in arrangement(campaign, prepare(campaign, job, font_files), font_files).placed}
        lines = placed[region]
        assert len(lines) > 1 and len(lines[-1]) > 2 and not any(line[0] in "的上里" for line in lines), (item_id, layout, size, lines)


FIRST_USE_AT_ONCE = """
import threading
from scheduler.poster.words import word_ends
start, failed = threading.Barrier(4), []
def draw(n):
    start.wait()
    try:
        for i in range(50):
            word_ends(f"食品安全法规定的质量月活动{n}-{i}")
    except Exception as exc:
        failed.append(repr(exc))
threads = [threading.Thread(target=draw, args=(n,)) for n in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(failed)
"""


def test_titles_broken_in_several_threads_at_first_use_all_break() -> None:
    """The console draws for two requests at once (two 重新生成 presses): the word list is set up once, and no
    thread cuts while another adds the campaign's terms (rjieba refused it: `Already borrowed`, a 500)."""
    said = subprocess.run([sys.executable, "-c", FIRST_USE_AT_ONCE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert said.returncode == 0 and said.stdout.strip() == "[]", said.stdout + said.stderr
