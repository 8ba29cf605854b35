"""`qm check` finds words a poster cannot draw and brand files that are not what they claim, before publishing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import run_qm

ITEM = Path("content") / "brand" / "brand-cert-green-food.md"
TITLE = "title: 认识绿色食品标志"


def _retitled(project: Callable[..., Path], title: str) -> Path:
    config = project()
    path = config.parent / ITEM
    text = path.read_text(encoding="utf-8")
    assert TITLE in text
    path.write_text(text.replace(TITLE, f"title: {title}"), encoding="utf-8")
    return config


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("认识绿色食品标志😀", "海报字体没有的字：😀（U+1F600）"),
        ("认识绿色食品\U00020000标志", "海报字体没有的字：\U00020000（U+20000）"),
        ("认识绿色\u200b食品标志", "看不见的字符：零宽空格 U+200B（在“绿色”和“食品”之间），海报上画不出来"),
        ("认识绿色\u200d食品\u202e标志", "零宽连接符 U+200D（在“绿色”和“食品”之间）、从右到左覆盖 U+202E（在“食品”和“标志”之间）"),
    ],
)
def test_check_finds_characters_a_poster_cannot_draw(project: Callable[..., Path], title: str, words: str) -> None:
    result = run_qm("check", "-c", _retitled(project, title))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{ITEM.as_posix()}:" in result.stderr and "brand-cert-green-food 的标题" in result.stderr, result.stderr
    assert words in result.stderr, result.stderr


def test_one_poster_names_an_invisible_character_with_its_field_and_file(project: Callable[..., Path], tmp_path: Path) -> None:
    config = _retitled(project, "认识绿色\u200b食品标志")
    result = run_qm("poster", "brand-cert-green-food", "--size", "square", "-o", tmp_path / "x.png", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert (
        f"{ITEM.as_posix()}:" in result.stderr
        and "brand-cert-green-food 的标题中有看不见的字符：零宽空格 U+200B（在“绿色”和“食品”之间）" in result.stderr
    )
    assert "表情符号" not in result.stderr and not (tmp_path / "x.png").exists(), result.stderr


def test_check_calls_the_headline_by_the_name_the_rest_of_the_tool_uses(project: Callable[..., Path]) -> None:
    """The glyph check names the screen headline 电子屏标题, as the vocabulary, the edit form and the
    screen rules do."""
    config = project()
    path = config.parent / ITEM
    path.write_text(path.read_text(encoding="utf-8").replace(TITLE, f"{TITLE}\nheadline: 绿色食品标志😀"), encoding="utf-8")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "内容 brand-cert-green-food 的电子屏标题中有海报字体没有的字：😀（U+1F600）" in result.stderr, result.stderr
    assert "短标题" not in result.stderr, result.stderr


def test_posters_name_an_undrawable_item_once_with_its_file(project: Callable[..., Path]) -> None:
    config = _retitled(project, "认识绿色食品标志😀")
    result = run_qm("posters", "-c", config, "--from", "2027-09-01", "--to", "2027-09-30")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("😀") == 1, result.stderr
    assert f"{ITEM.as_posix()}:" in result.stderr and "brand-cert-green-food" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("key", "content", "words"),
    [
        ("logo", b"this is not a picture", "不是图片"),
        ("logo", b"\x89PNG\r\n\x1a\n-truncated", "不是图片"),
        ("font", b"this is not a font", "不是字体文件"),
        ("font", b"\x89PNG\r\n\x1a\n", "不是字体文件"),
    ],
)
def test_check_reports_brand_files_that_are_not_what_they_claim(project: Callable[..., Path], key: str, content: bytes, words: str) -> None:
    config = project(lambda t: t.replace("  qr_link:", f"  {key}: brand-file.bin\n  qr_link:"))
    (config.parent / "brand-file.bin").write_bytes(content)
    line = config.read_text(encoding="utf-8").split("\n").index(f"  {key}: brand-file.bin") + 1
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"config.yaml:{line}" in result.stderr and words in result.stderr and f"brand.{key}" in result.stderr, result.stderr


@pytest.mark.parametrize(("key", "noun", "file"), [("font", "字体文件", "思源黑体.otf"), ("logo", "标志图片", "标志.png")])
def test_check_says_a_brand_folder_is_a_folder_and_names_a_file_in_it(project: Callable[..., Path], key: str, noun: str, file: str) -> None:
    config = project(lambda t: t.replace("  qr_link:", f"  {key}: brand\n  qr_link:"))
    (config.parent / "brand").mkdir()
    line = config.read_text(encoding="utf-8").split("\n").index(f"  {key}: brand") + 1
    empty = run_qm("check", "-c", config)
    assert empty.returncode == 2 and "Traceback" not in empty.stderr, empty.stderr
    assert f"config.yaml:{line}：brand.{key} 是一个文件夹，不是{noun}" in empty.stderr, empty.stderr
    assert "不存在" not in empty.stderr and f"写作 {key}: brand/文件名." in empty.stderr, empty.stderr
    (config.parent / "brand" / file).write_bytes(b"")
    (config.parent / "brand" / "说明.txt").write_bytes(b"")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and f"如 {key}: brand/{file}；这个文件夹里有：{file}" in result.stderr, result.stderr
