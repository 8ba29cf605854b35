"""Filling the queue again without redoing work: versions an earlier run computed, and the config
read key by key only when it (or a template) changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.rendering import payloads
from scheduler.rendering.payloads import Renderer
from scheduler.rendering.version_cache import FILE, VersionCache
from scheduler.rendering.versions import version_of

BEFORE_2027 = 1_800_000_000.0  # 2027-01-15: the whole month of the default config lies ahead


def _month(config: Path) -> tuple[Campaign, Plan]:
    campaign = load_campaign(config)
    return campaign, make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))


def _fill(config: Path, queue: Queue, now: float) -> None:
    campaign, plan = _month(config)
    fill(queue, campaign, plan, Renderer(campaign), now, versions=VersionCache(campaign.paths.state / FILE))


def _no_normalising(*_args: Any) -> str:
    raise AssertionError("normalised again")


def test_a_rendering_as_before_takes_its_version_from_the_file(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    config = project()
    queue = Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))
    _fill(config, queue, BEFORE_2027)
    before = {p.id: p.version for p in queue.find()}
    assert len(before) > 150
    with monkeypatch.context() as patched:
        patched.setattr(payloads, "version_of", _no_normalising)
        _fill(config, queue, BEFORE_2027 + 60)  # nothing changed: not one post is normalised
    assert {p.id: p.version for p in queue.find()} == before
    # One changed word: the posts of that item are normalised again, and get the version their words give.
    item = next(p.item for p in _month(config)[1].posts if p.channel == "weibo")
    source = config.parent / item.source.rsplit(":", 1)[0]
    source.write_text(source.read_text(encoding="utf-8").replace(item.title, item.title + "改", 1), encoding="utf-8")
    _fill(config, queue, BEFORE_2027 + 120)
    after = {p.id: p for p in queue.find()}
    changed = sorted(i for i, p in after.items() if p.version != before[i])
    assert changed and all(after[i].item == item.id for i in changed)
    renderer = Renderer(load_campaign(config))
    for post in (p for p in _month(config)[1].posts if p.id in changed):
        rendered = renderer.render(post)
        assert after[post.id].version == version_of(rendered.payload, rendered.pictures, rendered.derived)


def test_a_damaged_or_foreign_file_is_ignored(project: Callable[..., Path]) -> None:
    config = project()
    queue = Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))
    _fill(config, queue, BEFORE_2027)
    campaign = load_campaign(config)
    path = campaign.paths.state / FILE
    good = {p.id: p.version for p in queue.find()}
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    wrong = {key: "0" * 16 for key in entries}  # as if another version scheme had written it
    path.write_text(json.dumps({"code": "another", "entries": wrong}), encoding="utf-8")
    _fill(config, queue, BEFORE_2027 + 60)
    assert {p.id: p.version for p in queue.find()} == good and all(p.state == st.PLANNED for p in queue.find())
    path.write_text("{not json", encoding="utf-8")
    _fill(config, queue, BEFORE_2027 + 120)
    assert {p.id: p.version for p in queue.find()} == good
    assert json.loads(path.read_text(encoding="utf-8"))["entries"] == entries  # written again in full


def test_the_config_is_read_key_by_key_only_when_it_changed(project: Callable[..., Path], parsed: list[str]) -> None:
    config = project()
    queue = Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))
    campaign, plan = _month(config)
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027)
    for post in queue.find():
        review.approve(queue, post.id, "张科长", BEFORE_2027)
    parsed.clear()
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60)
    assert parsed == []  # the config and templates are as the stored snapshot has them
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('hotline: "12315"', 'hotline: "12345"'), encoding="utf-8")
    campaign, plan = _month(config)
    parsed.clear()
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 120)
    assert parsed.count(str(config)) == 1  # read once, to name what changed
    assert set(queue.change_reasons(queue.find([st.PLANNED])).values()) == {"改动了配置 config.yaml: campaign.hotline"}
