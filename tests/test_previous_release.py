"""A database the previous release's daemon left behind runs under the current daemon: its stored jobs
load (they point at `scheduler.jobs:…`, which stays put), and nothing is published or sent twice."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from scheduler import jobs
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.migrations import LATEST, current_version
from scheduler.publishing.tables import audit
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.job_table import job_ids
from scheduler.runtime.stepped_scheduler import SteppedScheduler

from .daemon_helpers import Harness, SpyChannel, local_campaign
from .fixtures.previous_release import DUMP, PUBLISHED, STOPPED, TZ, WAITING, scenario_plan
from .test_daemon import Recorder


def restored(tmp_path: Path, heihe: Campaign) -> Campaign:
    campaign = local_campaign(heihe, tmp_path)
    db = Path(campaign.db_url.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as conn:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
    return campaign


def test_the_previous_release_s_stored_jobs_load_and_point_at_the_stable_entry_points(tmp_path: Path, heihe: Campaign) -> None:
    engine = open_db(restored(tmp_path, heihe).db_url)  # migrated to the current schema on the way
    with engine.connect() as conn:
        assert current_version(conn) == LATEST
    stored = job_ids(engine)
    assert stored == {"refresh", "reminder:20160902-notify-county_plans_due", *(jobs.publish_id(p) for p in WAITING)}
    store = SQLAlchemyJobStore(engine=engine)
    store.start(SteppedScheduler(timezone=TZ), "default")
    loaded = store.get_all_jobs()  # a job whose function cannot be found would be dropped here
    assert {j.id for j in loaded} == stored
    assert {j.func.__module__ for j in loaded} == {"scheduler.jobs"}
    assert job_ids(engine) == stored
    engine.dispose()


def test_the_current_daemon_finishes_the_previous_release_s_day_publishing_and_reminding_once(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan
) -> None:
    plan = scenario_plan(heihe_plan)
    notices = Recorder()
    h = Harness(restored(tmp_path, heihe), plan, Renderer(heihe), STOPPED, notices)
    try:
        h.start()
        h.run_until(dt.datetime(2016, 9, 2, 23, 59, tzinfo=TZ))
        states = {p.id: p.state for p in h.queue.find()}
        assert states == {p.id: st.PUBLISHED for p in plan.posts}
        sent_now = [post_id for spy in h.channels.values() if isinstance(spy, SpyChannel) for post_id in spy.published]
        assert sorted(sent_now) == sorted(WAITING)  # the morning's posts are not sent again
        with h.engine.connect() as conn:
            moves = conn.execute(audit.select().where(audit.c.to_state == st.PUBLISHED)).all()
        assert sorted(m.post_id for m in moves) == sorted(PUBLISHED + WAITING)  # each recorded published once
        assert [n.title for n in notices.sent if n.kind == "reminder"] == [plan.reminders[1].message]
    finally:
        h.close()
