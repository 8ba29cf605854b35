"""When a post counts as sent: when qm handed it to the platform and the platform took it. A WeChat
publish job is sent when freepublish/submit answered, not when a later poll of freepublish/get saw
it published (the platform's review is not qm's lateness). The daemon's record and log, the work
summary and `qm simulate` count by that one rule, and agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.cli.main import main
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.report.figures import gather
from scheduler.simulation.replay import simulate

from . import test_channels_e2e as e2e
from .channel_helpers import WECHAT_AT, WECHAT_POST, with_api
from .daemon_helpers import local_campaign
from .test_channels_e2e import NEXT_DAY, World

world = e2e.world  # the fixture: real WeChat and Weibo channels against the fake servers over HTTP


def _delay(campaign: Campaign, engine: sa.Engine, post_id: str, library: Library) -> float:
    """How late the work summary says the post went out (seconds)."""
    day = WECHAT_AT.date()
    figures = gather(campaign, engine, day, day, library.by_id, made=day + dt.timedelta(days=1))
    return next(p.delay for p in figures.published if p.id == post_id)


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_wechat_publish_job_counts_as_sent_when_submitted_not_when_a_poll_saw_it_published(world: World, library: Library) -> None:
    h = world.harness
    logged = dict(h.logged_run(NEXT_DAY, WECHAT_POST))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED and post.published_at is not None
    submitted = world.wechat.sending.jobs[post.receipt.data["publish_id"]].submitted  # type: ignore[union-attr]
    assert post.published_at - WECHAT_AT.timestamp() >= 60  # seen published by the poll a minute on
    assert post.sent_at == submitted == WECHAT_AT.timestamp()  # handed over on time
    assert logged["accepted"]["late_seconds"] == logged["published"]["late_seconds"] == 0.0
    assert _delay(h.campaign, h.engine, WECHAT_POST, library) == 0.0
    # A database kept before qm recorded the time: its posts fall back to when the queue saw the platform take them.
    with h.engine.begin() as conn:
        conn.execute(posts.update().values(sent_at=None))
    assert _delay(h.campaign, h.engine, WECHAT_POST, library) == 0.0


def test_simulate_and_the_work_summary_count_the_same_posts_late(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, library: Library
) -> None:
    campaign = with_api(local_campaign(heihe, tmp_path), "http://unused", "http://unused", {"wechat": {"mode": "publish"}})
    days = (dt.date(2016, 9, 2), dt.date(2016, 9, 6))
    plan = Plan(tuple(p for p in heihe_plan.posts if days[0] <= p.slot.day <= days[1]), ())
    kept = tmp_path / "kept"
    report = simulate(campaign, plan, Renderer(campaign), faults=0.2, restarts=3, seed=7, library=library, keep_in=kept)
    assert (report.published, report.duplicates, report.lost) == (report.planned, 0, 0)
    engine = open_db(f"sqlite:///{kept / 'qm.sqlite3'}")
    try:
        figures = gather(dataclasses.replace(campaign, database_url=""), engine, *days, library.by_id, made=days[1] + dt.timedelta(days=30))
    finally:
        engine.dispose()
    late = figures.late
    assert report.late > 0 and len(late.posts) == report.late and late.longest == pytest.approx(report.max_late_seconds, abs=1)
    wechat = [p for p in figures.published if p.channel == "wechat"]
    assert len([p for p in late.posts if p.channel == "wechat"]) < len(wechat)  # not every publish job is late by its review
    with sqlite3.connect(kept / "qm.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM posts WHERE state = 'published' AND sent_at IS NULL").fetchone() == (0,)


def test_qm_queue_json_gives_when_a_post_was_sent_apart_from_when_it_was_published(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    assert main(["-c", str(config), "queue", "--json"]) == 0
    first = next(p for p in json.loads(capsys.readouterr().out) if p["channel"] == "wechat")
    assert (first["sent_at"], first["published_at"]) == (None, None)  # not out yet
    slot = dt.datetime.fromisoformat(first["at"]).timestamp()
    with sqlite3.connect(config.parent / ".qm" / "qm.sqlite3") as conn:
        conn.execute("UPDATE posts SET state = 'published', sent_at = ?, published_at = ? WHERE id = ?", (slot + 2, slot + 62, first["id"]))
    assert main(["-c", str(config), "queue", "--json"]) == 0
    found = next(p for p in json.loads(capsys.readouterr().out) if p["id"] == first["id"])
    at = dt.datetime.fromisoformat(first["at"])
    assert (
        found["sent_at"] == (at + dt.timedelta(seconds=2)).isoformat()
        and found["published_at"] == (at + dt.timedelta(seconds=62)).isoformat()
    )


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_wechat_publish_job_sent_again_by_qm_retry_counts_from_when_it_was_sent_again(world: World, library: Library) -> None:
    """The platform ended the first publish job without publishing (status 2: a person must look); staff fix
    it and send it again an hour on. The post was sent by that second submit, not the failed first one."""
    h = world.harness
    world.wechat.sending.publish_outcomes = [2]
    h.logged_run(NEXT_DAY, WECHAT_POST)
    failed = h.queue.get(WECHAT_POST)
    assert failed is not None and failed.state == st.FAILED and failed.sent_at == WECHAT_AT.timestamp()
    again = WECHAT_AT + dt.timedelta(hours=1)
    h.clock.set(again)
    assert review.retry(h.queue, WECHAT_POST, "王科长", h.now) == st.APPROVED
    h.run_until(again + dt.timedelta(hours=1))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED
    assert post.sent_at == again.timestamp()
    assert _delay(h.campaign, h.engine, WECHAT_POST, library) == 3600.0
