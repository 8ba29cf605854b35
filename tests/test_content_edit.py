"""Editing a content item's words in its file: only those words change, and they read back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_text
from scheduler.inputs.content_edit import EditError, apply, current_values, normalize

from .conftest import DEFAULT

VALUES = load_campaign(DEFAULT).text_values  # what {{ placeholders }} become

ROOT = Path(__file__).resolve().parent.parent

MD = """---
id: goods-salt-iodine   # the id never changes
area: rights
topic: goods-salt
title: 买盐认准定点生产标识
summary: '食盐实行定点生产，买盐时看包装上的定点标识，少买散装盐。'
line: 买盐看包装，认准定点标识
tags: [食盐, 碘盐]
---

### 第一段
- 列表
"""

SLOGANS = """# slogans of the brand area
- id: slogan-a
  area: brand
  topic: slogan
  title: 以质量立品牌   # keep this comment
  summary: "品牌的根基是质量。"
  line: 质量立品牌
  channels: [weibo, screen]

- id: slogan-b
  area: brand
  topic: slogan
  title: 注册商标护品牌
  headline: 护品牌
  summary: 商标是品牌的身份证。
  line: 先注册商标
  body: |
    第一行
    第二行

  channels: [weibo, screen]
"""


def _diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b), "same number of lines expected"
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


def test_title_edit_changes_only_the_title_line() -> None:
    new = apply(MD, ".md", "goods-salt-iodine", {"title": "买盐要认准定点标识"})
    assert _diff_lines(MD, new) == [("title: 买盐认准定点生产标识", "title: 买盐要认准定点标识")]


def test_quoting_style_is_kept_and_quotes_inside_are_escaped() -> None:
    new = apply(MD, ".md", "goods-salt-iodine", {"summary": "它's 说：“买盐”看标识 # 不是注释"})
    assert "summary: '它''s 说：“买盐”看标识 # 不是注释'" in new
    front = yaml.safe_load(new.split("---")[1])
    assert front["summary"] == "它's 说：“买盐”看标识 # 不是注释"
    new = apply(SLOGANS, ".yaml", "slogan-a", {"summary": 'He said "hi" \\ ok'})
    assert '  summary: "He said \\"hi\\" \\\\ ok"' in new
    assert yaml.safe_load(new)[0]["summary"] == 'He said "hi" \\ ok'


@pytest.mark.parametrize(
    "title",
    ["yes", "2027-09-08", "12315", "- 列表", "key: value", "标题 #号", "#开头", "'单引号", "null", "[方括号]", "@at", "a:"],
)
def test_plain_values_that_yaml_would_misread_are_quoted(title: str) -> None:
    new = apply(MD, ".md", "goods-salt-iodine", {"title": title})
    front = yaml.safe_load(new.split("---")[1])
    assert front["title"] == title
    assert isinstance(front["title"], str)


def test_comments_and_other_entries_survive() -> None:
    new = apply(SLOGANS, ".yaml", "slogan-a", {"title": "质量立品牌，诚信赢口碑"})
    assert "  title: 质量立品牌，诚信赢口碑   # keep this comment\n" in new
    assert new.startswith("# slogans of the brand area\n")
    assert new.replace("质量立品牌，诚信赢口碑", "以质量立品牌") == SLOGANS


def test_multiline_body_replaces_a_literal_block_in_place() -> None:
    body = "第一行改了\n\n  缩进的第三行\n最后一行 <script>alert(1)</script>"
    new = apply(SLOGANS, ".yaml", "slogan-b", {"body": body})
    data = yaml.safe_load(new)
    assert data[1]["body"].strip() == body
    assert data[1]["channels"] == ["weibo", "screen"]
    assert "  body: |\n    第一行改了\n\n      缩进的第三行\n    最后一行 <script>alert(1)</script>\n\n  channels:" in new


def test_missing_body_and_headline_are_added_inside_the_right_entry() -> None:
    new = apply(SLOGANS, ".yaml", "slogan-a", {"body": "一段\n两段", "headline": "品牌"})
    data = yaml.safe_load(new)
    assert data[0]["body"].strip() == "一段\n两段"
    assert data[0]["headline"] == "品牌"
    assert "  title: 以质量立品牌   # keep this comment\n  headline: 品牌\n" in new
    assert data[1] == yaml.safe_load(SLOGANS)[1]


def test_clearing_the_headline_removes_its_line() -> None:
    new = apply(SLOGANS, ".yaml", "slogan-b", {"headline": ""})
    assert "headline" not in new
    assert len(new.splitlines()) == len(SLOGANS.splitlines()) - 1


def test_markdown_body_is_replaced_and_front_matter_kept() -> None:
    new = apply(MD, ".md", "goods-salt-iodine", {"body": "新的正文\n\n- 一条"})
    assert new == MD.split("---\n\n")[0] + "---\n\n新的正文\n\n- 一条\n"
    items, problems = load_text(new, ".md", "x.md", VALUES)
    assert problems == []
    assert items[0].body == "新的正文\n\n- 一条"


def test_crlf_files_stay_crlf() -> None:
    text = MD.replace("\n", "\r\n")
    new = apply(text, ".md", "goods-salt-iodine", {"title": "新标题", "body": "一\n二", "headline": "短标题"})
    assert "\n" not in new.replace("\r\n", "")
    assert "title: 新标题\r\nheadline: 短标题\r\n" in new
    assert new.endswith("---\r\n\r\n一\r\n二\r\n")
    yaml_text = SLOGANS.replace("\n", "\r\n")
    new = apply(yaml_text, ".yaml", "slogan-b", {"body": "三\n四"})
    assert "\n" not in new.replace("\r\n", "")
    assert yaml.safe_load(new)[1]["body"].strip() == "三\n四"


def test_a_bom_stays_at_the_start_of_the_file() -> None:
    for text, suffix, item_id in (("\ufeff" + MD, ".md", "goods-salt-iodine"), ("\ufeff" + SLOGANS, ".yaml", "slogan-b")):
        assert current_values(text, suffix, item_id)["title"] in ("买盐认准定点生产标识", "注册商标护品牌")
        new = apply(text, suffix, item_id, {"title": "新标题", "body": "一\n二"})
        assert new.startswith("\ufeff") and new.count("\ufeff") == 1
        items, problems = load_text(new, suffix, "x" + suffix, VALUES)
        assert problems == [] and [(i.title, i.body) for i in items if i.id == item_id] == [("新标题", "一\n二")]


def test_form_line_breaks_are_normalized() -> None:
    assert normalize("body", "一\r\n二  \r\n\r\n三\r\n") == "一\n二\n\n三"
    assert normalize("title", "  标题 \r\n") == "标题"


def test_current_values_read_what_the_file_says() -> None:
    assert current_values(MD, ".md", "goods-salt-iodine") == {
        "title": "买盐认准定点生产标识",
        "summary": "食盐实行定点生产，买盐时看包装上的定点标识，少买散装盐。",
        "headline": "",
        "line": "买盐看包装，认准定点标识",
        "body": "### 第一段\n- 列表",
    }
    assert current_values(SLOGANS, ".yaml", "slogan-b")["body"] == "第一行\n第二行"


def test_a_value_written_in_a_flow_mapping_is_still_edited_exactly() -> None:
    text = "- {id: s1, area: brand, topic: slogan, title: 旧, summary: 摘要, line: 行}\n"
    new = apply(text, ".yaml", "s1", {"title": "新的: 标题"})
    assert yaml.safe_load(new) == [{"id": "s1", "area": "brand", "topic": "slogan", "title": "新的: 标题", "summary": "摘要", "line": "行"}]
    with pytest.raises(EditError, match="无法添加字段"):
        apply(text, ".yaml", "s1", {"headline": "短"})


def test_unknown_item_and_broken_file_are_refused() -> None:
    with pytest.raises(EditError, match="找不到内容 nope"):
        apply(SLOGANS, ".yaml", "nope", {"title": "x"})
    with pytest.raises(EditError, match="YAML 格式错误"):
        apply("- id: a\n  title: 'unclosed\n", ".yaml", "a", {"title": "x"})
    with pytest.raises(EditError, match="不能在网页上修改"):
        apply(SLOGANS, ".yaml", "slogan-a", {"area": "rights"})


def test_every_bundled_content_file_takes_an_edit_of_every_field() -> None:
    """The real library: each item's title, summary, headline and body can be changed and read back."""
    files = [p for p in sorted((ROOT / "content").rglob("*")) if p.suffix in (".md", ".yaml") and p.name != "README.md"]
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        items, problems = load_text(text, path.suffix, str(path), VALUES)
        assert not problems
        for item in items:
            changes = {"title": item.title + "改", "summary": "新摘要：" + item.summary, "headline": "短标题", "body": "新正文\n\n第二段"}
            new = apply(text, path.suffix, item.id, changes)
            loaded = {i.id: i for i in load_text(new, path.suffix, str(path), VALUES)[0]}
            edited = loaded[item.id]
            assert (edited.title, edited.summary, edited.headline, edited.body) == tuple(changes.values())
            assert (edited.area, edited.topic, edited.line, edited.tags, edited.channels) == (
                item.area,
                item.topic,
                item.line,
                item.tags,
                item.channels,
            )
