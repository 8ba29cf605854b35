"""What a content file's author reads when something is wrong: the line of the field concerned, the
field by the name staff use, the values allowed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.content import TITLE_MAX, load_library
from scheduler.support.errors import ContentError

from .conftest import HEIHE, run_qm
from .test_content import GOOD as ITEM


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    return [str(p) for p in info.value.problems]


def test_a_missing_field_is_said_of_the_item_with_its_name(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("title: 买盐看标识\n", ""))
    assert (
        problem
        == f"{tmp_path / 'a.md'}:2：内容 test-item 缺少字段 title（标题）（在这条内容里加一行“title: ”，后面写上标题，不超过 {TITLE_MAX} 字）"
    )


def test_a_broken_item_stops_plan_and_preview_saying_why_the_whole_library_is_needed(project: Callable[..., Path]) -> None:
    config = project()
    item = next(p for p in (config.parent / "content").rglob("*.md") if p.name != "README.md")
    item.write_text("\n".join(line for line in item.read_text(encoding="utf-8").splitlines() if not line.startswith("title:")) + "\n")
    for command in (("plan",), ("preview", "2027-09-08", "-o", config.parent / "预览")):
        done = run_qm(*command, "-c", config)
        assert done.returncode == 2 and "缺少字段 title（标题）（在这条内容里加一行“title: ”" in done.stderr, done.stderr
        assert "说明：排期按整个内容库安排每条内容的日期，少了一条，别的内容的日期也会跟着变" in done.stderr
        # said by qm daemon refusing to start too: the daemon named is one already running, if any
        assert "如果后台服务已经在运行，它照常发布队列里已有的内容；没有运行的，改好后再启动。" in done.stderr, done.stderr


def test_a_wrong_area_lists_the_areas_with_their_names(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("area: rights", "area: right"))
    assert problem.startswith(
        f"{tmp_path / 'a.md'}:3：内容 test-item.area 的值 'right' 不可用（是不是想写 rights（严格质量整治与消费维权）？"
    ), problem
    assert "只能是 brand（质量品牌提升） | rights（严格质量整治与消费维权） | mechanism（质量创建与工作机制）" in problem, problem


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("维权", "rights（严格质量整治与消费维权）"),  # a word of the area's Chinese name
        ("消费者权益", "rights（严格质量整治与消费维权）"),
        ("品牌", "brand（质量品牌提升）"),
        ("质量宣传", "publicity（质量宣传）"),  # the whole Chinese name instead of the id
        ("群众活动", "grassroots（基础性群众质量活动）"),
    ],
)
def test_an_area_written_in_chinese_suggests_the_area_by_its_name(tmp_path: Path, written: str, meant: str) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("area: rights", f"area: {written}"))
    assert problem.startswith(f"{tmp_path / 'a.md'}:3：内容 test-item.area 的值 {written!r} 不可用（是不是想写 {meant}？只能是 brand"), (
        problem
    )


def test_a_word_every_area_has_suggests_none_of_them(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("area: rights", "area: 质量"))
    assert "是不是想写" not in problem and "只能是 brand（质量品牌提升） | rights（严格质量整治与消费维权）" in problem, problem


def test_a_wrong_topic_suggests_the_one_meant_without_listing_them_all(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("topic: goods-salt", "topic: goods_salt"))
    assert problem == f"{tmp_path / 'a.md'}:4：内容 test-item.topic 的值 'goods_salt' 不可用（是不是想写 goods-salt（食盐）？）", problem


def test_a_chinese_colon_in_the_front_matter_is_named_at_its_line(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("topic: goods-salt", "topic：goods-salt"))
    assert problem.startswith(f"{tmp_path / 'a.md'}:4：YAML 格式错误（第 6 列）：用了中文冒号“：”，键后面要写英文冒号“:”"), problem


def test_a_missing_colon_is_named_at_the_line_lacking_it_not_the_next(tmp_path: Path) -> None:
    text = ITEM.replace("title: 买盐看标识", "title 买盐看标识")
    line = text.splitlines().index("title 买盐看标识") + 1
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"{tmp_path / 'a.md'}:{line}：YAML 格式错误（第 1 列）：缺少冒号"), problem


def test_check_points_at_the_line_holding_what_it_found(project: Callable[..., Path]) -> None:
    config = project()
    path = config.parent / "content" / "rights" / "anti-fake-ccc-check.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: 一看二查", "title: 😀最好一看二查").replace("CCC是产品安全方面的基本要求", "CCC是最佳的产品安全基本要求")
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    title = next(i for i, t in enumerate(lines, 1) if t.startswith("title:"))
    body = next(i for i, t in enumerate(lines, 1) if "最佳" in t)
    assert title > 2 and body > title + 5  # neither is the item's first line

    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{path}:{title}：内容 anti-fake-ccc-check 的标题中有海报字体没有的字：😀" in result.stderr, result.stderr
    assert f"禁用的绝对化用语“最好”（修改内容 anti-fake-ccc-check（{path}:{title}）" in result.stderr, result.stderr
    assert f"禁用的绝对化用语“最佳”（修改内容 anti-fake-ccc-check（{path}:{body}））" in result.stderr, result.stderr
    best = [line for line in result.stderr.splitlines() if "“最好”" in line or "“最佳”" in line]
    assert best and not any("模板" in line for line in best), best  # the words are the content's own


def test_check_points_at_the_line_of_words_the_content_writes_another_way(project: Callable[..., Path]) -> None:
    """A banned word split by a full-width space, which a weibo post's text leaves out: the finding quotes it as
    the file writes it and names its line, for that post too."""
    config = project()
    path = config.parent / "content" / "brand" / "brand-trademark-well-known.md"
    text = path.read_text(encoding="utf-8").replace("summary: 驰名商标是在", "summary: 最　佳驰名商标是在")
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("summary:"))
    result = run_qm("check", "-c", config)
    found = [said for said in result.stderr.splitlines() if "“最　佳”" in said]
    assert found and all(f"{path}:{line}" in said for said in found), found  # the weibo post's text too: 最佳


@pytest.mark.parametrize("rest", ["，人民广场见", ",人民广场见", " 人民广场见", ""])
def test_a_value_starting_with_an_unquoted_placeholder_is_told_to_be_quoted(tmp_path: Path, rest: str) -> None:
    line = "line: {{ launch_date }}" + rest
    (problem,) = _problems(tmp_path, ITEM.replace("line: 买盐看清定点标识", line))
    fixed = "line: '{{ launch_date }}" + rest + "'"
    assert problem == (
        f"{tmp_path / 'a.md'}:7：YAML 格式错误：值以 {{{{ 开头却没有加引号：YAML 把值开头的 {{ 读作 {{ }} 映射的开头"
        f"（用引号把值括起来，改成“{fixed}”）"
    ), problem
    (tmp_path / "a.md").write_text(ITEM.replace("line: 买盐看清定点标识", fixed), encoding="utf-8")  # the fix as given
    (item,) = load_library(tmp_path, {"launch_date": "9月8日"}).items
    assert item.line == "9月8日" + rest


@pytest.mark.parametrize(
    ("written", "fixed"),
    [
        ("tags: [{{ theme }}, 食盐]", "tags: ['{{ theme }}', 食盐]"),
        ("tags: [食盐, {{ theme }}]", "tags: [食盐, '{{ theme }}']"),
        ("tags: [ {{ theme }} ]", "tags: [ '{{ theme }}' ]"),
    ],
)
def test_an_unquoted_placeholder_in_a_bracket_list_is_told_to_be_quoted(tmp_path: Path, written: str, fixed: str) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("line: 买盐看清定点标识", f"line: 买盐看清定点标识\n{written}"))
    assert problem.startswith(f"{tmp_path / 'a.md'}:8：YAML 格式错误：值以 {{{{ 开头却没有加引号"), problem
    assert problem.endswith(f"（用引号把值括起来，改成“{fixed}”）"), problem
    (tmp_path / "a.md").write_text(ITEM.replace("line: 买盐看清定点标识", f"line: 买盐看清定点标识\n{fixed}"), encoding="utf-8")
    (item,) = load_library(tmp_path, {"theme": "质量第一"}).items  # the fix as given reads
    assert "{{ theme }}" in item.tags or "质量第一" in item.tags, item.tags


def test_check_tells_an_unquoted_placeholder_in_a_yaml_file_at_its_line(project: Callable[..., Path]) -> None:
    config = project()
    path = config.parent / "content" / "slogans-rights.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, t in enumerate(lines) if t.strip().startswith("line:"))
    indent = lines[at][: lines[at].index("line:")]
    lines[at] = indent + "line: {{ launch_date }}，人民广场见"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{path}:{at + 1}：YAML 格式错误：值以 {{{{ 开头却没有加引号" in result.stderr, result.stderr
    assert f"改成“{indent}line: '{{{{ launch_date }}}}，人民广场见'”" in result.stderr, result.stderr
    assert "中文逗号" not in result.stderr and "缩进" not in result.stderr, result.stderr


def test_a_markdown_file_saved_with_a_bom_reads_as_without_one(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("\ufeff" + ITEM, encoding="utf-8")  # as Windows Notepad saves UTF-8
    (item,) = load_library(tmp_path, {}).items
    assert (item.id, item.title, item.body) == ("test-item", "买盐看标识", "### 怎么买\n正文。")
    (problem,) = _problems(tmp_path, "\ufeff" + ITEM.replace("topic: goods-salt", "topic: goods_salt"))
    assert problem.startswith(f"{tmp_path / 'a.md'}:4：内容 test-item.topic 的值 'goods_salt' 不可用"), problem  # lines as counted


@pytest.mark.parametrize(("written", "meant"), [("wechar", "wechat（公众号）"), ("电子屏", "screen（电子屏）")])
def test_a_wrong_channel_kind_lists_the_kinds_with_their_names(tmp_path: Path, written: str, meant: str) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("line: 买盐看清定点标识\n", f"line: 买盐看清定点标识\nchannels: [wechat, {written}]\n"))
    assert (
        f"内容 test-item 的渠道 {written!r} 不可用（是不是想写 {meant}？只能是 wechat（公众号） | weibo（微博） | screen（电子屏））"
        in problem
    ), problem


def test_a_validity_date_written_wrong_is_shown_with_a_day_of_the_loaded_campaign(project: Callable[..., Path]) -> None:
    """The 2016 Heihe campaign's content is told how to write a date with a day of 2016, not the bundled 2027."""
    config = project(config=HEIHE)
    bad = config.parent / "content" / "zz-bad.md"
    bad.write_text(
        ITEM.replace("id: test-item", "id: zz-bad").replace("line: 买盐看清定点标识\n", "line: 买盐看清定点标识\nvalid_from: 2016/9/8\n"),
        encoding="utf-8",
    )
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and f"{bad}:" in checked.stderr, checked.stderr
    assert "日期写作 2016-09-08 的形式，月和日都写两位" in checked.stderr and "2027" not in checked.stderr, checked.stderr


def test_a_field_written_with_nothing_after_it_is_said_of_the_item_at_its_line(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, ITEM.replace("title: 买盐看标识\n", "title:\n"))
    line = ITEM.splitlines().index("title: 买盐看标识") + 1
    assert problem == f"{tmp_path / 'a.md'}:{line}：内容 test-item 的字段 title（标题）没有填写（在“title:”后面写上它的值）", problem
