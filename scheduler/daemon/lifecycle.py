"""The daemon's life: start (or wait as a standby), beat, stop; it owns the parts and runs their jobs.

    start()    take the database lock (or the lease, PostgreSQL), fill the queue from the plan,
               reconcile queue and job store, then let jobs fire
    beat(now)  heartbeat + sweep; a daemon that lost its lease stops at once
    step(now)  beat, then run the jobs due at `now` (tests and `qm simulate`, on a fake clock)
    run(stop)  the production loop: the scheduler thread runs jobs, this loop only waits and beats

The APScheduler jobs (see `jobs.py`) call the methods `publish`, `poll`, `refresh`, `remind`,
`work_ahead`, `collect_statistics` and `backup`, which hand over to the part that owns the job.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

from .. import jobs
from ..channels.base import Channel
from ..inputs.campaign import Campaign
from ..publishing import db_errors
from ..runtime import disk_full as diskfull
from ..runtime.clock import Clock
from ..runtime.lock import HEARTBEAT_SECONDS, STANDBY, DaemonLock
from ..runtime.stepped_scheduler import SteppedScheduler
from ..support.logs import event
from ..support.notify import FAILURE, Notice, Notifications
from .channel_set import ChannelSource
from .context import AheadHook, BackupHook, PictureCheck, Shared, Source, StatsHook, log
from .early_warnings import EarlyWarnings
from .publishing import Publishing
from .recovery import Recovery
from .recurring import Recurring
from .routine import Routine
from .stuck_primary import UNDETECTABLE, StuckPrimary
from .sweep import Sweep

STANDBY_POLL = 5.0  # seconds between a standby's tries for the lease (PostgreSQL)


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
        pictures: PictureCheck | None = None,
        channel_source: ChannelSource | None = None,
    ) -> None:
        shared = Shared(
            campaign,
            engine,
            channels,
            clock=clock,
            scheduler=scheduler,
            source=source,
            notifications=notifications,
            ahead=ahead,
            stats=stats,
            backups=backups,
            pictures=pictures,
            channel_source=channel_source,
        )
        self.shared = shared
        self.campaign, self.queue, self.channels, self.clock, self.scheduler = campaign, shared.queue, channels, clock, scheduler
        self.stopping = shared.stopping
        self.lock = DaemonLock(engine, lock_file, campaign.daemon.lease_timeout)
        self.lost_lease = False
        self._catch_up_owed = False  # writes failed (a full disk) and the catch-up after them has not run whole yet
        self.publishing = Publishing(shared, self.lock.fence)
        recovery = Recovery(shared, self.lock.fence, self.publishing.is_active, self.lock.holder_may_live)
        self.warnings = EarlyWarnings(shared)
        self.sweep = Sweep(shared, self.publishing, recovery, self.warnings, Recurring(shared))
        self.routine = Routine(shared, self.sweep, self.warnings)
        self.stuck_primary = StuckPrimary(shared, campaign.daemon.lease_timeout)

    # -- becoming the active daemon ----------------------------------------------------------------

    def start(self, standby: threading.Event | None = None, waiting: Callable[[], None] | None = None) -> bool:
        """Become the active daemon and start publishing; True once active.

        On PostgreSQL with `standby` given, a daemon that finds another one active waits as a standby
        (renewing its own heartbeat; `waiting` is called once it does) until the lease is free, or returns
        False when `standby` is set. Otherwise a second daemon stops here with DaemonRunning."""
        if standby is not None and self.lock.lease is not None:
            if not self.lock.try_acquire(self._now()) and not self._wait_as_standby(standby, waiting):
                return False
        else:
            self.lock.acquire(self._now())
        self._begin()
        return True

    def become_standby(self) -> None:
        """Appear as a standby (PostgreSQL): `standby_beat` then tries for the lease."""
        self.lock.register(self._now(), STANDBY)
        event(log, "standby", pid=self.lock.pid, why="另一个后台服务正在负责发布，本服务待命，它停止时接替")

    def standby_beat(self) -> bool:
        """One round of a standby: take the lease if it is free and start (True), or renew the heartbeat."""
        if self.lock.try_acquire(self._now()):
            event(log, "took_over", pid=self.lock.pid)
            self._begin()
            return True
        self._wait_round()
        return False

    def _wait_round(self) -> None:
        """A standby's round while the lease is held: its own heartbeat, and a watch on the holder's."""
        self.lock.beat(self._now())
        self.stuck_primary.watch(self._now(), self.lock.lease.ends_frozen if self.lock.lease is not None else None)

    def _wait_as_standby(self, stop: threading.Event, waiting: Callable[[], None] | None) -> bool:
        self.become_standby()
        if waiting is not None:
            waiting()
        while not self.lock.try_acquire(self._now()):
            if stop.wait(STANDBY_POLL):
                self.lock.release(self._now())
                return False
            self._wait_round()
        event(log, "took_over", pid=self.lock.pid)
        return True

    def _begin(self) -> None:
        """Start and takeover alike: nothing fires until queue and job store agree."""
        now = self._now()
        self.shared.began = now
        try:
            jobs.bind(self)
            self.scheduler.start(paused=True)
            self.shared.record_review_rules(now)
            for channel in self.channels.values():
                removed = channel.tidy()
                if removed:
                    event(log, "leftovers_removed", channel=channel.name, count=removed)
            morning_owed = self.routine.morning_interrupted(now)  # before the job table is reconciled
            self.shared.fill(now)
            self.sweep.reconcile(now)
            self.scheduler.resume()
            if morning_owed:  # sent with jobs running: robots out of reach hold up no post due now
                event(log, "refresh_resumed", why="今天早上的刷新没有做完（执行刷新的服务中途停止）：队列已重新刷新，补发待审核提醒")
                self.warnings.remind_reviewers(now)
        except Exception:
            self.abandon()
            self.lock.release(self._now())  # a failed start is a stop, not a hang: qm status must not say "running"
            raise
        event(log, "started", pid=self.lock.pid, campaign=self.campaign.name, jobs=len(self.scheduler.get_jobs()))
        if self.lock.lease is not None and self.lock.lease.ends_frozen is False:
            event(log, "frozen_undetectable", logging.WARNING, why=UNDETECTABLE)

    # -- running -----------------------------------------------------------------------------------

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

    def beat(self, now: float) -> None:
        """Heartbeat and sweep. A full disk is reported and waited out; the first beat that writes
        again says so and puts back what was missed meanwhile. SQLite's write lock held by another
        program is waited out too (logged; the next beat tries again). A daemon that lost its lease stops."""
        if self.lost_lease:
            return
        if not self.lock.holds():
            self._lose_lease()
            return
        try:
            self.lock.beat(now)
            if self.shared.disk.cleared(now) or self._catch_up_owed:
                self._catch_up_owed = True  # until it ran whole: a lock or a full disk meeting it leaves it owed
                self.sweep.catch_up(now)
                self._catch_up_owed = False
            else:
                self.sweep.sweep(now)
        except Exception as exc:
            if db_errors.is_busy(exc):
                event(log, "heartbeat_busy", logging.WARNING, msg=f"心跳与巡检这次没有完成：{db_errors.TROUBLE['database is locked']}")
                return
            if not diskfull.is_full(exc):
                raise
            self.shared.disk.full(exc, now, "心跳与巡检")

    def _lose_lease(self) -> None:
        """Cut off from the database long enough for a standby to take over: stop at once.

        Claims were already fenced on the lease; a publish already running finishes and records its
        result (those updates are conditional on the post's state, so nothing is recorded twice)."""
        self.lost_lease = True
        self.shared.stop_changes()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        event(log, "lease_lost", logging.ERROR, pid=self.lock.pid)
        lines = ("备用服务会在租约超时内接管；本进程转为备用。",)
        self.shared.notify(Notice(FAILURE, "【后台服务】主服务失去了与数据库的租约，已停止发布", lines))

    # -- stopping ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Let a running publish finish, then release the lock."""
        self.shared.stop_changes()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        jobs.bind(None)
        self.lock.release(self._now())
        event(log, "stopped", pid=self.lock.pid)

    def abandon(self) -> None:
        """Drop everything as a killed process would (used by the simulation and on failed starts)."""
        self.shared.stop_changes()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        jobs.bind(None)
        self.lock.abandon()

    # -- what the jobs run (see jobs.py) -----------------------------------------------------------

    def publish(self, post_id: str) -> None:
        self.shared.outlive_full_disk("发布", self.publishing.publish, post_id)

    def poll(self, post_id: str) -> None:
        self.shared.outlive_full_disk("查询发布结果", self.publishing.poll, post_id)

    def refresh(self) -> None:
        self.shared.outlive_full_disk("每日刷新", self.routine.refresh)

    def work_ahead(self) -> None:
        self.shared.outlive_full_disk("提前准备海报和播放列表", self.routine.work_ahead)

    def collect_statistics(self) -> None:
        self.shared.outlive_full_disk("收集统计数据", self.routine.collect_statistics)

    def backup(self) -> None:
        self.shared.outlive_full_disk("备份数据库", self.routine.backup)

    def remind(self, reminder_id: str) -> None:
        self.warnings.remind(reminder_id)

    def _now(self) -> float:
        return self.shared.now()
