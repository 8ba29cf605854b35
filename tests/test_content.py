from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library, read_library
from scheduler.inputs.vocabulary import AREAS, CONSUMER_GOODS, RIGHTS_CATEGORIES
from scheduler.rendering.lint import ABSOLUTE_TERMS
from scheduler.support.errors import ContentError

from .conftest import DEFAULT, HEIHE, ROOT, run_qm


def test_library_size_and_slogans(library: Library) -> None:
    knowledge = [i for i in library.items if not i.is_slogan]
    slogans = [i for i in library.items if i.is_slogan]
    assert len(knowledge) >= 45
    assert len(slogans) >= 20
    assert all(i.channels == ("weibo", "screen") for i in slogans)


def test_the_guide_counts_the_library_as_it_is(library: Library) -> None:
    readme = (ROOT / "docs" / "guide" / "content.md").read_text(encoding="utf-8")
    said = re.search(r"自带 (\d+) 条原创内容，其中 (\d+) 条是宣传标语，其余 (\d+) 条涵盖 (\d+) 类重点消费品、(\d+) 类维权重点", readme)
    assert said, "the content guide's paragraph was reworded: count it here again"
    slogans = sum(i.is_slogan for i in library.items)
    topics = {i.topic for i in library.items}
    counted = [
        len(library.items),
        slogans,
        len(library.items) - slogans,
        len(topics & set(CONSUMER_GOODS)),
        len(topics & set(RIGHTS_CATEGORIES)),
    ]
    assert [int(n) for n in said.groups()] == counted


def test_library_covers_every_topic_the_seed_names(library: Library) -> None:
    topics = Counter(i.topic for i in library.items)
    required = [
        *CONSUMER_GOODS,
        *RIGHTS_CATEGORIES,
        "food-drug",
        "school-canteen",
        "brand",
        "trademark",
        "geo-indication",
        "certification",
        "qc-group",
        "five-factors",
        "five-small",
        "law",
        "story",
        "anti-fake",
        "launch",
    ]
    assert [t for t in required if not topics[t]] == []
    assert {i.area for i in library.items} == set(AREAS)


def test_facts_the_content_relies_on(library: Library) -> None:
    text = "\n".join(f"{i.title}\n{i.summary}\n{i.body}" for i in library.items)
    assert "12315" in text and "CCC" in text and "SC" in text
    for law in ("《中华人民共和国产品质量法》", "《中华人民共和国消费者权益保护法》", "《中华人民共和国食品安全法》"):
        assert law in text
    for item in library.items:  # the retired QS mark is only ever mentioned as retired
        if "QS" in item.body + item.summary:
            assert "停用" in item.body + item.summary or "取代" in item.body, item.id
    for term in ABSOLUTE_TERMS:
        assert term not in text.replace("第一时间", "").replace("第一步", "").replace("第一条", ""), term


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


GOOD = """---
id: test-item
area: rights
topic: goods-salt
title: 买盐看标识
summary: 食盐是人人都要吃的东西，买的时候要看清包装上的定点生产标识和生产日期，有问题拨打12315。
line: 买盐看清定点标识
---
### 怎么买
正文。
"""


def test_the_theme_slogan_says_the_configured_theme_and_the_published_words_stay(project: Callable[..., Path]) -> None:
    """Its title and line are `{{ theme }}`: the 2016 example (already published) and the 2027 one read as before."""
    for config in (HEIHE, DEFAULT):
        campaign = load_campaign(config)
        item = load_library(campaign.paths.content, campaign.text_values).by_id["slogan-publicity-theme"]
        assert item.title == item.line == "提升质量水平，建设质量强市" == campaign.theme, config
    campaign = load_campaign(project(lambda t: t.replace("theme: 提升质量水平，建设质量强市", "theme: 质量强国，你我同行")))
    item = load_library(campaign.paths.content, campaign.text_values).by_id["slogan-publicity-theme"]
    assert item.title == item.line == "质量强国，你我同行"


