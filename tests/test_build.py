"""Many days of screen playlists in one process, and `qm build`: every picture of a campaign at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import build_approval
from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.rendering.payloads import Renderer
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
    assert "已生成 3 天的电子屏播放列表" in result.stdout and "生成图片 [" not in result.stderr  # no bar in a log
    for screen in ("center", "station"):
        current = json.loads((config.parent / ".qm" / "screens" / screen / CURRENT / "playlist.json").read_text(encoding="utf-8"))
        assert current["date"] == "2016-09-09"
        versions = [p for p in (config.parent / ".qm" / "screens" / screen).iterdir() if p.is_dir() and not p.is_symlink()]
        assert len(versions) == 3

    cold = run_qm("build", "-c", config, "--from", "2016-09-01", "--to", "2016-09-03")
    assert cold.returncode == 0, cold.stderr
    drawn = _drawn(cold.stdout)
    assert drawn > 0 and "生成图片" not in cold.stderr  # without a terminal no bar: the summary line says it
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


def _counted(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    """Count the calls of a real method (which still runs)."""
    calls = [0]
    real = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def test_a_warm_build_neither_renders_nor_refreshes_the_queue_and_a_change_is_still_picked_up(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda t: t.replace("size: 1920x1080", "size: 480x270").replace("size: 1080x1920", "size: 270x480"))
    # September 2027 is still to come: the queue decides what the screens show. Every write here is
    # followed by a whole command before the next one, so the database's times always show it.
    monkeypatch.setattr(build_approval, "SETTLED_NS", 0)
    refreshed, rendered = _counted(monkeypatch, Context, "filled_queue"), _counted(monkeypatch, Renderer, "render")
    build = ["-c", str(config), "build", "--from", "2027-09-07", "--to", "2027-09-08"]
    current = config.parent / ".qm" / "screens" / "center" / CURRENT / "playlist.json"

    def run(args: list[str]) -> str:
        refreshed[0] = rendered[0] = 0
        assert main(args) == 0
        return capsys.readouterr().out

    cold = run(build)
    assert refreshed[0] == 1 and rendered[0] > 0 and "尚未审核" in cold
    warm = run(build)
    assert (refreshed[0], rendered[0]) == (0, 0) and "新生成 0 张" in warm and "（0 份有变化）" in warm and "尚未审核" in warm

    for date in ("2027-09-07", "2027-09-08"):  # the queue changed: read again
        run(["-c", str(config), "approve", "--date", date, "--by", "王科长"])
    shown = run(build)
    gc.collect()  # as a process's exit would: what the collector frees must not change what the next build sees
    assert refreshed[0] == 1 and "尚未审核" not in shown
    slides = json.loads(current.read_text(encoding="utf-8"))["slides"]
    featured = next(s for s in slides if s["kind"] == "featured" and s["layout"] == "screen-slide")  # a content file's post
    assert run(build) and (refreshed[0], rendered[0]) == (0, 0)

    item = next(p for p in config.parent.glob("content/**/*.md") if f"\nid: {featured['item']}\n" in p.read_text(encoding="utf-8"))
    words = item.read_text(encoding="utf-8")  # edited: back to review, off the screen
    item.write_text(words.replace("\ntitle: ", "\ntitle: 新版", 1).replace("\nline: ", "\nline: 新版", 1), encoding="utf-8")
    edited = run(build)
    assert refreshed[0] == 1 and rendered[0] > 0 and featured["post"] in edited
    assert featured["post"] not in {s["post"] for s in json.loads(current.read_text(encoding="utf-8"))["slides"]}


def test_qm_build_lists_the_posts_waiting_for_approval_in_time_order(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda t: t.replace("size: 1920x1080", "size: 480x270").replace("size: 1080x1920", "size: 270x480"))
    # before the window: its first day is built last (the one nearest today), yet listed first
    monkeypatch.setattr(Context, "now", lambda self: dt.datetime(2027, 9, 1, 9, 0, tzinfo=self.campaign.timezone))
    assert main(["-c", str(config), "build", "--from", "2027-09-07", "--to", "2027-09-08"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.split("尚未审核", 1)[1].splitlines() if line.startswith("  2027")]
    at = {p.id: p.at for p in Context(config).plan.posts}
    assert listed[0].startswith("20270907") and listed == sorted(listed, key=lambda post_id: (at[post_id], post_id))


def test_a_logo_or_photograph_saved_with_other_bytes_makes_the_build_read_the_queue_again(
    project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the daemon's picture check counts their bytes: kept states would show posts approved that a refresh sends back
    monkeypatch.setattr(build_approval, "SETTLED_NS", 0)
    base = load_campaign(project())
    logo, photo = tmp_path / "logo.png", tmp_path / "photo.jpg"  # outside the templates folder, named by the config
    logo.write_bytes(b"\x89PNG one logo")
    photo.write_bytes(b"\xff\xd8 one photo")
    brand, posters = dataclasses.replace(base.brand, logo=logo), dataclasses.replace(base.posters, photo=photo)
    campaign = dataclasses.replace(base, brand=brand, posters=posters)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    reads: list[int] = []

    def states() -> dict[str, str]:
        kept = build_approval.KeptApproval(campaign, plan, day(1), day(7), day(8))
        return kept.states(lambda: {"read": str(reads.append(1) or len(reads))})

    assert states() == states() == {"read": "1"}
    logo.write_bytes(b"\x89PNG another")  # the same file name and size, another picture
    assert states() == {"read": "2"}
    photo.write_bytes(b"\xff\xd8 another")
    assert states() == {"read": "3"} and states() == {"read": "3"}
