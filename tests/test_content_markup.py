"""Template tags, Markdown links and HTML written into content text would be published as the characters
they are: `qm check` reports them at the content file's line, with what to write instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.content import load_library
from scheduler.inputs.content_markup import markup_problems

from .conftest import HEIHE, ROOT, run_qm
from .test_content import GOOD


def _problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    return [str(p) for p in markup_problems(load_library(tmp_path, {}).items)]


@pytest.mark.parametrize(
    ("written", "what"),
    [
        ("详见{% if year %}今年{% endif %}的通知。", "模板标记“{% if year %}”等 2 处"),
        ("查询结果{# 备注 #}。", "模板标记“{# 备注 #}”"),
        ("详见[总局网站](http://www.samr.gov.cn)。", "Markdown 链接“[总局网站](http://www.samr.gov.cn)”"),
        ("![标志](sc.png)", "Markdown 链接“![标志](sc.png)”"),
        ("认准<b>SC</b>标志。", "HTML 标记“<b>”等 2 处"),
        ('点击<a href="http://x.cn">这里</a>', 'HTML 标记“<a href="http://x.cn">”等 2 处'),
        ("第一行<br>第二行", "HTML 标记“<br>”"),
        ("质量&nbsp;月", "HTML 标记“&nbsp;”"),
    ],
)
def test_markup_in_a_body_is_reported_at_its_line(tmp_path: Path, written: str, what: str) -> None:
    (problem,) = _problems(tmp_path, GOOD + "\n" + written + "\n")
    line = len(GOOD.splitlines()) + 2
    assert problem.startswith(f"{tmp_path / 'a.md'}:{line}：内容 test-item 的正文里有"), problem
    assert f"{what}：内容里的文字按原样发出，读者会看到这些符号（只写文字" in problem, problem


def test_markup_in_a_field_is_reported_at_the_field(tmp_path: Path) -> None:
    problems = _problems(tmp_path, GOOD.replace("line: 买盐看清定点标识", "line: 买盐看清<i>定点</i>标识"))
    assert problems == [
        f"{tmp_path / 'a.md'}:7：内容 test-item 的电子屏上的一行字里有 HTML 标记“<i>”等 2 处：内容里的文字按原样发出，读者会看到这些符号"
        "（只写文字，HTML 不会生效：正文另起一段空一行，加粗写 **文字**，小标题写 ### 标题；标题、摘要和电子屏文字只写文字）"
    ], problems


def test_what_qm_writes_itself_is_not_markup(tmp_path: Path) -> None:
    """The Markdown a body may use, placeholders and ordinary comparisons are plain text to readers."""
    body = "### 小标题\n\n- **加粗**的一项\n1. 含量<5%，价格>10元\n拨打{{ hotline }}，《标准》[2016]版。\n"
    (tmp_path / "a.md").write_text(GOOD + body, encoding="utf-8")
    assert markup_problems(load_library(tmp_path, {"hotline": "12315"}).items) == []


@pytest.mark.parametrize("config", [ROOT / "config.yaml", HEIHE])
def test_bundled_content_has_no_markup(config: Path) -> None:
    from scheduler.inputs.config import load_campaign

    campaign = load_campaign(config)
    assert markup_problems(load_library(campaign.paths.content, campaign.text_values).items) == []


def test_check_fails_on_markup_in_content(project: Callable[..., Path]) -> None:
    config = project()
    path = config.parent / "content" / "rights" / "anti-fake-ccc-check.md"
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n详见[认监委网站](http://www.cnca.gov.cn)。\n"
    path.write_text(text, encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    line = len(text.splitlines())
    assert f"{path}:{line}：内容 anti-fake-ccc-check 的正文里有 Markdown 链接“[认监委网站](http://www.cnca.gov.cn)”" in result.stderr
    assert "内容没有链接字段" in result.stderr, result.stderr
