"""Slogans rotate on the screens without review, but a slogan `qm check` reports (an absolute term in a new
slogan file) goes on no wall: `qm screen build` and the daemon leave it out of the playlists and say which and
why. Real files, the real command line, the daemon's work-ahead hook with a real SQLite queue."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.daemon_cmds import _ahead
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.runtime.work_ahead import Ahead
from scheduler.screens import slogan_check
from scheduler.screens.build import current_folder, screens_root
from scheduler.screens.playlist import make_playlist

from .conftest import run_qm
from .daemon_helpers import Recorder

SLOGAN = "slogan-city-first"
CITY_FIRST = f"""- id: {SLOGAN}
  area: brand
  topic: slogan
  title: 牡丹江质量全国第一
  summary: 牡丹江的产品质量在全国名列前茅，企业和市民共同守护质量口碑，让本地产品走向全国各地的市场。
  line: 牡丹江质量全国第一
  channels: [screen]
"""


def _with_the_slogan(project: Callable[..., Path]) -> tuple[Path, Campaign, dt.date]:
    """The project with the new slogan file, and a day it would rotate on the center screen with nothing approved."""
    config = project()
    (config.parent / "content" / "slogans-city.yaml").write_text(CITY_FIRST, encoding="utf-8")
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    (center,) = (s for s in campaign.screens if s.id == "center")
    days = (campaign.start + dt.timedelta(days=n) for n in range((campaign.end - campaign.start).days + 1))
    day = next(d for d in days if SLOGAN in {s.key for s in make_playlist(campaign, center, [], library, d).slides})
    return config, campaign, day


def _shown(campaign: Campaign) -> set[str]:
    folder = current_folder(screens_root(campaign), "center")
    assert folder is not None
    return {s["item"] for s in json.loads((folder / "playlist.json").read_text(encoding="utf-8"))["slides"]}


def test_qm_screen_build_leaves_out_a_slogan_qm_check_reports_and_says_so(project: Callable[..., Path]) -> None:
    config, campaign, day = _with_the_slogan(project)
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and "绝对化用语“第一”" in checked.stderr and SLOGAN in checked.stderr

    built = run_qm("screen", "build", "--date", day.isoformat(), "--screen", "center", "-c", config)
    assert built.returncode == 0, built.stderr
    assert SLOGAN not in _shown(campaign) and any(i.startswith("slogan-") for i in _shown(campaign))  # the others rotate
    told = built.stdout[built.stdout.index("标语") - 8 :]
    assert "没有放入播放列表" in told and "slogans-city.yaml:4" in told and "绝对化用语“第一”" in told, built.stdout


def test_the_daemon_leaves_the_slogan_out_logs_it_and_tells_staff_once(
    project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    config, campaign, day = _with_the_slogan(project)
    queue, notices = Queue(open_db(campaign.db_url)), Recorder()
    morning = campaign.at(day, dt.time(6, 0))  # before the wall switches on: that day's playlist is due
    ahead = Ahead()
    with caplog.at_level(logging.WARNING, logger="qm.daemon"):
        _ahead(config, queue, ahead, notices, morning)
    assert SLOGAN not in _shown(campaign)
    (notice,) = notices.sent
    assert notice.title.startswith("【标语未上屏】") and any(SLOGAN in line and "第一" in line for line in notice.lines)
    (logged,) = [r.__dict__["qm_fields"] for r in caplog.records if r.getMessage() == "slogans_left_out"]
    assert logged["slogans"] == SLOGAN and "第一" in logged["why"]
    _ahead(config, queue, ahead, notices, morning + dt.timedelta(minutes=5))  # the next round: told already
    assert len(notices.sent) == 1


def test_a_daemon_round_checks_the_slogans_once_for_the_playlists_and_the_notice(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The playlists and the notice take the same verdict: the slogans are checked once a round, not once each."""
    config, campaign, day = _with_the_slogan(project)
    rounds: list[list[str]] = []
    check = slogan_check.refused_slogans

    def counted(campaign: Campaign, library: Library) -> slogan_check.Refused:
        found = check(campaign, library)
        rounds[-1].append(",".join(found))
        return found

    monkeypatch.setattr(slogan_check, "refused_slogans", counted)
    queue, notices, ahead = Queue(open_db(campaign.db_url)), Recorder(), Ahead()
    morning = campaign.at(day, dt.time(6, 0))
    for minutes in (0, 5):
        rounds.append([])
        _ahead(config, queue, ahead, notices, morning + dt.timedelta(minutes=minutes))
    assert rounds == [[SLOGAN], [SLOGAN]]
    assert SLOGAN not in _shown(campaign) and len(notices.sent) == 1
