"""Work proportional to what changed or is due: the daily refresh renders only posts whose inputs
changed, and a heartbeat's sweep reads only posts due within its horizon."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler import jobs
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan, PlannedPost
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.migrations import LATEST, migrate
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import Filled, SyncResult, fill
from scheduler.publishing.tables import schema_version
from scheduler.rendering.payloads import RenderedPost, Renderer

from .daemon_helpers import Harness, local_campaign, one_day

NOW = 1_472_700_000.0  # 2016-09-01
TZ = dt.timezone(dt.timedelta(hours=8))


class CountingRenderer(Renderer):
    """The real renderer, counting what it renders."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(campaign)
        self.rendered: list[str] = []

    def render(self, post: PlannedPost) -> RenderedPost:
        self.rendered.append(post.id)
        return super().render(post)


@pytest.fixture
def queue(tmp_path: Path, heihe: Campaign, database_url: str) -> Iterator[tuple[Campaign, Queue]]:
    campaign = local_campaign(heihe, tmp_path, database_url)
    q = Queue(open_db(campaign.db_url))
    yield campaign, q
    q.engine.dispose()


def test_a_refresh_renders_only_posts_whose_inputs_changed(queue: tuple[Campaign, Queue], heihe_plan: Plan) -> None:
    campaign, q = queue
    plan = Plan(tuple(p for p in heihe_plan.posts if p.slot.day <= dt.date(2016, 9, 3)), ())
    renderer, last = CountingRenderer(campaign), Filled()
    assert len(fill(q, campaign, plan, renderer, NOW, last=last).added) == len(plan.posts) == len(renderer.rendered)
    for post in q.find([st.PLANNED]):
        review.approve(q, post.id, "张科长", NOW)
    renderer.rendered.clear()
    assert fill(q, campaign, plan, renderer, NOW + 86400, last=last) == SyncResult() and renderer.rendered == []  # next morning, no change
    assert fill(q, campaign, plan, renderer, NOW + 86400, last=Filled()) == SyncResult()  # a new process renders all, and agrees
    assert sorted(renderer.rendered) == sorted(p.id for p in plan.posts if p.at.timestamp() >= _day_start(campaign, NOW + 86400))
    renderer.rendered.clear()

    target = next(p for p in reversed(plan.posts) if p.channel == "weibo")
    dropped = next(p for p in reversed(plan.posts) if p.channel != "weibo")
    item = dataclasses.replace(target.item, title=target.item.title + "（修订）")
    edited = Plan(tuple(dataclasses.replace(p, item=item) if p == target else p for p in plan.posts if p != dropped), ())
    result = fill(q, campaign, edited, renderer, NOW + 86400 + 60, last=last)
    assert renderer.rendered == [target.id]  # one edited, one dropped: one rendering
    assert result.back_to_review == [target.id] and result.cancelled == [dropped.id]
    assert q.get(target.id).state == st.PLANNED  # type: ignore[union-attr]