def test_markdown_and_yaml_items_load(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD)
    _write(
        tmp_path,
        "b.yaml",
        "- id: slogan-x\n  area: publicity\n  topic: slogan\n  title: 质量第一步\n  summary: 一句话。\n  line: 一行\n  channels: [weibo, screen]\n",
    )
    _write(tmp_path, "README.md", "# not an item")
    library = load_library(tmp_path, {})
    assert [i.id for i in library.items] == ["test-item", "slogan-x"]
    item = library.items[0]
    assert item.body.startswith("### 怎么买") and item.headline == item.title and item.source.endswith("a.md:2")


def test_files_meant_as_content_under_another_name_are_reported_not_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD)
    _write(tmp_path, "b.MD", GOOD.replace("id: test-item", "id: upper"))
    _write(tmp_path, "c.txt", GOOD.replace("id: test-item", "id: text"))
    _write(tmp_path, "README.md", "# not an item")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")  # not meant as content: left alone
    with pytest.raises(ContentError) as raised:
        load_library(tmp_path, {})
    said = [str(p) for p in raised.value.problems]
    assert said == [
        f"{tmp_path / 'b.MD'}：qm 只读扩展名为 .md 或 .yaml（小写）的内容文件，这个 .MD 文件没有读（改名为 b.md；不是内容的文件请移出内容库目录）",
        f"{tmp_path / 'c.txt'}：qm 只读扩展名为 .md 或 .yaml（小写）的内容文件，这个 .txt 文件没有读（改名为 c.md；不是内容的文件请移出内容库目录）",
    ]
    (tmp_path / "b.MD").rename(tmp_path / "b.md")
    (tmp_path / "c.txt").rename(tmp_path / "c.md")
    assert [i.id for i in load_library(tmp_path, {}).items] == ["test-item", "upper", "text"]


def test_every_problem_in_the_library_is_reported_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD.replace("area: rights", "area: sports"))
    _write(
        tmp_path,
        "b.md",
        GOOD.replace("id: test-item", "id: other").replace("title: 买盐看标识", "title: 这个标题写得实在太长了已经超过了电子屏"),
    )
    _write(tmp_path, "c.md", GOOD.replace("id: test-item", "id: twice"))
    _write(tmp_path, "c2.md", GOOD.replace("id: test-item", "id: twice"))
    _write(tmp_path, "d.md", GOOD.replace("id: test-item", "id: d-item").replace("topic: goods-salt\n", "topic: goods-salt\nauthor: x\n"))
    _write(tmp_path, "e.md", "no front matter")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"{tmp_path / 'a.md'}:3") and "'sports'" in p for p in problems), problems
    assert any(f"{tmp_path / 'b.md'}:" in p and "headline" in p for p in problems), problems
    assert any("内容编号 twice 重复" in p for p in problems), problems
    assert any(f"{tmp_path / 'd.md'}:5" in p and "未知的字段 内容 d-item.author" in p for p in problems), problems
    assert any(f"{tmp_path / 'e.md'}:1" in p and "---" in p for p in problems), problems


def test_article_items_need_a_body(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD.split("---\n### ")[0] + "---\n")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    assert "没有正文" in str(info.value.problems[0])


def test_impossible_date_in_front_matter_is_reported_with_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD.replace("line: 买盐看清定点标识\n", "line: 买盐看清定点标识\nvalid_from: 2027-02-30\n"))
    _write(tmp_path, "b.yaml", "- id: b-item\n  valid_to: 2027-13-01\n")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    problems = [str(p) for p in info.value.problems]
    assert any(f"{tmp_path / 'a.md'}:8" in p and "valid_from 不是有效日期：2027-02-30（2027 年 2 月只有 28 天）" in p for p in problems), (
        problems
    )
    assert any(f"{tmp_path / 'b.yaml'}:2" in p and "月份只能是 1–12" in p for p in problems), problems


def test_content_problems_speak_of_fields(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD.replace("title:", "titel:"))
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    problems = [str(p) for p in info.value.problems]
    assert any(":5：未知的字段 内容 test-item.titel（是不是想写 title？）" in p for p in problems), problems
    assert any(":2：内容 test-item 缺少字段 title（标题）（第 5 行的 titel 是不是 title 写错了？）" in p for p in problems), problems
    assert not any("配置项" in p for p in problems), problems


