"""The poster font qm is installed with, gone from the installation: the check and the preview say which
file is missing and how to get it back, and blame no content."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.poster import fonts

from .conftest import run_qm

DAY = "2027-09-08"  # the bundled campaign's launch day: posts of every channel, with posters


def _without_font(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment where the bundled font's package is installed without its font file, and that file."""
    if fonts.system_fonts():
        pytest.skip("this machine has a Chinese system font, which posters would fall back to")
    site = tmp_path / "site"
    (site / fonts.BUNDLED_PACKAGE).mkdir(parents=True)
    (site / fonts.BUNDLED_PACKAGE / "__init__.py").write_text("", encoding="utf-8")
    return {**os.environ, "PYTHONPATH": str(site)}, site / fonts.BUNDLED_PACKAGE / fonts.BUNDLED_FILE


def test_check_names_the_missing_font_file_not_a_content_file(project: Callable[..., Path], tmp_path: Path) -> None:
    env, missing = _without_font(tmp_path)
    result = run_qm("check", "-c", project(), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"内置字体文件不存在：{missing}" in result.stderr, result.stderr
    assert "--force-reinstall manimgx-fonts-cjk" in result.stderr and "brand.font" in result.stderr, result.stderr
    assert f"{sys.executable} -m pip install --force-reinstall" in result.stderr, result.stderr  # right from any folder
    assert not re.search(r"\.(md|yaml):\d+", result.stderr) and "内容 " not in result.stderr, result.stderr


def test_preview_marks_no_post_whose_posters_cannot_be_drawn_as_passing_and_says_why_once(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """Every post is ✗; what is missing, how many posters it stops and how to fix it is said once, as `qm posters`
    says it (before: the whole message under every post, in the terminal and on the page)."""
    env, missing = _without_font(tmp_path)
    config = project()
    drawn = run_qm("posters", "-c", config, "--from", DAY, "--to", DAY)  # with the font: how many posters the day needs
    count = re.search(r"排期用到 (\d+) 张海报", drawn.stdout)
    assert drawn.returncode == 0 and count, drawn.stdout + drawn.stderr
    result = run_qm("preview", DAY, "-c", config, "-o", tmp_path / "out", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    posts = [line for line in result.stdout.splitlines() if line.startswith("  ") and "[" in line and "问题：" not in line]
    assert posts and all(line.lstrip().startswith("✗") for line in posts), result.stdout
    said = f"问题：内置字体文件不存在：{missing}，{count[1]} 张海报都无法生成（重新安装内置字体"
    assert result.stdout.count(said) == 1 and result.stdout.count(str(missing)) == 1, result.stdout
    assert result.stdout.count("没有中文字体，海报画不出来") == len(posts), result.stdout  # each post: why it is ✗, briefly
    assert "改动前画的" not in result.stdout, result.stdout  # the posters drawn with the font are not what is wrong
    page = (tmp_path / "out" / f"preview-{DAY}.html").read_text(encoding="utf-8")
    assert page.count(str(missing)) == 1 and f"{count[1]} 张海报都无法生成" in page.split("</header>")[0], page
    assert "全部" not in page.split("</header>")[0]


def test_preview_marks_a_post_whose_poster_words_cannot_be_drawn(project: Callable[..., Path], tmp_path: Path) -> None:
    """An invisible character in a title is drawn as nothing in any font: its posts are not ✓."""
    config = project()
    before = run_qm("preview", DAY, "-c", config, "-o", tmp_path)
    assert before.returncode == 0, before.stdout + before.stderr
    found = re.search(r"✓ \S+ \S+  (\S+?)(?:（\d+ 字）)?  \[(\S+)@[0-9a-f]+\]", before.stdout)
    assert found, before.stdout
    title = found[1]
    path = next(p for p in (config.parent / "content").rglob("*.*") if f"title: {title}\n" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {title}\n", f"title: {title}\u200b\n", 1), encoding="utf-8")
    after = run_qm("preview", DAY, "-c", config, "-o", tmp_path)
    assert after.returncode == 1, after.stdout + after.stderr
    line = next(t for t in after.stdout.splitlines() if f"[{found[2]}@" in t)
    assert line.lstrip().startswith("✗") and "零宽空格 U+200B" in after.stdout, after.stdout


def test_posters_say_once_how_many_posters_the_missing_font_stops_and_how_to_fix_it(project: Callable[..., Path], tmp_path: Path) -> None:
    env, missing = _without_font(tmp_path)
    config = project()
    drawn = run_qm("posters", "-c", config, "--from", DAY, "--to", DAY)  # with the font: how many posters the day needs
    count = re.search(r"排期用到 (\d+) 张海报", drawn.stdout)
    assert drawn.returncode == 0 and count, drawn.stdout + drawn.stderr
    result = run_qm("posters", "-c", config, "--from", DAY, "--to", DAY, "--force", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count(f"内置字体文件不存在：{missing}") == 1, result.stderr  # before: once a poster
    assert f"{count[1]} 张海报都无法生成" in result.stderr and "--force-reinstall manimgx-fonts-cjk" in result.stderr, result.stderr
