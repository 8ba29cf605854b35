from __future__ import annotations

import pytest

from scheduler.inputs.content import Library
from scheduler.poster import fonts
from scheduler.poster.linebreak import Measure, break_lines, is_additive, is_short
from scheduler.poster.marks import vertical_forms
from scheduler.poster.pieces import NO_END, NO_START, Keep, clause_pieces, pieces
from scheduler.poster.titlebreak import balanced


def width(text: str) -> float:
    """Han and full-width marks one unit, Latin half: like a real CJK font, without one."""
    return float(sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text))


def assert_clean(lines: tuple[str, ...]) -> None:
    for i, line in enumerate(lines):
        if i > 0:
            assert line[0] not in NO_START, f"line {i} starts with {line[0]!r}: {lines}"
        if i < len(lines) - 1:
            assert line[-1] not in NO_END, f"line {i} ends with {line[-1]!r}: {lines}"


HAN = "质量是企业的生命线也是城市的名片"
STARTS = sorted(set("。．，、；：？！”’」』）〕】〗］｝》〉～·／—"))
ENDS = sorted(set("“‘「『（〔【〖［｛《〈"))


@pytest.mark.parametrize("mark", STARTS)
def test_a_closing_mark_never_starts_a_line_at_any_position(mark: str) -> None:
    for pos in range(1, len(HAN)):
        text = HAN[:pos] + mark + HAN[pos:]
        for w in range(2, 9):
            broken = break_lines(text, w, width)
            assert "".join(broken.lines) == text
            assert_clean(broken.lines)
            assert not broken.forced


@pytest.mark.parametrize("mark", ENDS)
def test_an_opening_mark_never_ends_a_line_at_any_position(mark: str) -> None:
    for pos in range(0, len(HAN) - 1):
        text = HAN[:pos] + mark + HAN[pos:]
        for w in range(2, 9):
            broken = break_lines(text, w, width)
            assert "".join(broken.lines) == text
            assert_clean(broken.lines)


def test_mainland_style_pushes_a_character_down_instead_of_hanging_the_comma() -> None:
    # "提升质量水平，" is 7 wide: at width 6 the comma may not start line 2, so "平，" moves down together.
    assert break_lines("提升质量水平，建设质量强市", 6, width).lines[:2] == ("提升质量水", "平，建设")


@pytest.mark.parametrize("mark", ["——", "……"])
def test_dash_and_ellipsis_are_never_split(mark: str) -> None:
    text = f"质量{mark}是生命{mark}也是责任{mark}"
    for w in range(2, 12):
        lines = break_lines(text, w, width).lines
        assert "".join(lines) == text
        assert sum(line.count(mark) for line in lines) == 3
        assert_clean(lines)


def test_dash_never_starts_a_line_and_closing_quote_stays_with_ellipsis() -> None:
    text = "他说：“质量——是生命……”。"
    for w in range(3, 10):
        lines = break_lines(text, w, width).lines
        assert_clean(lines)
        assert not any(line.startswith("—") for line in lines)
        assert not any(line.startswith("”") for line in lines)


def test_latin_words_and_numbers_stay_whole() -> None:
    text = "依据GB/T 15834-2011，食盐每天不超过5克，投诉请拨12315或登录www.12315.cn查询ISO9001认证"
    for w in range(6, 20):
        broken = break_lines(text, w, width)
        joined = " ".join(broken.lines)
        for word in ("GB/T", "15834-2011", "12315", "www.12315.cn", "ISO9001"):
            assert word in joined.replace(" ", "") and any(word in line for line in broken.lines), (word, broken.lines)
        assert_clean(broken.lines)
        assert all(width(line) <= w for line in broken.lines)


def test_spaces_between_latin_words_are_break_points_and_vanish_at_line_ends() -> None:
    lines = break_lines("Quality Month 质量月", 7, width).lines
    assert lines == ("Quality", "Month", "质量月") or lines == ("Quality Month", "质量月")
    assert all(line == line.strip() for line in lines)


def test_one_very_long_word_is_cut_and_says_so() -> None:
    url = "https://www.example.gov.cn/heihe/zlyue/quality-month-2016"
    broken = break_lines(f"详见{url}。", 10, width)
    assert broken.forced
    assert "".join(broken.lines) == f"详见{url}。"
    assert all(width(line) <= 10 for line in broken.lines[:-1])
    assert_clean(broken.lines)


def test_a_cluster_wider_than_the_line_keeps_the_rules_and_overflows() -> None:
    broken = break_lines("生命……”。", 3, width)
    assert broken.forced and broken.lines == ("生命", "……”。")


