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
from scheduler.screens.left_dark import PLAYS_ON, HeldBack
from scheduler.support.errors import QmError

from .conftest import run_qm
from .daemon_helpers import Harness, Recorder

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


@pytest.mark.parametrize("resume_first", [False, True], ids=["fixed-then-resumed", "resumed-then-fixed"])
def test_a_pause_empties_the_screens_while_a_content_file_is_broken(config: Path, resume_first: bool) -> None:
    """A broken content file leaves the daemon without a plan, but a pause needs none: the wall goes empty at the
    next round all the same, and once the file is fixed and the pause lifted the campaign comes back."""
    ctx = Context(config)
    queue = ctx.filled_queue()
    featured = [p for p in ctx.plan.on(DAY) if p.channel == next(s.name for s in ctx.campaign.screens if s.id == "center")]
    review.approve(queue, featured[0].id, "审核员甲", ctx.clock())
    morning, ahead = ctx.campaign.at(DAY, dt.time(6, 45)), Ahead()
    _ahead(config, queue, ahead, Recorder(), morning)
    assert featured[0].id in [s["post"] for s in on_wall(ctx)["slides"]]  # type: ignore[attr-defined,union-attr]

    files = sorted((config.parent / "content").rglob("*.md"))
    broken = next(f for f in files if f.read_text(encoding="utf-8").startswith("---\nid: ") and f.stem != featured[0].item.id)
    fine = broken.read_text(encoding="utf-8")
    broken.write_text("---\nid: [broken\n---\n", encoding="utf-8")  # an editor saves a file with a mistake
    review.pause(queue, None, "李主任", "全国哀悼日", ctx.clock())
    for minutes in (5, 10):  # every round while the file stays broken
        with pytest.raises(QmError) as failed:
            _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=minutes))
        assert broken.name in "\n".join(failed.value.lines())  # staff are still told which file to fix
        assert (on_wall(ctx)["slides"], on_wall(ctx)["paused"]) == ([], "全国哀悼日")

    if resume_first:  # lifted while the file is still broken: no plan to show, the wall stays empty until it is fixed
        review.resume(queue, None, "李主任", ctx.clock())
        with pytest.raises(QmError):
            _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=15))
        assert on_wall(ctx)["slides"] == []
    broken.write_text(fine, encoding="utf-8")
    if not resume_first:
        _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=15))
        assert on_wall(ctx)["slides"] == []  # fixed, still paused
        review.resume(queue, None, "李主任", ctx.clock())
    _ahead(config, queue, ahead, Recorder(), morning + dt.timedelta(minutes=20))
    back = on_wall(ctx)
    assert featured[0].id in [s["post"] for s in back["slides"]] and "paused" not in back  # type: ignore[attr-defined,union-attr]


def test_a_pause_lifted_while_a_content_file_is_broken_names_the_screens_left_dark(config: Path) -> None:
    """The daemon's notice: the screens play on while paused only (deliberately dark) or never paused; once the
    pause is lifted and no plan can fill its screen again, it names that screen, says it stays dark until the
    file is fixed, and what to do. Real daemon rounds (every 5 minutes), a real broken file, the built playlists."""
    ctx = Context(config)
    queue = ctx.filled_queue()
    centre = next(s for s in ctx.campaign.screens if s.id == "center")
    featured = [p for p in ctx.plan.on(DAY) if p.channel == centre.name]
    review.approve(queue, featured[0].id, "审核员甲", ctx.clock())
    notices, ahead = Recorder(), Ahead()
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, ctx.campaign.at(DAY, dt.time(6, 40)), notifications=notices)
    h.ahead = lambda now: _ahead(config, h.queue, ahead, notices, now)

    def told(minutes: int) -> list[str]:
        h.run_until(h.clock.now() + dt.timedelta(minutes=minutes))
        said = ["｜".join([n.title, *n.lines]) for n in notices.sent if n.title.startswith("【提前准备】")]
        notices.sent.clear()
        return said

    files = sorted((config.parent / "content").rglob("*.md"))
    broken = next(f for f in files if f.read_text(encoding="utf-8").startswith("---\nid: ") and f.stem != featured[0].item.id)
    fine = broken.read_text(encoding="utf-8")
    try:
        h.start()
        assert told(6) == [] and featured[0].id in [s["post"] for s in on_wall(ctx)["slides"]]  # type: ignore[attr-defined,union-attr]
        review.pause(h.queue, centre.name, "李主任", "全国哀悼日", ctx.clock())  # this screen only
        broken.write_text("---\nid: [broken\n---\n", encoding="utf-8")
        [paused] = told(6)
        assert paused.startswith(PLAYS_ON + "｜") and broken.name in paused and on_wall(ctx)["paused"] == "全国哀悼日"

        review.resume(h.queue, centre.name, "李主任", ctx.clock())
        [lifted] = told(6)
        headline, *lines = lifted.split("｜")
        assert headline == (
            "【提前准备】电子屏中央大街户外大屏的暂停已解除，但内容库有文件无法读取，排不出新的播放列表：这些屏幕在文件改好之前一直黑屏"
        ), lifted
        assert "火车站广场竖屏" not in lifted and "继续播放" not in lifted  # the other screen was never dark
        assert broken.name in lines[0] and lines[-1].startswith("改好前面指出的文件（qm check 检查通过）"), lines
        assert on_wall(ctx)["slides"] == [] and told(11) == []  # told once while it stays so

        broken.write_text(fine, encoding="utf-8")
        assert [n.split("｜")[0] for n in told(6)] == ["【提前准备】已恢复：海报和电子屏播放列表重新按时更新"]
        back = on_wall(ctx)
        assert featured[0].id in [s["post"] for s in back["slides"]] and "paused" not in back  # type: ignore[attr-defined,union-attr]
    finally:
        broken.write_text(fine, encoding="utf-8")
        h.close()


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


def test_a_screen_still_paused_after_the_last_day_is_not_named_left_dark(config: Path) -> None:
    """Past the campaign's last day no playlist is due, but a screen paused then is still paused: a broken content
    file's notice does not say its pause was lifted and it stays dark."""
    ctx = Context(config)
    queue = ctx.filled_queue()
    centre = next(s for s in ctx.campaign.screens if s.id == "center")
    review.pause(queue, centre.name, "李主任", "全国哀悼日", ctx.clock())
    _ahead(config, queue, Ahead(), Recorder(), ctx.campaign.at(DAY, dt.time(6, 45)))
    assert on_wall(ctx)["paused"] == "全国哀悼日"
    files = sorted((config.parent / "content").rglob("*.md"))
    broken = next(f for f in files if f.read_text(encoding="utf-8").startswith("---\nid: "))
    broken.write_text("---\nid: [broken\n---\n", encoding="utf-8")
    after = ctx.campaign.at(ctx.campaign.end + dt.timedelta(days=2), dt.time(9))
    with pytest.raises(HeldBack) as held:
        _ahead(config, queue, Ahead(), Recorder(), after)
    assert held.value.dark == () and on_wall(ctx)["paused"] == "全国哀悼日"
