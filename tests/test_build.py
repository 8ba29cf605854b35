"""Many days of screen playlists in one process, and `qm build`: every picture of a campaign at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.build import CURRENT, screens_root
from scheduler.screens.daily import build_day, build_days, in_order
from tests.conftest import run_qm
from tests.screen_helpers import local, small_screen

SEPT = dt.date(2016, 9, 1)


def day(n: int) -> dt.date:
    return SEPT + dt.timedelta(days=n - 1)


def test_the_day_nearest_today_is_built_last() -> None:
    assert in_order(day(1), day(4), day(2)) == [day(1), day(3), day(4), day(2)]
    assert in_order(day(1), day(3), dt.date(2016, 8, 1)) == [day(2), day(3), day(1)]  # before the window: its first day
    assert in_order(day(1), day(3), dt.date(2026, 1, 1)) == [day(1), day(2), day(3)]  # after it: its last day
    assert in_order(day(5), day(5), day(9)) == [day(5)]


def test_a_build_of_many_days_writes_each_days_playlist_as_a_one_day_build_would(
    heihe: Campaign, heihe_plan: Plan, library: Library, tmp_path: Path
) -> None:
    many = small_screen(local(heihe, tmp_path / "many"), 480, 270)
    days = [day(7), day(8), day(9)]
    built = build_days(many, heihe_plan, library, days, workers=1)
    one = small_screen(local(heihe, tmp_path / "one"), 480, 270)
    singles = [build_day(one, heihe_plan, library, d, workers=1) for d in days]
    assert [d.built[0].version for d in built] == [d.built[0].version for d in singles]
    screen_dir = screens_root(many) / many.screens[0].id
    for d, n in zip(built, days, strict=True):  # every day's version folder is kept, with its own date
        document = json.loads((d.built[0].folder / "playlist.json").read_text(encoding="utf-8"))
        assert document["date"] == n.isoformat() and all((d.built[0].folder / s["file"]).is_file() for s in document["slides"])
    assert (screen_dir / CURRENT).resolve() == built[-1].built[0].folder  # current ends on the last day given
    again = build_days(many, heihe_plan, library, days, workers=1)
    assert not any(b.changed for d in again for b in d.built)  # a re-run writes nothing


def test_qm_screen_build_from_to_and_qm_build_make_every_picture_once(project: Callable[..., Path]) -> None:
    config = project()
    text = config.read_text(encoding="utf-8").replace("2027", "2016")  # a past campaign: days follow the plan
    config.write_text(text.replace("size: 1920x1080", "size: 480x270").replace("size: 1080x1920", "size: 270x480"), encoding="utf-8")
    result = run_qm("screen", "build", "-c", config, "--from", "2016-09-07", "--to", "2016-09-09")
    assert result.returncode == 0, result.stderr
    assert "已生成 3 天的电子屏播放列表" in result.stdout and "生成图片 [" in result.stderr
    for screen in ("center", "station"):
        current = json.loads((config.parent / ".qm" / "screens" / screen / CURRENT / "playlist.json").read_text(encoding="utf-8"))
        assert current["date"] == "2016-09-09"
        versions = [p for p in (config.parent / ".qm" / "screens" / screen).iterdir() if p.is_dir() and not p.is_symlink()]
        assert len(versions) == 3

    cold = run_qm("build", "-c", config, "--from", "2016-09-01", "--to", "2016-09-03")
    assert cold.returncode == 0, cold.stderr
    drawn = _drawn(cold.stdout)
    assert cold.stderr.count("\n") <= 11 and cold.stderr.strip().endswith(f"] {drawn}/{drawn}")  # one bar for all of them
    posters = config.parent / "posters"
    assert len(list(posters.rglob("*-wechat-cover.png"))) >= 3 and len(list(posters.rglob("*270*.png"))) > 0
    assert json.loads((config.parent / ".qm" / "screens" / "center" / CURRENT / "playlist.json").read_text(encoding="utf-8"))["date"] == (
        "2016-09-03"
    )
    warm = run_qm("build", "-c", config, "--from", "2016-09-01", "--to", "2016-09-03")
    assert warm.returncode == 0 and "新生成 0 张" in warm.stdout and "（0 份有变化）" in warm.stdout, warm.stdout


def _drawn(stdout: str) -> int:
    """How many pictures `qm build` says it drew."""
    return int(stdout.split("新生成 ", 1)[1].split(" 张", 1)[0])


def test_bad_dates_are_explained(project: Callable[..., Path]) -> None:
    config = project()
    swapped = run_qm("screen", "build", "-c", config, "--from", "2027-09-09", "--to", "2027-09-01")
    assert swapped.returncode == 2 and "早于" in swapped.stderr
    both = run_qm("screen", "build", "-c", config, "--date", "2027-09-09", "--from", "2027-09-01")
    assert both.returncode == 2 and "只能用一种" in both.stderr
    outside = run_qm("build", "-c", config, "--from", "2027-08-01")
    assert outside.returncode == 2 and "不在活动期" in outside.stderr