def test_words_that_fit_are_not_cut() -> None:
    assert not break_lines("详见 https://example.cn 了解", 10, width).forced


def test_newline_always_breaks() -> None:
    assert break_lines("提升质量水平\n建设质量强市", 100, width).lines == ("提升质量水平", "建设质量强市")


def test_balanced_keeps_the_line_count_and_evens_the_lines() -> None:
    text = "吃盐要适量碘盐要会选择好"
    greedy = break_lines(text, 10, width).lines
    assert greedy == ("吃盐要适量碘盐要会", "选择好")  # not 择好 alone: one character comes down (an orphan's company)
    assert balanced(text, 10, width).lines == ("吃盐要适量碘盐", "要会选择好")  # 6 / 6 would cut "碘盐"; the longer line first
    assert balanced("质量是企业的生命线也是城市的名片", 10, width).lines == ("质量是企业的生命线", "也是城市的名片")


def test_pieces_glue_marks_to_their_neighbours() -> None:
    assert [p.text for p in pieces("《质量法》，“好”")] == ["《质", "量", "法》，", "“好”"]


def test_clauses_end_after_punctuation_and_closing_marks_and_before_opening_ones() -> None:
    assert [p.text for p in clause_pieces("提升质量水平，建设质量强市")] == ["提升质量水平，", "建设质量强市"]
    assert [p.text for p in clause_pieces("晒出你的“五小”成果")] == ["晒出你的", "“五小”", "成果"]
    assert [p.text for p in clause_pieces("质量知识小测验（附答案）")] == ["质量知识小测验", "（附答案）"]
    assert [p.text for p in clause_pieces("消费维权 请拨12315")] == ["消费维权 请拨12315"]


def test_whole_clauses_breaks_only_between_clauses_and_says_when_it_cannot() -> None:
    assert break_lines("提升质量水平，建设质量强市", 10, width, keep="clauses") == break_lines("提升质量水平，\n建设质量强市", 10, width)
    assert balanced("人人关注质量、人人追求质量、人人享受质量", 16, width, keep="clauses").lines == (
        "人人关注质量、",
        "人人追求质量、人人享受质量",
    )
    too_long = break_lines("用好地理标志", 4, width, keep="clauses")
    assert too_long.forced and "".join(too_long.lines) == "用好地理标志"
    assert_clean(too_long.lines)


LAUNCH_TITLE = "质量月启动暨集中宣传活动举行"
LAUNCH_WORDS = ("质量月", "启动", "暨", "集中", "宣传", "活动", "举行")


def test_whole_words_break_a_title_only_where_a_word_ends_at_any_width() -> None:
    ends = {sum(map(len, LAUNCH_WORDS[:i])) for i in range(len(LAUNCH_WORDS) + 1)}
    for w in range(3, len(LAUNCH_TITLE) + 1):
        for broken in (break_lines(LAUNCH_TITLE, w, width, keep="words"), balanced(LAUNCH_TITLE, w, width, keep="words")):
            assert not broken.forced and "".join(broken.lines) == LAUNCH_TITLE
            breaks = {sum(map(len, broken.lines[:i])) for i in range(len(broken.lines) + 1)}
            assert breaks <= ends, (w, broken.lines)
    assert break_lines(LAUNCH_TITLE, 7, width).lines == ("质量月启动暨集", "中宣传活动举行")  # what the 禁则 rules alone allow


def test_a_date_and_a_number_with_its_unit_stay_whole_in_a_title() -> None:
    title = "质量月启动活动9月8日举行"
    for w in range(4, len(title)):
        lines = break_lines(title, w, width, keep="words").lines
        assert "".join(lines) == title and any("9月8日" in line for line in lines), (w, lines)
    assert break_lines("每天3次", 3, width, keep="words").lines == ("每天", "3次")


def test_a_widow_gets_the_whole_word_before_it_for_company_not_half_of_it() -> None:
    # The summary on the tall launch slide: greedy filling leaves "测。" alone; moving one character down split "测一测"
    summary = "启动日现场设有法律法规展示、质量知识普及、识假辨假和免费现场检验检测等内容，市民可以看一看、学一学、辨一辨、测一测。"
    assert break_lines(summary, 14, width).lines[-2:] == ("看一看、学一学、辨一辨、", "测一测。")
    assert break_lines("请缩短这段文字签。", 8, width).lines == ("请缩短这段", "文字签。")
    # a word too long to join the last line: the fewest characters that give it three still come down
    assert break_lines("好中华人民共和国。", 8, width).lines == ("好中华人民", "共和国。")


