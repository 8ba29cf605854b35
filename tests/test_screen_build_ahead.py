"""Building other days' playlists while a campaign is on the walls: `current` stays on the playlist
the screen should show now (today until its on-hours end, then tomorrow), and every day keeps its
version folder. The clock is injected: these tests mean the same at any hour."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.fakes.anthias import FakeAnthias
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.build import CURRENT, current_folder, screens_root
from scheduler.screens.daily import build_day, build_days
from tests.screen_helpers import build_into, local, playlist, small_screen

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def campaign(heihe: Campaign, tmp_path: Path) -> Campaign:
    return small_screen(local(heihe, tmp_path), 480, 270)  # one screen, on 07:00-21:30


def day(n: int) -> dt.date:
    return dt.date(2016, 9, n)


def _versions(screen_dir: Path) -> dict[str, str]:
    """Version folder -> the day its playlist is for."""
    return {
        p.name: json.loads((p / "playlist.json").read_text(encoding="utf-8"))["date"]
        for p in screen_dir.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
    }


def test_current_stays_on_the_due_day_and_every_day_built_keeps_its_folder(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    screen_dir = screens_root(campaign) / campaign.screens[0].id
    noon = dt.datetime(2016, 9, 8, 12, 0, tzinfo=TZ)
    built = build_days(campaign, heihe_plan, library, [day(7), day(8), day(9), day(10)], workers=1, now=noon)
    assert [d.built[0].current for d in built] == [False, True, False, False]
    assert current_folder(screens_root(campaign), "center") == built[1].built[0].folder  # today's, though not the last given

    ahead = build_day(campaign, heihe_plan, library, day(12), workers=1, now=noon)
    assert ahead.built[0].changed and not ahead.built[0].current
    assert current_folder(screens_root(campaign), "center") == built[1].built[0].folder  # the wall still shows today's
    assert sorted(_versions(screen_dir).values()) == ["2016-09-07", "2016-09-08", "2016-09-09", "2016-09-10", "2016-09-12"]

    evening = dt.datetime(2016, 9, 8, 21, 45, tzinfo=TZ)  # today's on-hours are over: tomorrow is due
    late = build_day(campaign, heihe_plan, library, day(8), workers=1, now=evening)
    assert not late.built[0].changed and current_folder(screens_root(campaign), "center") == built[1].built[0].folder
    tomorrow = build_day(campaign, heihe_plan, library, day(9), workers=1, now=evening)
    assert tomorrow.built[0].current and tomorrow.built[0].changed  # an unchanged folder, now current
    assert current_folder(screens_root(campaign), "center") == built[2].built[0].folder
    assert len(_versions(screen_dir)) == 5


def test_a_rebuilt_day_replaces_only_its_own_older_version(campaign: Campaign, heihe_plan: Plan, library: Library) -> None:
    screen_dir = screens_root(campaign) / "center"
    old = build_into(campaign, playlist(campaign, heihe_plan, library, day(8), seconds=3))
    other = build_into(campaign, playlist(campaign, heihe_plan, library, day(9), seconds=3))
    new = build_into(campaign, playlist(campaign, heihe_plan, library, day(8), seconds=4))  # day 9 stays as the previous one
    later = build_into(campaign, playlist(campaign, heihe_plan, library, day(10), seconds=3))
    assert old.version != new.version and old.folder.exists() is False
    assert _versions(screen_dir) == {new.version: "2016-09-08", other.version: "2016-09-09", later.version: "2016-09-10"}


def _qm(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> str:
    assert main(["-c", str(config), *args]) == 0
    return capsys.readouterr().out


def test_qm_screen_build_of_another_day_leaves_the_live_screens_alone_and_says_so(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda t: t.replace("size: 1920x1080", "size: 480x270").replace("size: 1080x1920", "size: 270x480"))
    now = [dt.datetime(2027, 9, 8, 12, 0, tzinfo=TZ)]  # the bundled campaign, on its walls: center 07:00-22:00, station 06:30-23:00
    monkeypatch.setattr(Context, "now", lambda self: now[0])
    screens = config.parent / ".qm" / "screens"

    def showing() -> dict[str, str]:
        return {s: json.loads((screens / s / CURRENT / "playlist.json").read_text(encoding="utf-8"))["date"] for s in ("center", "station")}

    _qm(capsys, config, "screen", "build", "--from", "2027-09-06", "--to", "2027-09-10")
    assert showing() == {"center": "2027-09-08", "station": "2027-09-08"}
    folders = {s: _versions(screens / s) for s in ("center", "station")}
    assert [len(f) for f in folders.values()] == [5, 5]

    out = _qm(capsys, config, "screen", "build", "--date", "2027-09-10")
    assert showing() == {"center": "2027-09-08", "station": "2027-09-08"}
    assert {s: _versions(screens / s) for s in ("center", "station")} == folders  # the same folders, none pruned
    assert "current 未切换" in out and "电子屏 center 仍是 2027-09-08 的播放列表" in out
    assert "2027-09-10 的播放列表已备好" in out and "后台服务（qm daemon）" in out

    now[0] = dt.datetime(2027, 9, 8, 22, 30, tzinfo=TZ)  # center's on-hours are over, station's are not
    out = _qm(capsys, config, "screen", "build", "--date", "2027-09-09")
    assert showing() == {"center": "2027-09-09", "station": "2027-09-08"}
    assert "电子屏 center 的播放列表（2027-09-09，" in out and "电子屏 station 仍是 2027-09-08 的播放列表" in out
    out = _qm(capsys, config, "screen", "build", "--screen", "center")  # today's, once its on-hours are over: kept aside
    assert showing() == {"center": "2027-09-09", "station": "2027-09-08"} and "2027-09-08 的开屏时段已经过去" in out
    out = _qm(capsys, config, "screen", "build", "--date", "2027-09-07", "--screen", "station")
    assert showing() == {"center": "2027-09-09", "station": "2027-09-08"} and "2027-09-07 的开屏时段已经过去" in out


def test_qm_screen_push_of_another_day_pushes_nothing(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda t: t.replace("size: 1080x1920", "size: 270x480"))
    monkeypatch.setattr(Context, "now", lambda self: dt.datetime(2027, 9, 8, 12, 0, tzinfo=TZ))
    with FakeAnthias() as fake:
        push = ["-c", str(config), "screen", "push", "station", "--url", fake.url, "--date"]
        assert main([*push, "2027-09-10"]) == 2
        assert fake.playlist() == []  # Anthias keeps one playlist a screen: the day ahead would replace today's
        assert "没有推送：2027-09-10 不是电子屏 station 现在该播的一天" in capsys.readouterr().err
        assert main([*push, "2027-09-08"]) == 0
        assert fake.playlist() and "已推送电子屏 station" in capsys.readouterr().out


def test_before_the_campaign_a_build_of_a_later_day_leaves_current_on_the_day_the_screens_play_first(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda t: t.replace("size: 1920x1080", "size: 480x270").replace("size: 1080x1920", "size: 270x480"))
    monkeypatch.setattr(Context, "now", lambda self: dt.datetime(2027, 8, 20, 12, 0, tzinfo=TZ))  # the campaign starts 09-01
    screens = config.parent / ".qm" / "screens"

    def showing() -> dict[str, str]:
        return {s: json.loads((screens / s / CURRENT / "playlist.json").read_text(encoding="utf-8"))["date"] for s in ("center", "station")}

    _qm(capsys, config, "screen", "build", "--from", "2027-09-03", "--to", "2027-09-05")
    assert showing() == {"center": "2027-09-03", "station": "2027-09-03"}  # the day nearest today
    out = _qm(capsys, config, "screen", "build", "--date", "2027-09-08")
    assert showing() == {"center": "2027-09-03", "station": "2027-09-03"}
    assert "current 未切换" in out and "电子屏 center 仍是 2027-09-03 的播放列表" in out and "2027-09-08 的播放列表已备好" in out
    _qm(capsys, config, "screen", "build", "--date", "2027-09-01", "--screen", "center")  # an earlier day: nearer today
    assert showing() == {"center": "2027-09-01", "station": "2027-09-03"}
