"""`qm status` names upcoming jobs as the console's status page does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from scheduler.inputs.config import load_campaign
from scheduler.planning.reminders import reminders
from scheduler.publishing.db import open_db

from .conftest import run_qm


def test_status_names_a_reminder_by_its_text_and_writes_the_year_only_when_it_is_not_the_campaigns(
    project: Callable[..., Path],
) -> None:
    config = project()
    campaign = load_campaign(config)
    reminder = reminders(campaign)[0]
    next_year = dt.datetime(campaign.start.year + 1, 3, 2, 2, 0, tzinfo=campaign.timezone)
    engine = open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}")
    store = SQLAlchemyJobStore(engine=engine)
    store.start(None, "default")  # the daemon's job table; the rows are read by id and time only
    with engine.begin() as conn:
        for job_id, at in ((f"reminder:{reminder.id}", reminder.at), ("backup", next_year)):
            conn.execute(store.jobs_t.insert().values(id=job_id, next_run_time=at.timestamp(), job_state=b""))
    engine.dispose()

    shown = run_qm("-c", config, "status")
    assert shown.returncode == 0, shown.stderr
    lines = [line.strip().removesuffix("（已过时间）") for line in shown.stdout.splitlines()]  # a time past is flagged
    first = lines.index(f"{reminder.at:%m-%d %H:%M}  提醒：{reminder.message}")
    assert first < lines.index(f"{next_year:%Y-%m-%d %H:%M}  每日备份数据库")
    assert reminder.id not in shown.stdout
