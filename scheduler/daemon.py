"""The daemon: publishes each approved post at its time, once, and says so when it cannot.

    start()    take the database lock, fill the queue from the plan, reconcile queue and job store
    beat(now)  heartbeat + sweep: schedule newly approved posts, mark unreviewed ones missed,
               re-add lost jobs, reconcile posts left in `publishing` by a crash
    publish / poll / refresh / remind    what the APScheduler jobs (see jobs.py) run
    work_ahead        opt-in (`ahead=`): work done ahead of time, at start, at the morning refresh, before each
                      screen's on-hours and every few minutes (`qm daemon` passes `ahead.Ahead`: posters
                      for the coming posts and the screens' playlists, drawn in a child process)
    step(now)  beat, then run the jobs due at `now` (tests and `qm simulate`, on a fake clock)
    run(stop)  the production loop: the scheduler thread runs jobs, this loop only waits and beats

Publishing a post: claim it (scheduled -> publishing, one conditional UPDATE), call the channel,
store the receipt. Transient errors retry with capped backoff within the channel's grace window; permanent ones fail the post and a
person is notified. A post found in `publishing` is reconciled with its channel, never re-sent blindly.
Once the platform has taken a post (its receipt holds a publish_id, msg_id or Weibo id, see
`channels.base.committed`), errors while following it up are not publish attempts: the post waits in
`accepted` and is polled until the platform answers, or a person is asked; it is never sent again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from . import channel_warnings as warnings
from . import diskfull, jobs
from . import states as st
from .campaign import Campaign
from .channels.base import Channel, ChannelError, OutgoingPost, PermanentError, Receipt, TransientError, committed, went_out_at
from .clock import Clock
from .db import notices
from .due import POLL_LIMIT, Action, decide, retry_at
from .errors import QmError
from .links import day_url, link_line, post_url
from .lock import HEARTBEAT_SECONDS, STANDBY, DaemonLock
from .logs import event
from .notify import APPROVAL, FAILURE, REMINDER, Notice, Notifications
from .planner import Plan
from .queue import Filled, Post, Queue, fill
from .render import Renderer, poster_path
from .review import is_paused, paused
from .stepping import SteppedScheduler

log = logging.getLogger("qm.daemon")

WHO = "后台服务"
BACKUP_AT = dt.time(3, 0)  # each night, while nothing is due: a copy of a SQLite database (see backup.py)
REFRESH_AT = dt.time(6, 0)  # each morning: re-render, pick up content edits, remind reviewers
APPROVAL_DAYS = 2  # reviewers are reminded of unapproved posts this many days ahead
REMINDER_GRACE = 6 * 3600.0  # a deadline reminder later than this is stale: logged, not sent

OFF_MINUTE = 30  # seconds past the minute for work done ahead: slots are on whole minutes, so a publish never waits for it
SCREENS_LEAD = dt.timedelta(minutes=10)  # playlists are rebuilt this long before a screen switches on
SWEEP_HORIZON = 3600.0  # a heartbeat's sweep looks for missing publish jobs this far ahead; the start-up sweep looks at all
AHEAD_WATCH_MINUTES = 5  # how often posters and playlists are brought up to date with content, templates and config
STANDBY_POLL = 5.0  # seconds between a standby's tries for the lease (PostgreSQL)

Source = Callable[[], tuple[Plan, Renderer]]
BackupHook = Callable[[float], Path]  # takes a backup of the database now; the file written
AheadHook = Callable[[dt.datetime], object]  # prepares what is due after the given time (see `work_ahead`)
StatsHook = Callable[[dt.datetime], object]  # collects the statistics due by the given time (see `stats.daily`)
STATS_HOURS = "8-23"  # asked after 08:00 (figures are computed overnight), again each hour while not final
STATS_MINUTE = 40


def _outlives_full_disk(during: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A job that hits a full disk is reported and dropped: nothing it wrote is half done (one
    transaction per change), and the sweep puts the post or job back once writes succeed."""

    def wrap(job: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(job)
        def guarded(self: Daemon, *args: str) -> None:
            try:
                job(self, *args)
            except Exception as exc:
                if not diskfull.is_full(exc):
                    raise
                self.disk.full(exc, self._now(), during)

        return guarded

    return wrap


class Daemon:
    def __init__(
        self,
        campaign: Campaign,
        engine: Engine,
        channels: dict[str, Channel],
        *,
        clock: Clock,
        scheduler: BaseScheduler,
        source: Source,
        notifications: Notifications | None = None,
        lock_file: Path | None = None,
        ahead: AheadHook | None = None,
        stats: StatsHook | None = None,
        backups: BackupHook | None = None,
    ) -> None:
        self.campaign = campaign
        self.queue = Queue(engine)
        self.channels = channels
        self.clock = clock
        self.scheduler = scheduler
        self.source = source
        self.notifications = notifications
        self.lock = DaemonLock(engine, lock_file, campaign.daemon.lease_timeout)
        self.ahead = ahead
        self.stats = stats
        self.backups = backups
        self.stopping = threading.Event()
        self.disk = diskfull.Alarm(self._notify, campaign.paths.state)
        self._plan: Plan | None = None
        self._filled = Filled()  # the daily refresh renders only posts whose inputs changed since the last one
        self._active: set[str] = set()  # posts this process is publishing right now
        self._active_lock = threading.Lock()
        self.lost_lease = False

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, standby: threading.Event | None = None) -> bool:
        """Become the active daemon and start publishing; True once active.

        On PostgreSQL with `standby` given, a daemon that finds another one active waits as a standby
        (renewing its own heartbeat) until the lease is free, or returns False when `standby` is set.
        Otherwise a second daemon stops here with DaemonRunning."""
        if standby is not None and self.lock.lease is not None:
            if not self._wait_as_standby(standby):
                return False
        else:
            self.lock.acquire(self._now())
        self._begin()
        return True

    def become_standby(self) -> None:
        """Appear as a standby (PostgreSQL): `standby_beat` then tries for the lease."""
        self.lock.register(self._now(), STANDBY)
        event(log, "standby", pid=self.lock.pid, why="another daemon holds the lease")

    def standby_beat(self) -> bool:
        """One round of a standby: take the lease if it is free and start (True), or renew the heartbeat."""
        if self.lock.try_acquire(self._now()):
            event(log, "took_over", pid=self.lock.pid)
            self._begin()
            return True
        self.lock.beat(self._now())
        return False

    def _begin(self) -> None:
        now = self._now()
        try:
            jobs.bind(self)
            self.scheduler.start(paused=True)  # nothing fires until queue and job store agree
            self._tidy()
            self._fill(now)
            self.reconcile(now)
            self.scheduler.resume()
        except Exception:
            self.abandon()
            self.lock.release(self._now())  # a failed start is a stop, not a hang: qm status must not say "running"
            raise
        event(log, "started", pid=self.lock.pid, campaign=self.campaign.name, jobs=len(self.scheduler.get_jobs()))

    def _wait_as_standby(self, stop: threading.Event) -> bool:
        self.become_standby()
        while not self.lock.try_acquire(self._now()):
            if stop.wait(STANDBY_POLL):
                self.lock.release(self._now())
                return False
            self.lock.beat(self._now())
        event(log, "took_over", pid=self.lock.pid)
        return True

    def _tidy(self) -> None:
        for channel in self.channels.values():
            removed = channel.tidy()
            if removed:
                event(log, "leftovers_removed", channel=channel.name, count=removed)

    def stop(self) -> None:
        """Let a running publish finish, then release the lock."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        jobs.bind(None)
        self.lock.release(self._now())
        event(log, "stopped", pid=self.lock.pid)

    def abandon(self) -> None:
        """Drop everything as a killed process would (used by the simulation and on failed starts)."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        jobs.bind(None)
        self.lock.abandon()

    def run(self, stop: threading.Event, interval: float = HEARTBEAT_SECONDS) -> None:
        """The loop only waits: jobs run on the scheduler's thread when they are due. Returns on `stop`,
        or when the lease was lost (`lost_lease`): the caller may then wait again as a standby."""
        self.beat(self._now())
        while not self.lost_lease and not stop.wait(interval):
            self.beat(self._now())

    def step(self, now: dt.datetime | None = None) -> int:
        """One synchronous round on a stepped scheduler: beat, then run what is due."""
        if not isinstance(self.scheduler, SteppedScheduler):
            raise TypeError("step() needs a SteppedScheduler")
        when = now or self.clock.now()
        self.beat(when.timestamp())
        return 0 if self.lost_lease else self.scheduler.run_due(when)

    # -- keeping queue and job store in agreement ------------------------------------------------

    def reconcile(self, now: float) -> None:
        """At start: drop jobs whose posts no longer need them, then sweep and add recurring jobs."""
        wanted = {jobs.publish_id(p.id) for p in self.queue.find([st.SCHEDULED, st.APPROVED])}
        wanted |= {jobs.poll_id(p.id) for p in self.queue.find([st.ACCEPTED])}
        for job_id in self._job_ids():
            stray_ahead = job_id.startswith(jobs.AHEAD_PREFIX) and self.ahead is None
            stray_stats = job_id == jobs.STATS_ID and self.stats is None
            stray_backup = job_id == jobs.BACKUP_ID and self.backups is None
            stray = stray_ahead or stray_stats or stray_backup
            if (job_id.startswith(("post:", "poll:")) and job_id not in wanted) or stray:
                self.scheduler.remove_job(job_id)
                event(log, "job_removed", job=job_id, why="post no longer waiting")
        self.sweep(now, horizon=None)
        self._ensure_recurring(now)

    def beat(self, now: float) -> None:
        """Heartbeat and sweep. A full disk is reported and waited out; the first beat that writes
        again says so and puts back what was missed meanwhile. A daemon that lost its lease stops."""
        if self.lost_lease:
            return
        if not self.lock.holds():
            self._lose_lease()
            return
        try:
            self.lock.beat(now)
            recovered = self.disk.cleared(now)
            self.sweep(now)
            if recovered:
                self._ensure_recurring(now)
        except Exception as exc:
            if not diskfull.is_full(exc):
                raise
            self.disk.full(exc, now, "心跳与巡检")

    def _lose_lease(self) -> None:
        """Cut off from the database long enough for a standby to take over: stop at once.

        Claims were already fenced on the lease; a publish already running finishes and records its
        result (those updates are conditional on the post's state, so nothing is recorded twice)."""
        self.lost_lease = True
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        event(log, "lease_lost", logging.ERROR, pid=self.lock.pid)
        self._notify(
            Notice(FAILURE, "【后台服务】主服务失去了与数据库的租约，已停止发布", ("备用服务会在租约超时内接管；本进程转为备用。",))
        )

    def sweep(self, now: float, horizon: float | None = SWEEP_HORIZON) -> None:
        """Schedule what was approved, re-add missing jobs of posts due within `horizon` seconds
        (None: all of them), mark what was never reviewed as missed, recover orphaned publishes.
        A heartbeat's sweep reads only posts due soon, so its cost does not grow with the campaign."""
        if self.stopping.is_set():
            return
        for post in self.queue.find([st.APPROVED]):
            if self.queue.move(post.id, st.SCHEDULED, WHO, "排入发布计划", now):
                self._schedule(jobs.publish_id(post.id), jobs.PUBLISH, post.fire_at, post.id)
        waiting = self.queue.brief([st.SCHEDULED, st.ACCEPTED], end=None if horizon is None else now + horizon)
        job_ids = self._job_ids([jobs.publish_id(b.id) if b.state == st.SCHEDULED else jobs.poll_id(b.id) for b in waiting])
        for brief in waiting:
            if brief.state == st.SCHEDULED and jobs.publish_id(brief.id) not in job_ids:
                self._schedule(jobs.publish_id(brief.id), jobs.PUBLISH, brief.fire_at, brief.id)
            if brief.state == st.ACCEPTED and jobs.poll_id(brief.id) not in job_ids:
                self._schedule(jobs.poll_id(brief.id), jobs.POLL, now, brief.id)
        for brief in self.queue.brief([st.PLANNED], end=now - self._longest_grace()):
            unreviewed = self.queue.get(brief.id)
            if unreviewed is not None and now > unreviewed.due + self._grace(unreviewed.channel):
                self._missed(unreviewed, "到发布时间仍未审核", now)
        for post in self.queue.find([st.PUBLISHING]):
            with self._active_lock:
                if post.id in self._active:
                    continue
            self._recover(post, now)
        self._warn_early(now)

    def _ensure_recurring(self, now: float) -> None:
        job_ids = self._job_ids()
        if jobs.REFRESH_ID not in job_ids:
            trigger = CronTrigger(hour=REFRESH_AT.hour, minute=REFRESH_AT.minute, timezone=self.campaign.timezone)
            # A morning missed while down runs once at the next start (coalesce), however late. The first
            # fire time comes from our clock: APScheduler would compute it from the system clock.
            first = trigger.get_next_fire_time(None, self.clock.now())
            self.scheduler.add_job(
                jobs.REFRESH, trigger, id=jobs.REFRESH_ID, name="每日刷新队列", next_run_time=first, misfire_grace_time=None, coalesce=True
            )
        self._ensure_ahead_jobs(job_ids)
        self._ensure_stats_job(job_ids)
        if self.backups is not None and jobs.BACKUP_ID not in job_ids:
            trigger = CronTrigger(hour=BACKUP_AT.hour, minute=BACKUP_AT.minute, timezone=self.campaign.timezone)
            first = trigger.get_next_fire_time(None, self.clock.now())
            self.scheduler.add_job(
                jobs.BACKUP, trigger, id=jobs.BACKUP_ID, name="每日备份数据库", next_run_time=first, misfire_grace_time=None, coalesce=True
            )
        with self.queue.engine.connect() as conn:
            sent = set(conn.execute(sa.select(notices.c.key)).scalars())
        for reminder in self._current_plan().reminders:
            job_id = jobs.remind_id(reminder.id)
            if reminder.id in sent or job_id in job_ids or now > reminder.at.timestamp() + REMINDER_GRACE:
                continue
            self._schedule(job_id, jobs.REMIND, reminder.at.timestamp(), reminder.id)

    def _ensure_ahead_jobs(self, job_ids: set[str]) -> None:
        if self.ahead is None:
            return
        tz = self.campaign.timezone
        for screen in self.campaign.screens:
            job_id = f"{jobs.AHEAD_PREFIX}{screen.id}"
            if job_id not in job_ids:
                at = (dt.datetime.combine(dt.date(2000, 1, 2), screen.on_from) - SCREENS_LEAD).time()
                trigger = CronTrigger(hour=at.hour, minute=at.minute, second=OFF_MINUTE, timezone=tz)
                first = trigger.get_next_fire_time(None, self.clock.now())
                self.scheduler.add_job(
                    jobs.WORK_AHEAD,
                    trigger,
                    id=job_id,
                    name=f"电子屏 {screen.id} 开屏前更新播放列表",
                    next_run_time=first,
                    misfire_grace_time=None,
                    coalesce=True,
                )
        watch = f"{jobs.AHEAD_PREFIX}watch"
        if watch not in job_ids:  # its first run is now: a start prepares at once
            now = self.clock.now()
            trigger = CronTrigger(minute=f"*/{AHEAD_WATCH_MINUTES}", second=OFF_MINUTE, timezone=tz)
            self.scheduler.add_job(
                jobs.WORK_AHEAD,
                trigger,
                id=watch,
                name="提前准备海报和播放列表",
                next_run_time=now,
                misfire_grace_time=None,
                coalesce=True,
            )

    def _ensure_stats_job(self, job_ids: set[str]) -> None:
        if self.stats is None or jobs.STATS_ID in job_ids:
            return
        trigger = CronTrigger(hour=STATS_HOURS, minute=STATS_MINUTE, second=OFF_MINUTE, timezone=self.campaign.timezone)
        self.scheduler.add_job(  # first run now: days missed while down are caught up at start
            jobs.STATS,
            trigger,
            id=jobs.STATS_ID,
            name="收集统计数据、检查单位报送",
            next_run_time=self.clock.now(),
            misfire_grace_time=None,
            coalesce=True,
        )

    def _schedule(self, job_id: str, func: str, at: float, arg: str) -> None:
        # No misfire grace: a late job always runs and `due.decide` chooses publish-late or missed.
        when = dt.datetime.fromtimestamp(at, dt.UTC)
        self.scheduler.add_job(
            func, "date", run_date=when, args=[arg], id=job_id, replace_existing=True, misfire_grace_time=None, coalesce=True
        )

    def _job_ids(self, among: list[str] | None = None) -> set[str]:
        """Ids in the job store (only those `among` the given ones, when given: a sweep asks about few)."""
        if among is not None and not among:
            return set()
        with self.queue.engine.connect() as conn:
            if not sa.inspect(conn).has_table("apscheduler_jobs"):
                return set()
            job_id = sa.column("id", sa.String)
            query = sa.select(job_id).select_from(sa.table("apscheduler_jobs"))
            if among is not None:
                query = query.where(job_id.in_(among))
            return set(conn.execute(query).scalars())

    # -- jobs --------------------------------------------------------------------------------------

    @_outlives_full_disk("发布")
    def publish(self, post_id: str) -> None:
        now = self._now()
        post = self.queue.get(post_id)
        if post is None or post.state != st.SCHEDULED or self.stopping.is_set():
            return  # cancelled or rejected meanwhile; when stopping, the next start schedules it again
        decision = decide(
            due=post.due,
            fire_at=post.fire_at,
            attempts=post.attempts,
            grace=self._grace(post.channel),
            paused=is_paused(paused(self.queue), post.channel),
            now=now,
        )
        if decision.action is Action.MISSED:
            self._missed(post, f"服务停止期间错过发布时间，已超过补发时限（{self._grace(post.channel) / 60:.0f} 分钟）", now)
        elif decision.action in (Action.WAIT, Action.PAUSED):
            assert decision.at is not None
            self._schedule(jobs.publish_id(post_id), jobs.PUBLISH, decision.at, post_id)
        elif not self._postponed_for_quota(post, now):
            self._claim_and_send(post_id, now)

    def _postponed_for_quota(self, post: Post, now: float) -> bool:
        """A mass send the account has no quota left for moves to the next slot with room (staff were told)."""
        if self.campaign.wechat is None or post.channel != self.campaign.wechat.name:
            return False
        issue = next((i for i in warnings.queue_quota_issues(self.campaign, self.queue) if i.post_id == post.id), None)
        if issue is None:
            return False
        to = issue.next_free.timestamp()
        why = f"{issue.message}，顺延到 {issue.next_free.astimezone(self.campaign.timezone):%Y-%m-%d %H:%M}"
        if self.queue.postpone(post.id, to, WHO, why, now):
            self._schedule(jobs.publish_id(post.id), jobs.PUBLISH, to, post.id)
            event(log, "postponed", logging.WARNING, post=post.id, to=issue.next_free.isoformat(), why=issue.message)
        return True

    def _warn_early(self, now: float) -> None:
        """Warnings staff should get before a post's time (token expiry, quota), each sent once.

        Checked at every sweep (a review command can change the quota picture at any time); with no
        Weibo token to watch and no mass sends, it touches nothing."""
        today = dt.datetime.fromtimestamp(now, self.campaign.timezone).date()
        pending: list[tuple[str, Notice]] = []
        token = warnings.token_notice(self.campaign, today)
        if token is not None:
            pending.append((f"token:{self.campaign.weibo.name if self.campaign.weibo else ''}:{today}", token))
        for issue in warnings.queue_quota_issues(self.campaign, self.queue):
            pending.append((f"quota:{issue.post_id}:{issue.at:%Y%m%d%H%M}", warnings.quota_notice(self.campaign, issue)))
        if not pending:
            return
        with self.queue.engine.begin() as conn:
            sent = set(conn.execute(sa.select(notices.c.key)).scalars())
            for key, notice in pending:
                if key not in sent:
                    self._notify(notice)
                    conn.execute(notices.insert().values(key=key, at=now))

    def _claim_and_send(self, post_id: str, now: float) -> None:
        with self._active_lock:
            self._active.add(post_id)  # before the claim, so a concurrent sweep never takes it for an orphan
        try:
            post = self.queue.claim(post_id, WHO, now, fence=self.lock.fence())
            if post is None:
                current = self.queue.get(post_id)
                if current is not None and current.state == st.SCHEDULED:  # paused a moment ago
                    self._schedule(jobs.publish_id(post_id), jobs.PUBLISH, now + 15, post_id)
                return
            self._send(post)
        finally:
            with self._active_lock:
                self._active.discard(post_id)

    def _send(self, post: Post) -> None:
        channel = self.channels.get(post.channel)
        if channel is None:
            self._fail(post, f"渠道 {post.channel} 已不在配置中", self._now())
            return
        if committed(post.receipt):  # the platform has it already: follow it up, never send it again
            self._await_platform(post, f"平台已接收（{committed(post.receipt)}），继续确认结果", self._now(), delay=0.0)
            return
        out = self._outgoing(post)
        event(log, "publishing", post=post.id, channel=post.channel, attempt=post.attempts)
        try:
            receipt = channel.reconcile(out, post.receipt) if post.attempts > 1 else None  # an earlier try may have landed
            if receipt is None:
                receipt = channel.publish(out)
        except TransientError as exc:
            self._transient(post, exc, self._now())
        except PermanentError as exc:
            self._fail(post, str(exc), self._now(), progress=exc.progress)
        except Exception as exc:
            if diskfull.is_full(exc):  # a poster or file the channel writes: wait for space like any transient error
                self._transient(post, TransientError("磁盘已满，无法写入（腾出空间后自动重试）", post.channel), self._now())
                return
            log.exception("channel_error", extra={"qm_fields": {"post": post.id}})
            self._fail(post, f"发布程序出错（{type(exc).__name__}），请查看日志", self._now())
        else:
            self._record(post, receipt, self._now())

    @_outlives_full_disk("查询发布结果")
    def poll(self, post_id: str) -> None:
        now = self._now()
        post = self.queue.get(post_id)
        if post is None or post.state != st.ACCEPTED or self.stopping.is_set():
            return
        channel = self.channels.get(post.channel)
        try:
            receipt = channel.reconcile(self._outgoing(post), post.receipt) if channel else None
        except PermanentError as exc:
            self._fail(post, str(exc), now, progress=exc.progress)
            return
        except ChannelError:
            receipt = None
        if receipt is not None and receipt.status == "published":
            self._record(post, receipt, now)
            return
        if receipt is not None and receipt != post.receipt:  # the channel noted progress (e.g. a reminder sent)
            self.queue.save_receipt(post.id, _json(receipt), state=st.ACCEPTED)
        if now - post.updated > POLL_LIMIT:
            self._fail(post, "平台超过一天仍未确认发布结果，请到平台核实", now)
        else:
            delay = min(max(60.0, (now - post.updated) / 4), 1800.0)
            self._schedule(jobs.poll_id(post_id), jobs.POLL, now + delay, post_id)

    @_outlives_full_disk("每日刷新")
    def refresh(self) -> None:
        """The morning job: re-render the plan into the queue, then remind reviewers."""
        now = self._now()
        try:
            self._fill(now)
        except QmError as exc:
            event(log, "refresh_failed", logging.ERROR, error=str(exc))
            self._notify(Notice(FAILURE, "【刷新失败】内容或配置有误，队列未更新", tuple(exc.lines())))
            return
        self.sweep(now)
        self._ensure_recurring(now)
        self._remind_reviewers(now)
        self.work_ahead()

    @_outlives_full_disk("提前准备海报和播放列表")
    def work_ahead(self) -> None:
        """Draw what is due soon (posters, playlists); unchanged inputs cost nothing."""
        if self.ahead is None or self.stopping.is_set():
            return
        try:
            self.ahead(self.clock.now())
        except QmError as exc:
            event(log, "ahead_failed", logging.ERROR, error=str(exc))
            self._notify(Notice(FAILURE, "【提前准备】海报或电子屏播放列表更新失败，屏幕继续播放上一份播放列表", tuple(exc.lines())))

    @_outlives_full_disk("收集统计数据")
    def collect_statistics(self) -> None:
        """Read figures, plays: every day not yet final (idempotent; see `stats.collect`)."""
        if self.stats is None or self.stopping.is_set():
            return
        try:
            self.stats(self.clock.now())
        except QmError as exc:
            event(log, "stats_failed", logging.ERROR, error=str(exc))

    @_outlives_full_disk("截止日期提醒")
    def backup(self) -> None:
        """The nightly job: a consistent copy of the database, the oldest ones beyond the kept number removed."""
        if self.backups is None or self.stopping.is_set():
            return
        try:
            path = self.backups(self._now())
        except (OSError, sqlite3.Error) as exc:
            event(log, "backup_failed", logging.ERROR, error=str(exc))
            self._notify(
                Notice(
                    FAILURE, "【备份失败】今天的数据库备份没有做成，发布不受影响", (f"原因：{exc}", "请检查状态目录所在磁盘的空间和权限")
                )
            )
            return
        event(log, "backup", file=str(path))

    def remind(self, reminder_id: str) -> None:
        now = self._now()
        reminder = next((r for r in self._current_plan().reminders if r.id == reminder_id), None)
        if reminder is None:
            return
        if now <= reminder.at.timestamp() + REMINDER_GRACE:
            self._notify(Notice(REMINDER, reminder.message, (f"截止日期：{reminder.due:%Y-%m-%d}", f"活动：{self.campaign.name}")))
        else:
            event(log, "reminder_stale", logging.WARNING, reminder=reminder_id)
        with self.queue.engine.begin() as conn:
            if conn.execute(sa.select(notices.c.key).where(notices.c.key == reminder_id)).first() is None:
                conn.execute(notices.insert().values(key=reminder_id, at=now))

    # -- outcomes ----------------------------------------------------------------------------------

    def _record(self, post: Post, receipt: Receipt, now: float) -> None:
        values: dict[str, Any] = {"receipt": _json(receipt), "last_error": "", "next_try": None}
        if receipt.status == "accepted":
            self._await_platform(post, "平台已接收，等待确认", now, receipt=receipt)
            return
        self.queue.move(post.id, st.PUBLISHED, WHO, "发布成功", now, published_at=went_out_at(receipt, now), **values)
        event(log, "published", post=post.id, channel=post.channel, late_seconds=round(now - post.at, 1), url=receipt.url)

    def _await_platform(self, post: Post, why: str, now: float, *, receipt: Receipt | None = None, delay: float = 60.0) -> None:
        """publishing -> accepted: the platform has the post; `poll` follows it up until it answers."""
        values: dict[str, Any] = {"last_error": "", "next_try": None}
        if receipt is not None:
            values["receipt"] = _json(receipt)
        self.queue.move(post.id, st.ACCEPTED, WHO, why, now, **values)
        self._schedule(jobs.poll_id(post.id), jobs.POLL, now + delay, post.id)
        external_id = receipt.external_id if receipt is not None else committed(post.receipt)
        event(log, "accepted", post=post.id, channel=post.channel, external_id=external_id)

    def _transient(self, post: Post, exc: ChannelError, now: float) -> None:
        current = self.queue.get(post.id)  # with the checkpoints the channel stored during this call
        if current is not None and committed(current.receipt):  # not a publish attempt: the platform has it
            self._await_platform(current, f"平台已接收（{committed(current.receipt)}），确认结果时出错，稍后再查：{exc}", now)
            return
        grace = self._grace(post.channel)
        when = retry_at(post.attempts, now=now, due=post.due, grace=grace)
        if when is None:
            self._fail(post, f"补发时限（{grace / 60:.0f} 分钟）内重试 {post.attempts} 次仍失败：{exc}", now)
            return
        self.queue.move(post.id, st.SCHEDULED, WHO, f"暂时失败，稍后重试：{exc}", now, next_try=when, last_error=str(exc))
        self._schedule(jobs.publish_id(post.id), jobs.PUBLISH, when, post.id)
        event(log, "retry_later", logging.WARNING, post=post.id, attempt=post.attempts, in_seconds=round(when - now), error=str(exc))

    def _fail(self, post: Post, reason: str, now: float, *, progress: dict[str, Any] | None = None) -> None:
        """`progress`: the receipt to keep when the platform says the post did not go out (a retry may resume)."""
        values: dict[str, Any] = {"last_error": reason, "next_try": None}
        if progress is not None:
            values["receipt"] = _json(Receipt("accepted", data=progress))
        self.queue.move(post.id, st.FAILED, WHO, reason, now, **values)
        event(log, "failed", logging.ERROR, post=post.id, channel=post.channel, error=reason)
        self._notify(self._problem_notice("【发布失败】", self.queue.get(post.id) or post, reason))

    def _missed(self, post: Post, reason: str, now: float) -> None:
        self.queue.move(post.id, st.MISSED, WHO, reason, now, last_error=reason)
        event(log, "missed", logging.ERROR, post=post.id, channel=post.channel, error=reason)
        self._notify(self._problem_notice("【错过发布】", post, reason))

    def _recover(self, post: Post, now: float) -> None:
        """A post left in `publishing` (the process died mid-publish): ask the channel what happened."""
        channel = self.channels.get(post.channel)
        try:
            receipt = channel.reconcile(self._outgoing(post), post.receipt) if channel else None
        except PermanentError as exc:
            self._fail(post, str(exc), now, progress=exc.progress)
            return
        except ChannelError as exc:
            if committed(post.receipt):  # the platform has it: poll it on its own schedule
                self._await_platform(post, f"上次发布被中断，平台已接收（{committed(post.receipt)}），稍后确认结果：{exc}", now)
            else:
                event(log, "recover_later", logging.WARNING, post=post.id, error=str(exc))
            return
        if receipt is not None:
            event(log, "recovered", post=post.id, status=receipt.status)
            self._record(post, receipt, now)
        elif channel is not None and channel.reconcile_is_authoritative:
            why = "上次发布被中断，渠道确认未发出，重新发布"
            self.queue.move(post.id, st.SCHEDULED, WHO, why, now, next_try=now)
            self._schedule(jobs.publish_id(post.id), jobs.PUBLISH, now, post.id)
            event(log, "recovered", post=post.id, status="not_sent")
        else:
            self._fail(post, "发布过程中服务中断，无法确认是否已发出：请到平台核实，确实未发出的用 qm retry 重发", now)

    # -- helpers -----------------------------------------------------------------------------------

    def _fill(self, now: float) -> None:
        plan, renderer = self.source()
        self._plan = plan
        result = fill(self.queue, self.campaign, plan, renderer, now, last=self._filled)
        if result.added or result.back_to_review or result.cancelled:
            event(log, "queue_filled", added=len(result.added), back_to_review=len(result.back_to_review), cancelled=len(result.cancelled))

    def _current_plan(self) -> Plan:
        if self._plan is None:
            self._plan, _ = self.source()
        return self._plan

    def _remind_reviewers(self, now: float) -> None:
        waiting = self.queue.find([st.PLANNED, st.REJECTED], start=now, end=now + APPROVAL_DAYS * 86400)
        if not waiting:
            return
        tz = self.campaign.timezone
        lines = [f"{p.id}（{p.when(tz):%m-%d %H:%M}，{st.label(p.state)}）" for p in waiting[:10]]
        if len(waiting) > 10:
            lines.append(f"……共 {len(waiting)} 条")
        lines.append("查看：qm queue --state planned；审核：qm approve 编号 或 qm approve --date 日期")
        lines.extend(link_line(day_url(self.campaign, waiting[0].when(tz).date())))
        self._notify(Notice(APPROVAL, f"【待审核】{len(waiting)} 条内容将在 {APPROVAL_DAYS} 天内发布，尚未审核", tuple(lines)))

    def _problem_notice(self, title: str, post: Post, reason: str) -> Notice:
        when = post.when(self.campaign.timezone)
        sent = committed(post.receipt)
        action = f"不要重发（{sent}）：到平台核实，已发出的用 qm confirm {post.id} 补记" if sent else f"处理后重发：qm retry {post.id}"
        lines = (
            f"内容：{post.item}",
            f"渠道：{post.channel}",
            f"时间：{when:%Y-%m-%d %H:%M}",
            f"原因：{reason}",
            action,
            *link_line(post_url(self.campaign, post.id)),
        )
        return Notice(FAILURE, f"{title}{post.id}", lines)

    def _notify(self, notice: Notice) -> None:
        if self.notifications is not None:
            self.notifications.send(notice)

    def _outgoing(self, post: Post) -> OutgoingPost:
        images = {img.ref: poster_path(self.campaign.paths.posters, img) for img in post.images}
        at = post.when(self.campaign.timezone)
        progress = post.receipt.data if post.receipt else {}

        def checkpoint(data: dict[str, Any]) -> None:
            self.queue.save_receipt(post.id, _json(Receipt("accepted", data=data)), state=st.PUBLISHING)

        return OutgoingPost(
            post.id,
            post.channel,
            at,
            post.item,
            post.version,
            post.payload,
            images,
            attempt=max(post.attempts, 1),
            refs=post.images,
            progress=dict(progress),
            checkpoint=checkpoint,
        )

    def _grace(self, channel: str) -> float:
        config = self.campaign.channel(channel)
        return config.grace_minutes * 60.0 if config else 0.0

    def _longest_grace(self) -> float:
        return max((c.grace_minutes * 60.0 for c in self.campaign.channels), default=0.0)

    def _now(self) -> float:
        return self.clock.now().timestamp()


def _json(receipt: Receipt) -> str:
    return json.dumps(receipt.to_json(), ensure_ascii=False)
