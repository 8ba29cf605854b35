"""A kind registered from the test tree is configured, planned, rendered, checked, previewed and
published through the outbox like the built-in ones (nothing under scheduler/ names it); the
planner, the content check, the daemon's work ahead, the warnings and the statistics ask its hooks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from scheduler.channels import make_channel
from scheduler.channels.base import OutgoingPost, PermanentError
from scheduler.channels.kinds import register_kind, unregister_kind
from scheduler.channels.timing import Preparation
from scheduler.cli.main import main
from scheduler.inputs.campaign import Campaign, ChannelConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library, load_text
from scheduler.planning.planner import make_plan
from scheduler.poster.files import PosterFiles
from scheduler.publishing.queue import Queue
from scheduler.rendering.lint import lint_post
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import Clock
from scheduler.stats.daily import campaign_sources
from scheduler.stats.sources import DayFigures, PublishedPost, Source, source_label
from scheduler.support.notify import FAILURE, Notice
from scheduler.views import day_preview as preview

from .conftest import HEIHE, ROOT
from .daemon_helpers import Harness, local_campaign, one_day
from .toykind import KIND, TEMPLATE, BoardConfig, BoardKind


@pytest.fixture
def board() -> Iterator[None]:
    register_kind(KIND)
    yield
    unregister_kind(KIND.name)


def _config(tmp_path: Path, limit: int = 60) -> Path:
    """The example campaign with a notice board at noon (its template next to the others)."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "templates" / "board").mkdir()
    (tmp_path / "templates" / "board" / "note.txt.j2").write_text(TEMPLATE, encoding="utf-8")
    text = HEIHE.read_text(encoding="utf-8")
    text = text.replace("channels:\n", f'channels:\n  board:\n    times: ["12:00"]\n    greeting: "各位居民："\n    limit: {limit}\n', 1)
    text = text.replace("../../content", str(ROOT / "content")).replace("../../templates", "templates")
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def test_a_registered_kind_goes_all_the_way_to_the_outbox(board: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = load_campaign(_config(tmp_path))
    config = campaign.channel("board")
    assert isinstance(config, BoardConfig) and config.greeting == "各位居民："
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    posts = [p for p in plan.posts if p.channel == "board"]
    assert len(posts) == len(campaign.days())  # one note a day, at noon
    renderer = Renderer(campaign)
    rendered = renderer.render(posts[0])
    assert rendered.payload["note"] == f"各位居民：{posts[0].item.title}（{campaign.hotline}）"
    assert lint_post(campaign, rendered) == []
    recounted = dataclasses.replace(rendered, payload={**rendered.payload, "chars": 0})
    assert recounted.version == rendered.version  # the kind's derived field is no part of the version
    assert dataclasses.replace(rendered, payload={**rendered.payload, "note": "改"}).version != rendered.version

    assert main(["check", "-c", str(campaign.config_path)]) == 0  # qm check, with the board's posts in it
    assert "检查通过" in capsys.readouterr().out

    page = preview.to_html(campaign, preview.build(campaign, plan, renderer, posts[0].at.date()))
    assert "<h2>公告栏</h2>" in page and rendered.payload["note"] in page

    channel = make_channel(campaign, config, PosterFiles(campaign))
    outgoing = OutgoingPost(rendered.post_id, "board", posts[0].at, rendered.item, rendered.version, rendered.payload)
    receipt = channel.publish(outgoing)
    folder = campaign.paths.state / "outbox" / "board" / rendered.post_id
    assert receipt.status == "published" and json.loads((folder / "payload.json").read_text(encoding="utf-8")) == rendered.payload


def test_the_kind_s_rules_hold_in_the_check_and_at_publishing(board: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = load_campaign(_config(tmp_path, limit=8))
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    post = next(p for p in plan.posts if p.channel == "board")
    rendered = Renderer(campaign).render(post)
    assert [f.reason for f in lint_post(campaign, rendered)] == [f"公告超过 8 字（现为 {len(rendered.payload['note'])} 字）"]

    assert main(["check", "-c", str(campaign.config_path)]) == 2
    assert f"{post.id}（公告栏）" in capsys.readouterr().err  # the kind's label, as staff call it

    config = campaign.channel("board")
    assert config is not None
    outgoing = OutgoingPost(rendered.post_id, "board", post.at, rendered.item, rendered.version, rendered.payload)
    with pytest.raises(PermanentError, match="公告超过 8 字"):
        make_channel(campaign, config, PosterFiles(campaign)).publish(outgoing)
    assert not (campaign.paths.state / "outbox" / "board").exists() or not any((campaign.paths.state / "outbox" / "board").iterdir())


def test_without_the_kind_its_section_is_an_unknown_key(tmp_path: Path) -> None:
    from scheduler.support.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_campaign(_config(tmp_path))
    assert any("board" in str(p) for p in caught.value.problems)


class HookedBoard(BoardKind):
    """The board with every hook the planner, the content check, the daemon, the warnings and the statistics ask."""

    needs_body = True

    def slot_count(self, campaign: Campaign, config: ChannelConfig, day: dt.date) -> int:
        return 2 if day == campaign.key_dates.launch else 1  # a second note on launch day

    def preparation(self, config: ChannelConfig) -> Preparation | None:
        return Preparation("board", dt.time(11, 0), "公告栏换纸")

    def notices(self, campaign: Campaign, config: ChannelConfig, today: dt.date, queue: Queue | None) -> dict[str, Notice]:
        return {f"board-key:{today}": Notice(FAILURE, "【公告栏】钥匙在值班室", ("换纸前找值班员",))}

    def stats_source(self, campaign: Campaign, config: ChannelConfig, env: Mapping[str, str], clock: Clock | None) -> Source | None:
        return BoardStats()

    def source_label(self, name: str) -> str:
        return "小区公告栏"


class BoardStats:
    name = "board"

    def ready_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(23), tzinfo=dt.UTC)

    def collect(self, day: dt.date, posts: list[PublishedPost]) -> DayFigures:
        return DayFigures()

    def close(self) -> None:
        pass


NO_BODY = (
    "---\nid: board-only\narea: grassroots\ntopic: five-factors\ntitle: 人机料法环\nsummary: 摘要\nline: 一句话\nchannels: [board]\n---\n"
)


def test_the_planner_the_daemon_the_warnings_and_the_statistics_ask_the_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_kind(HookedBoard())
    try:
        campaign = load_campaign(_config(tmp_path))
        plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
        launch = campaign.key_dates.launch
        notes = [p.id for p in plan.posts if p.channel == "board" and p.at.date() == launch]
        assert notes == [f"{launch:%Y%m%d}-board-1200", f"{launch:%Y%m%d}-board-1200-2"]  # slot_count
        assert len([p for p in plan.posts if p.channel == "board"]) == len(campaign.days()) + 1

        _, problems = load_text(NO_BODY, ".md", "board-only.md", campaign.text_values)  # needs_body
        assert [p.message for p in problems] == ["内容 board-only 可以发公告栏但没有正文"]

        assert main(["check", "-c", str(campaign.config_path)]) == 0  # notices, as `qm check` shows them
        assert "提醒：【公告栏】钥匙在值班室换纸前找值班员" in capsys.readouterr().out

        sources = campaign_sources(campaign, env={})  # stats_source, source_label
        assert BoardStats in [type(s) for s in sources] and source_label("board") == "小区公告栏"

        start = dt.datetime.combine(launch, dt.time(8), tzinfo=campaign.timezone)
        harness = Harness(local_campaign(campaign, tmp_path), one_day(plan, launch), Renderer(campaign), start)
        harness.ahead = lambda now: None
        try:
            harness.start()  # preparation: the daily job before the time the kind names
            job = harness.daemon.scheduler.get_job("ahead:board")  # type: ignore[union-attr]
            assert job.name == "公告栏换纸" and job.next_run_time == start.replace(hour=10, minute=50, second=30)
        finally:
            harness.close()
    finally:
        unregister_kind("board")
