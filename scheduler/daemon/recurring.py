"""The daemon's recurring jobs: each present once in the job store, added when missing.

The morning refresh, the nightly backup, work done ahead (before the time a channel's kind asks for,
such as each screen's on-hours, and every few minutes), statistics, and one job per deadline reminder of the plan not yet sent. First fire times
come from the daemon's clock: APScheduler would compute them from the system clock.
"""

from __future__ import annotations

import datetime as dt
import functools

from apscheduler.triggers.cron import CronTrigger

from .. import jobs
from ..channels.kinds import kind_of
from ..publishing import notices_sent
from ..support.logs import event
from .context import Shared, log

BACKUP_AT = dt.time(3, 0)  # each night, while nothing is due: a copy of a SQLite database (see backup.py)
REFRESH_AT = dt.time(6, 0)  # each morning: re-render, pick up content edits, remind reviewers
REMINDER_GRACE = 6 * 3600.0  # a deadline reminder later than this is stale: logged, not sent
OFF_MINUTE = 30  # seconds past the minute for work done ahead: slots are on whole minutes, so a publish never waits for it
PREPARE_LEAD = dt.timedelta(minutes=10)  # work a kind asks for (a screen's playlist) is done this long before its time
AHEAD_WATCH_MINUTES = 5  # how often posters and playlists are brought up to date with content, templates and config
STATS_HOURS = "8-23"  # asked after 08:00 (figures are computed overnight), again each hour while not final
STATS_MINUTE = 40


class Recurring:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def stray(self, job_id: str) -> bool:
        """A recurring job this daemon does not run (its hook is not given, or a screen config.yaml no longer
        has), left by an earlier one or by the config before a change."""
        s = self.shared
        if job_id.startswith(jobs.AHEAD_PREFIX):
            return s.ahead is None or job_id not in self._ahead_ids()
        return (job_id == jobs.STATS_ID and s.stats is None) or (job_id == jobs.BACKUP_ID and s.backups is None)

    def ensure(self, now: float) -> None:
        job_ids = self.shared.job_ids()
        if jobs.REFRESH_ID not in job_ids:  # a morning missed while down runs once at the next start (coalesce), however late
            self._daily(jobs.REFRESH, jobs.REFRESH_ID, "每日刷新队列", REFRESH_AT)
        self._ensure_ahead_jobs(job_ids)
        self._ensure_stats_job(job_ids)
        if self.shared.backups is not None and jobs.BACKUP_ID not in job_ids:
            self._daily(jobs.BACKUP, jobs.BACKUP_ID, "每日备份数据库", BACKUP_AT)
        self._ensure_reminders(job_ids, now)

    def _daily(self, func: str, job_id: str, name: str, at: dt.time) -> None:
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=self.shared.campaign.timezone)
        first = trigger.get_next_fire_time(None, self.shared.clock.now())
        self._add(func, trigger, job_id, name, first)

    def _add(self, func: str, trigger: CronTrigger, job_id: str, name: str, first: dt.datetime | None) -> None:
        self.shared.change_jobs(
            lambda: self.shared.scheduler.add_job(
                func, trigger, id=job_id, name=name, next_run_time=first, misfire_grace_time=None, coalesce=True
            )
        )

    def _ensure_reminders(self, job_ids: set[str], now: float) -> None:
        reminders = self.shared.plan().reminders
        with self.shared.queue.engine.connect() as conn:
            sent = notices_sent.sent(conn, [r.id for r in reminders])
        for reminder in reminders:
            job_id = jobs.remind_id(reminder.id)
            if reminder.id in sent or job_id in job_ids or now > reminder.at.timestamp() + REMINDER_GRACE:
                continue
            self.shared.schedule(job_id, jobs.REMIND, reminder.at.timestamp(), reminder.id)

    def _ahead_ids(self) -> set[str]:
        """The ids of the work-ahead jobs the campaign's channels ask for now."""
        preps = (kind_of(config).preparation(config) for config in self.shared.campaign.channels)
        return {f"{jobs.AHEAD_PREFIX}{p.key}" for p in preps if p} | {f"{jobs.AHEAD_PREFIX}watch"}

    def _ensure_ahead_jobs(self, job_ids: set[str]) -> None:
        s = self.shared
        if s.ahead is None:
            return
        for gone in sorted(j for j in job_ids if j.startswith(jobs.AHEAD_PREFIX) and self.stray(j)):  # a screen config.yaml dropped
            s.change_jobs(functools.partial(s.scheduler.remove_job, gone))
            event(log, "job_removed", job=gone, why="配置里已没有这块电子屏")
        tz = s.campaign.timezone
        for config in s.campaign.channels:
            prep = kind_of(config).preparation(config)
            job_id = f"{jobs.AHEAD_PREFIX}{prep.key}" if prep else ""
            if prep is not None and job_id not in job_ids:
                at = (dt.datetime.combine(dt.date(2000, 1, 2), prep.before) - PREPARE_LEAD).time()
                trigger = CronTrigger(hour=at.hour, minute=at.minute, second=OFF_MINUTE, timezone=tz)
                first = trigger.get_next_fire_time(None, s.clock.now())
                self._add(jobs.WORK_AHEAD, trigger, job_id, prep.label, first)
        watch = f"{jobs.AHEAD_PREFIX}watch"
        if watch not in job_ids:  # its first run is now: a start prepares at once
            trigger = CronTrigger(minute=f"*/{AHEAD_WATCH_MINUTES}", second=OFF_MINUTE, timezone=tz)
            self._add(jobs.WORK_AHEAD, trigger, watch, "提前准备海报和播放列表", s.clock.now())

    def _ensure_stats_job(self, job_ids: set[str]) -> None:
        s = self.shared
        if s.stats is None or jobs.STATS_ID in job_ids:
            return
        trigger = CronTrigger(hour=STATS_HOURS, minute=STATS_MINUTE, second=OFF_MINUTE, timezone=s.campaign.timezone)
        # first run now: days missed while down are caught up at start
        self._add(jobs.STATS, trigger, jobs.STATS_ID, "收集统计数据、检查单位报送", s.clock.now())
