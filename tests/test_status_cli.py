"""`qm status` names upcoming jobs as the console's status page does."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from scheduler.inputs.config import load_campaign
from scheduler.planning.reminders import reminders
from scheduler.publishing.db import open_db

from .conftest import run_qm


def _jobs(config: Path, jobs: tuple[tuple[str, dt.datetime], ...]) -> None:
    """Rows of the daemon's job table, read by `qm status` by id and time only."""
    engine = open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}")
    store = SQLAlchemyJobStore(engine=engine)
    store.start(None, "default")
    with engine.begin() as conn:
        conn.execute(store.jobs_t.delete())
        for job_id, at in jobs:
            conn.execute(store.jobs_t.insert().values(id=job_id, next_run_time=at.timestamp(), job_state=b""))
    engine.dispose()


def _upcoming(config: Path) -> list[str]:
    shown = run_qm("-c", config, "status")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line in ("接下来：", "后台服务没有运行；启动后将执行："))
    return [line.strip().removesuffix("（已过时间）") for line in lines[start + 1 :] if line.startswith("  ")]  # a time past is flagged


def test_status_names_a_reminder_by_its_text_and_writes_the_year_only_when_a_job_is_not_in_the_campaigns(
    project: Callable[..., Path],
) -> None:
    config = project()
    campaign = load_campaign(config)
    reminder = reminders(campaign)[0]
    backup = dt.datetime(campaign.start.year, 9, 30, 2, 0, tzinfo=campaign.timezone)
    said = "提醒：" + reminder.message.removeprefix("【提醒】")  # not 提醒：【提醒】
    _jobs(config, ((f"reminder:{reminder.id}", reminder.at), ("backup", backup), ("ahead:station", backup + dt.timedelta(hours=5))))
    assert _upcoming(config) == [
        f"{reminder.at:%m-%d %H:%M}  {said}",
        f"{backup:%m-%d %H:%M}  每日备份数据库",
        f"{backup + dt.timedelta(hours=5):%m-%d %H:%M}  火车站广场竖屏：开屏前更新播放列表",  # the screen by its name, not its id
    ]

    next_year = dt.datetime(campaign.start.year + 1, 3, 2, 2, 0, tzinfo=campaign.timezone)
    _jobs(config, ((f"reminder:{reminder.id}", reminder.at), ("backup", next_year)))
    # one job of another year: every job of the list is written with its year, in one style
    assert _upcoming(config) == [f"{reminder.at:%Y-%m-%d %H:%M}  {said}", f"{next_year:%Y-%m-%d %H:%M}  每日备份数据库"]

    shown = run_qm("-c", config, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    assert {(j["job"], j["label"]) for j in json.loads(shown.stdout)["next"]} == {
        (f"reminder:{reminder.id}", said),
        ("backup", "每日备份数据库"),
    }


def test_work_ahead_for_removed_screens_does_not_crowd_out_the_jobs_to_come(project: Callable[..., Path]) -> None:
    """The list is cut to eight jobs after leaving out work ahead for screens config.yaml no longer has (the daemon
    drops it at its start), not before: nine such jobs due first left the list empty."""
    config = project()
    zone = load_campaign(config).timezone
    first = dt.datetime(2027, 9, 1, 1, 0, tzinfo=zone)
    gone = tuple((f"ahead:old{n}", first + dt.timedelta(minutes=n)) for n in range(9))
    _jobs(config, (*gone, ("backup", first + dt.timedelta(hours=1)), ("refresh", first + dt.timedelta(hours=5))))
    assert _upcoming(config) == ["09-01 02:00  每日备份数据库", "09-01 06:00  每日刷新队列"]


def test_work_ahead_for_removed_screens_is_left_out_when_no_job_has_a_name(project: Callable[..., Path]) -> None:
    """A config.yaml without screens or reminders names no job (`job_names` gives {}): work ahead left from its
    removed screens is still not upcoming work."""
    from scheduler.views.daemon_status import gather

    config = project()
    first = dt.datetime(2027, 9, 1, 1, 0, tzinfo=load_campaign(config).timezone)
    _jobs(config, (("ahead:old", first), ("backup", first + dt.timedelta(hours=1))))
    engine = open_db(f"sqlite:///{config.parent / '.qm' / 'qm.sqlite3'}")
    try:
        listed = [j.id for j in gather(engine, first.timestamp() - 60, names={}).next_jobs]
    finally:
        engine.dispose()
    assert listed == ["backup"]


def test_status_reads_the_rehearsal_clock_as_the_other_commands_do(project: Callable[..., Path]) -> None:
    """Under QM_NOW a job is past or to come by the rehearsal's moment, not by the machine's date."""
    config = project()
    zone = load_campaign(config).timezone
    before, after = dt.datetime(2020, 1, 1, 8, 0, tzinfo=zone), dt.datetime(2020, 1, 1, 10, 0, tzinfo=zone)
    _jobs(config, (("backup", before), ("refresh", after)))
    shown = run_qm("-c", config, "status", env={**os.environ, "QM_NOW": "2020-01-01T09:00+08:00"})
    assert shown.returncode == 0, shown.stderr
    assert "  2020-01-01 08:00  每日备份数据库（已过时间）" in shown.stdout.splitlines(), shown.stdout
    assert "  2020-01-01 10:00  每日刷新队列" in shown.stdout.splitlines(), shown.stdout  # to come at 09:00 of the rehearsal


def test_status_says_the_host_is_a_host(project: Callable[..., Path]) -> None:
    """（进程 19524，vm） reads as if vm were part of the process: the machine is named 主机 vm."""
    import socket

    from scheduler.cli.context import Context
    from scheduler.views.daemon_status import daemon_text, gather

    from .daemon_helpers import Harness

    ctx = Context(project())
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, dt.datetime(2027, 1, 15, 9, 0, tzinfo=ctx.campaign.timezone))
    h.start()
    try:
        text = daemon_text(gather(h.engine, h.now), ctx.campaign.timezone)
    finally:
        h.close()
    assert f"进程 {os.getpid()}，主机 {socket.gethostname()}）" in text, text