def test_title_and_summary_limits_of_the_content_guide(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", GOOD.replace("title: 买盐看标识", "title: " + "质" * 21).replace("line:", "headline: 买盐看标识\nline:"))
    _write(tmp_path, "b.md", GOOD.replace("id: test-item", "id: b-item").replace("summary: ", "summary: " + "质" * 70))
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 2, problems
    assert "内容 test-item.title 超过 20 字（现为 21 字）（标题和摘要组成微博正文：【标题】摘要加链接，一共不超过 140 字）" in problems[0]
    assert "内容 b-item.summary 超过 90 字" in problems[1]


def test_a_title_too_long_for_weibo_and_for_screens_is_told_once(tmp_path: Path) -> None:
    """Without a headline the title is also the screens' headline: one finding at the title says both."""
    _write(tmp_path, "a.md", GOOD.replace("title: 买盐看标识", "title: " + "质" * 21))
    _write(tmp_path, "b.md", GOOD.replace("id: test-item", "id: b-item").replace("title: 买盐看标识", "title: " + "质" * 13))
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 2, problems
    assert problems[0].endswith(
        "内容 test-item.title 超过 20 字（现为 21 字）（标题和摘要组成微博正文：【标题】摘要加链接，一共不超过 140 字；"
        "电子屏也放不下，加一个 headline（≤12 字））"
    ), problems
    assert problems[1].endswith("内容 b-item 的标题超过 12 字，电子屏放不下（加一个 headline（≤12 字））"), problems


def test_check_reports_a_short_summary(project: Callable[..., Path]) -> None:
    config = project()
    item = config.parent / "content" / "brand" / "brand-cert-green-food.md"
    text = item.read_text(encoding="utf-8")
    item.write_text(re.sub(r"(?m)^summary: .*$", "summary: 看清绿色食品标志。", text), encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2, result.stderr
    line = next(i for i, t in enumerate(item.read_text(encoding="utf-8").splitlines(), 1) if t.startswith("summary:"))
    assert line > 2  # the summary's own line, not the item's first
    assert f"brand-cert-green-food.md:{line}：内容 brand-cert-green-food 的摘要只有 9 字，内容库要求 40–90 字" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_item_whose_body_cannot_be_filled_is_set_aside_not_usable(tmp_path: Path) -> None:
    """A placeholder the loader cannot fill leaves `{{ x }}` in the body: the item must not be planned or
    published (the other files' items still are), but it is kept aside for `qm check` to check."""
    _write(tmp_path, "a.md", GOOD + "拨打{{ hot_line }}。\n")
    _write(
        tmp_path,
        "b.yaml",
        "- id: b-item\n  area: rights\n  topic: goods-salt\n  title: 买盐\n  summary: 短。\n  line: 买盐\n  body: 见{{ x }}\n",
    )
    _write(tmp_path, "c.md", GOOD.replace("id: test-item", "id: c-item"))
    library = read_library(tmp_path, {})
    assert [i.id for i in library.items] == ["c-item"]
    assert [i.id for i in library.aside] == ["test-item", "b-item"]
    assert [p.message for p in library.problems] == ["未知的占位符 {{ hot_line }}", "未知的占位符 {{ x }}"]


def test_check_reports_every_problem_of_an_item_with_an_unknown_placeholder_at_once(project: Callable[..., Path]) -> None:
    """The unknown placeholder does not hide the item's other problems: the editor fixes all in one pass."""
    config = project()
    item = config.parent / "content" / "brand" / "brand-cert-green-food.md"
    text = re.sub(r"(?m)^summary: .*$", "summary: 看清绿色食品标志。", item.read_text(encoding="utf-8"))
    item.write_text(text.rstrip("\n") + "\n\n有问题拨打{{ hot_line }}，详见[官网](http://example.com)。\n", encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = item.read_text(encoding="utf-8").splitlines()
    summary, last = next(i for i, t in enumerate(lines, 1) if t.startswith("summary:")), len(lines)
    assert f"brand-cert-green-food.md:{last}：未知的占位符 {{{{ hot_line }}}}" in result.stderr
    assert f"brand-cert-green-food.md:{summary}：内容 brand-cert-green-food 的摘要只有 9 字" in result.stderr
    assert f"brand-cert-green-food.md:{last}：内容 brand-cert-green-food 的正文里有 Markdown 链接" in result.stderr
    assert "模板标记" not in result.stderr  # the placeholder is reported once, as what it is
