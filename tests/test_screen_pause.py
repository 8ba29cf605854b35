"""An emergency pause (`qm pause`, a day of national mourning) takes qm's pictures off the paused screens
within the daemon's next round, and `qm resume` puts them back; `qm screen build` says so. Real queue
(SQLite), the daemon's own round of work ahead, the built playlist files a player reads."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.cli.daemon_cmds import _ahead
from scheduler.publishing import review
from scheduler.runtime.work_ahead import Ahead
from scheduler.screens.build import current_folder, screens_root

from .conftest import run_qm
from .daemon_helpers import Recorder

REHEARSAL = "2027-06-01T09:00:00+08:00"
DAY = dt.date(2027, 9, 3)


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", REHEARSAL)
    return project()


def on_wall(ctx: Context) -> dict[str, object]:
    folder = current_folder(screens_root(ctx.campaign), "center")
    assert folder is not None
    document: dict[str, object] = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
    assert document["date"] == DAY.isoformat()
    return document


def test_a_paused_screen_shows_nothing_of_ours_from_the_next_round_until_resumed(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    centre = next(s for s in ctx.campaign.screens if s.id == "center")
    featured = [p for p in ctx.plan.on(DAY) if p.channel == centre.name]
    review.approve(queue, featured[0].id, "审核员甲", ctx.clock())
    morning = ctx.campaign.at(DAY, dt.time(6, 45))
    ahead = Ahead()
    _ahead(config, queue, ahead, Recorder(), morning)
    shown = on_wall(ctx)
    assert shown["slides"] and featured[0].id in [s["post"] for s in shown["slides"]] and "paused" not in shown  # type: ignore[attr-defined,union-attr]

    review.pause(queue, None, "李主任", "全国哀悼日", ctx.clock())  # every channel, screens included
    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=5))
    paused = on_wall(ctx)
    assert (paused["slides"], paused["paused"]) == ([], "全国哀悼日")  # not even the theme or a slogan

    built = run_qm("screen", "build", "--date", DAY.isoformat(), "-c", config, env={**os.environ})
    assert built.returncode == 0, built.stderr
    assert "电子屏 center 已暂停（全国哀悼日）：播放列表是空的" in built.stdout, built.stdout
    assert on_wall(ctx)["slides"] == []

    review.resume(queue, None, "李主任", ctx.clock())
    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=10))
    back = on_wall(ctx)
    assert featured[0].id in [s["post"] for s in back["slides"]] and "paused" not in back  # type: ignore[attr-defined,union-attr]


def test_screen_build_says_a_cancelled_post_is_cancelled_not_awaiting_review(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    centre = next(s for s in ctx.campaign.screens if s.id == "center")
    post = next(p for p in ctx.plan.on(DAY) if p.channel == centre.name)
    review.approve(queue, post.id, "审核员甲", ctx.clock())
    review.cancel(queue, post.id, "审核员甲", "活动改期", ctx.clock())
    built = run_qm("screen", "build", "--date", DAY.isoformat(), "-c", config, env={**os.environ})
    assert built.returncode == 0, built.stderr
    cancelled, _, rest = built.stdout.partition("1 条内容已取消，没有放入播放列表；要重新上屏：qm retry 编号")
    assert post.id in rest.split("尚未审核")[0], built.stdout  # listed as cancelled
    assert post.id not in cancelled and post.id not in rest.partition("尚未审核")[2], built.stdout  # not as awaiting review
