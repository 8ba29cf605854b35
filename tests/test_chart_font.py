"""The work summary's chart font, cut from the bundled collection once and kept in the state folder:
taken again for the same characters (the same pixels, no cutting), cut again for others, a damaged or
unwritable keeping never breaks a report."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from scheduler.poster.kept_fonts import CHART
from scheduler.publishing import states as st
from scheduler.report import charts
from scheduler.report.charts import ChartError, chart_font, draw_all
from scheduler.report.figures import Figures, ScreenDay
from scheduler.report.post_rows import PostRow

from .conftest import ROOT, calls

DAY = dt.datetime(2016, 9, 8, 8, 0, tzinfo=dt.UTC)


def figures() -> Figures:
    """Two days of posts on two channels, read articles and a screen's plays: every chart has data."""
    posts = [
        PostRow("w1", DAY, "wechat", "微信公众号", "publicity", "a", "质量提升看得见", st.PUBLISHED, "", {"read_user": 120}),
        PostRow(
            "w2", DAY + dt.timedelta(days=1), "wechat", "微信公众号", "publicity", "b", "放心消费", st.PUBLISHED, "", {"read_user": 80}
        ),
        PostRow("b1", DAY, "weibo", "微博", "publicity", "c", "标准引领", st.PUBLISHED, "", {}),
    ]
    screens = [ScreenDay("center", "市中心户外大屏", DAY.date(), 40, 3, 20.0)]
    return Figures(DAY.date(), DAY.date() + dt.timedelta(days=1), posts, screens=screens)


@pytest.fixture
def cuts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the font is cut for (the real cutting runs)."""
    return calls(monkeypatch, charts, "cut_font", 1)


def kept_files(state: Path) -> list[Path]:
    return sorted((state / CHART.folder).glob("*.otf"))


def whole(path: Path) -> bool:
    """The file's bytes are those its name was kept with."""
    return path.stem.endswith("-" + hashlib.sha256(path.read_bytes()).hexdigest()[:32])


def pixels(path: Path) -> tuple[tuple[int, int], bytes]:
    with Image.open(path) as image:
        return image.size, image.convert("RGBA").tobytes()


def drawn(folder: Path, state: Path | None) -> dict[str, Path]:
    folder.mkdir()
    return {c.key: c.path for c in draw_all(figures(), folder, state)}


def test_a_second_drawing_takes_the_kept_font_and_draws_the_same_pixels(tmp_path: Path, cuts: list[str]) -> None:
    state = tmp_path / ".qm"
    first = drawn(tmp_path / "first", state)
    assert len(cuts) == 1
    [kept] = kept_files(state)
    assert whole(kept)
    inode, data = kept.stat().st_ino, kept.read_bytes()
    second = drawn(tmp_path / "second", state)
    assert len(cuts) == 1, "the kept font was cut again"
    assert kept_files(state) == [kept] and kept.stat().st_ino == inode and kept.read_bytes() == data
    assert set(first) == set(second) == {"posts-per-day", "top-reads", "screen-plays"}
    for key in first:  # drawn in a fresh cut, then in the kept one
        assert pixels(first[key]) == pixels(second[key]), key
    script = (
        "import sys; from pathlib import Path; from tests.test_chart_font import drawn\n"
        "drawn(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fontTools.subset', 'fontTools.varLib', 'fontTools.ttLib'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "again"), str(state)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", "the kept font's drawing loaded fontTools' cutting code"
    assert kept_files(state) == [kept] and kept.stat().st_ino == inode


def test_other_characters_are_cut_and_kept_beside_and_only_the_newest_four_stay(tmp_path: Path, cuts: list[str]) -> None:
    state = tmp_path / ".qm"
    chart_font("各渠道发布条数", tmp_path, state)
    [first] = kept_files(state)
    digest = first.stem.partition("-")[2]
    older = [first.with_name(f"{n:032x}-{digest}.otf") for n in range(1, 5)]  # kept before, by other reports
    for age, path in enumerate(older, start=1):
        path.write_bytes(first.read_bytes())
        os.utime(path, ns=(0, (1_000_000 - age) * 10**9))
    os.utime(first, ns=(0, 1))  # the oldest of all, until a report takes it
    chart_font("各渠道发布条数", tmp_path, state)
    assert len(cuts) == 1
    chart_font("各渠道发布条数和播放次数", tmp_path, state)
    assert len(cuts) == 2
    files = kept_files(state)
    assert len(files) == CHART.keep and first in files and all(whole(p) for p in files)
    assert older[:2] == [p for p in older if p in files], "the oldest kept fonts should go"
    chart_font("各渠道发布条数和播放次数", tmp_path, state)
    assert len(cuts) == 2


def test_a_damaged_kept_font_is_cut_again(tmp_path: Path, cuts: list[str]) -> None:
    state = tmp_path / ".qm"
    chart_font("各渠道发布条数", tmp_path, state)
    [kept] = kept_files(state)
    data = kept.read_bytes()
    kept.write_bytes(data[: len(data) // 2])
    assert chart_font("各渠道发布条数", tmp_path, state).read_bytes() != data[: len(data) // 2]
    assert len(cuts) == 2
    [replaced] = kept_files(state)
    assert replaced.name.partition("-")[0] == kept.name.partition("-")[0] and whole(replaced)


def test_a_missing_character_is_refused_though_the_other_characters_are_kept(tmp_path: Path) -> None:
    state = tmp_path / ".qm"
    chart_font("发布", tmp_path, state)
    [kept] = kept_files(state)
    with pytest.raises(ChartError, match="字符 😀 不在字体"):
        chart_font("发布\U0001f600", tmp_path, state)
    assert kept_files(state) == [kept]


def test_a_state_folder_that_cannot_be_written_only_costs_the_keeping(tmp_path: Path, cuts: list[str]) -> None:
    state = tmp_path / "state-is-a-file"
    state.write_text("not a folder", encoding="utf-8")
    charts_drawn = drawn(tmp_path / "out", state)
    assert len(charts_drawn) == 3 and all(p.is_file() for p in charts_drawn.values())
    assert len(cuts) == 1 and state.read_text(encoding="utf-8") == "not a folder"