def test_a_refresh_that_failed_is_done_in_full_by_the_next_one(queue: tuple[Campaign, Queue], heihe_plan: Plan) -> None:
    campaign, q = queue
    plan = Plan(tuple(p for p in heihe_plan.posts if p.slot.day <= dt.date(2016, 9, 3)), ())
    new, last = plan.posts[-1], Filled()
    fill(q, campaign, Plan(plan.posts[:-1], ()), Renderer(campaign), NOW, last=last)

    def disk_full(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO POSTS"):
            raise sa.exc.OperationalError(statement, parameters, OSError(errno.ENOSPC, "No space left on device"))

    sa.event.listen(q.engine, "before_cursor_execute", disk_full)
    with pytest.raises(sa.exc.OperationalError):  # content added, and the morning refresh finds the disk full
        fill(q, campaign, plan, Renderer(campaign), NOW + 60, last=last)
    sa.event.remove(q.engine, "before_cursor_execute", disk_full)
    assert q.get(new.id) is None
    assert fill(q, campaign, plan, Renderer(campaign), NOW + 120, last=last).added == [new.id]  # not taken for unchanged
    assert q.get(new.id).state == st.PLANNED  # type: ignore[union-attr]


def test_a_template_edit_renders_everything_again(queue: tuple[Campaign, Queue], heihe_plan: Plan, tmp_path: Path) -> None:
    campaign, q = queue
    shutil.copytree(campaign.paths.templates, tmp_path / "templates")
    campaign = dataclasses.replace(campaign, paths=dataclasses.replace(campaign.paths, templates=tmp_path / "templates"))
    plan = Plan(tuple(p for p in heihe_plan.posts[:12] if p.channel == "weibo"), ())
    last = Filled()
    fill(q, campaign, plan, CountingRenderer(campaign), NOW, last=last)
    template = tmp_path / "templates" / "weibo" / "post.txt.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n#质量月#", encoding="utf-8")
    renderer = CountingRenderer(campaign)  # the daemon reads templates afresh each morning
    result = fill(q, campaign, plan, renderer, NOW + 60, last=last)
    assert sorted(renderer.rendered) == sorted(p.id for p in plan.posts) and sorted(result.changed) == sorted(renderer.rendered)


def _day_start(campaign: Campaign, now: float) -> float:
    day = dt.datetime.fromtimestamp(now, campaign.timezone).date()
    return campaign.at(day, dt.time()).timestamp()


def test_a_heartbeat_restores_missing_jobs_only_for_posts_due_soon_and_a_start_for_all(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    two_days = Plan(one_day(heihe_plan).posts + one_day(heihe_plan, dt.date(2016, 9, 3)).posts, ())
    h = Harness(local_campaign(heihe, tmp_path, database_url), two_days, Renderer(heihe), dt.datetime(2016, 9, 2, 9, 30, tzinfo=TZ))
    try:
        h.start()
        h.approve_all()
        h.step_at(h.clock.now())  # the sweep schedules every approved post
        soon, later = "20160902-weibo-1000", "20160903-weibo-1000"
        assert h.daemon is not None
        for post_id in (soon, later):
            h.daemon.scheduler.remove_job(jobs.publish_id(post_id))
        h.step_at(h.clock.now() + dt.timedelta(seconds=15))  # a heartbeat
        ids = {j.id for j in h.daemon.scheduler.get_jobs()}
        assert jobs.publish_id(soon) in ids and jobs.publish_id(later) not in ids
        h.crash()
        h.start()  # the start-up sweep looks at every post
        assert jobs.publish_id(later) in {j.id for j in h.daemon.scheduler.get_jobs()}
        h.run_until(dt.datetime(2016, 9, 4, tzinfo=TZ))
        assert h.state(soon) == h.state(later) == st.PUBLISHED
    finally:
        h.close()


def test_the_sweeps_query_is_answered_by_the_state_and_time_index_also_after_an_upgrade(tmp_path: Path) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    with engine.begin() as conn:  # a database from before the index: schema version 4, no index
        conn.exec_driver_sql("DROP INDEX ix_posts_state_at")
        for later in (
            "stat_values",
            "stat_days",
            "pause_log",
            "submissions",
            "version_sources",
            "source_snapshots",
            "review_rules",
            "notices_due",
            "campaign_identity",
            "print_signoffs",
            "account_log",
        ):  # made by a step after the index
            conn.exec_driver_sql(f"DROP TABLE {later}")
        conn.execute(schema_version.update().values(version=4))
    assert migrate(engine) == LATEST
    sweep = "SELECT id FROM posts WHERE state IN ('scheduled', 'accepted') AND at < 1.0 ORDER BY at, id"
    with engine.connect() as conn:
        assert "ix_posts_state_at" in sa.inspect(conn).get_indexes("posts").__repr__()
        plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sweep}"))
    assert "ix_posts_state_at" in plan, plan
    engine.dispose()