def test_a_paragraph_does_not_end_on_two_characters_when_the_line_above_can_spare_them() -> None:
    # greedy filling left 强市 and 择好 alone; the company is a whole word (质量强市, 选择好), the line count stays
    assert break_lines("提升质量水平，建设质量强市", 6, width).lines == ("提升质量水", "平，建设", "质量强市")
    assert break_lines("吃盐要适量碘盐要会选择好", 10, width).lines == ("吃盐要适量碘盐要会", "选择好")
    # the line above keeps two characters; when three would leave it one, a lone character still gets one for company
    assert break_lines("好人一生", 3, width).lines == ("好人", "一生")


def test_no_summary_in_the_library_ends_on_two_characters_at_any_width_of_seven_or_more(library: Library) -> None:
    # before: 382 of 1,890 broken summaries at widths 6 to 23 ended on one or two characters ("明白。"); at 6 a
    # few still do, the line above having no three to spare ("理、更换、/ 退货。")
    for item in library.items:
        for chars in range(7, 24):
            lines = break_lines(item.summary, chars, width).lines
            assert "".join(lines).replace(" ", "") == item.summary.replace(" ", "") and all(width(line) <= chars for line in lines)
            assert len(lines) == 1 or not is_short(lines[-1]), (item.id, chars, lines[-2:])


def test_a_word_wider_than_the_line_is_cut_and_says_so() -> None:
    cut = break_lines("中华人民共和国产品质量法", 5, width, keep="words")
    assert cut.forced and "".join(cut.lines) == "中华人民共和国产品质量法"


def test_vertical_forms() -> None:
    assert vertical_forms("以质量立品牌，以诚信赢口碑。") == "以质量立品牌︐以诚信赢口碑︒"
    assert vertical_forms("《标准》——“质量”……") == "︽标准︾︱︱﹁质量﹂︙︙"


def undeclared(measure: Measure) -> Measure:
    """The same widths from a measure not declared a sum."""
    return lambda text: measure(text)


@pytest.mark.parametrize("keep", ["characters", "words", "clauses"])
def test_a_font_measure_adds_pieces_and_breaks_every_text_as_measuring_whole_lines_does(keep: Keep, library: Library) -> None:
    """`fonts.measure` sums advances, so a line being filled is measured piece by piece; the lines are the ones
    measuring each whole candidate line gives (what a measure that is not a sum, Pillow's with kerning, gets)."""
    font = fonts.candidates(None, system=False)[0]
    texts = [t for item in library.items for t in (item.title, item.summary, item.line) if t]
    for size in (24, 57):
        summed = fonts.measure(font, "bold", size)
        whole = undeclared(summed)
        assert is_additive(summed) and not is_additive(whole)
        for width in (300.0, 641.0):
            for text in texts:
                assert break_lines(text, width, summed, keep) == break_lines(text, width, whole, keep), (text, size, width)
                assert balanced(text, width, summed, keep) == balanced(text, width, whole, keep), (text, size, width)


def test_a_footer_breaks_only_between_its_items() -> None:
    """The organizer's name and "投诉举报电话：12315" are items set apart by an ideographic space: a line breaks between
    them, never inside one ("联席会议 / 办公室", "投诉 / 举报电话"); an item wider than the line is cut and says so."""
    footer = "主办：市质量计量标准化工作联席会议办公室　投诉举报电话：12315"
    for line_width in (22, 30):
        broken = break_lines(footer, line_width, width, "items")
        assert broken.lines == ("主办：市质量计量标准化工作联席会议办公室", "投诉举报电话：12315") and not broken.forced
    assert break_lines(footer, 40, width, "items").lines == (footer,)
    assert break_lines(footer, 16, width, "items").forced  # the name alone is wider: the fit tries the next pattern
    assert break_lines(footer, 22, width).lines[0] != "主办：市质量计量标准化工作联席会议办公室"  # characters: anywhere


@pytest.mark.parametrize("keep", ["characters", "words", "clauses"])
@pytest.mark.parametrize("mark", ["®", "™", "℠"])
def test_a_trademark_sign_stays_with_the_name_it_marks(mark: str, keep: Keep) -> None:
    # "商标旁的®和™有啥不同" was set "商标旁的®和 / ™有啥不同" on a WeChat cover: the sign belongs to what it follows.
    text = f"品牌{mark}和质量{mark}都是企业的名片"
    for w in range(2, 12):
        broken = break_lines(text, w, width, keep)
        assert "".join(broken.lines) == text
        assert all(not line.startswith(mark) for line in broken.lines[1:]), broken.lines
