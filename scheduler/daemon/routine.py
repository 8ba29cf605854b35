"""The daemon's routine jobs: the morning refresh, work done ahead, statistics, the nightly backup.

Each reports its own failure (a notice, a log line) and leaves publishing alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sqlite3

from ..publishing import notices_sent
from ..screens.left_dark import HeldBack, advice, headline
from ..support.errors import QmError
from ..support.logs import event
from ..support.notify import FAILURE, Notice
from .context import Shared, log
from .early_warnings import EarlyWarnings
from .sweep import Sweep

AHEAD = "ahead-problem"  # the topic of the work done ahead's standing problem in the notices table


class Routine:
    def __init__(self, shared: Shared, sweep: Sweep, warnings: EarlyWarnings) -> None:
        self.shared = shared
        self.sweep = sweep
        self.warnings = warnings

    def refresh(self) -> None:
        """The morning job: re-render the plan into the queue, then remind reviewers."""
        s = self.shared
        now = s.now()
        with s.queue.engine.begin() as conn:  # begun today: a daemon starting after it died midway finishes it
            notices_sent.record(conn, self._morning_key(now), now)
        try:
            s.fill(now)
        except QmError as exc:
            event(log, "refresh_failed", logging.ERROR, error="；".join(exc.lines()))
            s.notify(Notice(FAILURE, "【刷新失败】内容或配置有误，队列未更新", tuple(exc.lines())))
            return
        self.sweep.catch_up(now)
        self.warnings.remind_reviewers(now)
        self.work_ahead()

    def morning_interrupted(self, now: float) -> bool:
        """Whether this morning's refresh began and did not finish: the daemon running it died or lost its lease
        midway (the scheduler moved its job to tomorrow before running it, so nobody would run it again today).
        Asked as a daemon starts or takes over: its own fill redoes the queue, the reviewers' list is still owed."""
        morning, reviewers = self._morning_key(now), self.warnings.reviewers_key(now)  # the list went out (or had nothing)
        with self.shared.queue.engine.connect() as conn:
            done = notices_sent.sent(conn, [morning, reviewers])
        return morning in done and reviewers not in done

    def _morning_key(self, now: float) -> str:
        return f"refresh:{dt.datetime.fromtimestamp(now, self.shared.campaign.timezone).date().isoformat()}"

    def work_ahead(self) -> None:
        """Draw what is due soon (posters, playlists); unchanged inputs cost nothing.

        Opt-in (`ahead=`): run at start, at the morning refresh, before each screen's on-hours and every
        few minutes (`qm daemon` passes `work_ahead.Ahead`: posters for the coming posts and the screens'
        playlists, drawn in a child process)."""
        s = self.shared
        if s.ahead is None or s.stopping.is_set():
            return
        try:
            s.ahead(s.clock.now())
        except QmError as exc:
            event(log, "ahead_failed", logging.ERROR, error="；".join(exc.lines()))
            self._ahead_problem(exc)
            return
        self._ahead_problem(None)

    def _ahead_problem(self, exc: QmError | None) -> None:
        """Tell staff of a failure of the work done ahead once while it stays the same (it is tried every few
        minutes), again when it changes, and once that it is over. Kept in the database (`notices_sent.stand`):
        a restarted daemon, or the standby taking over, does not tell it again."""
        s = self.shared
        # the problems say what is wrong; the headline may count what was done meanwhile (posters drawn)
        # screens a lifted pause left dark (`left_dark`): told apart, and again when they change
        dark = exc.dark if isinstance(exc, HeldBack) else ()
        key = "" if exc is None else notices_sent.standing_key(AHEAD, "\n".join([*map(str, exc.problems), *dark]) or str(exc))
        with s.queue.engine.connect() as conn:  # most rounds find it as it was: no write then
            if notices_sent.standing(conn, AHEAD) == ({key} - {""}):
                return
        if exc is not None:  # the robot is called once the problem stands (committed): no write lock held meanwhile
            notice = Notice(FAILURE, headline(dark), (*exc.lines(), *advice(dark)))
            notices_sent.send_once(s.queue.engine, [key], s.now(), functools.partial(s.notify, notice), topic=AHEAD)
            return
        with s.queue.engine.begin() as conn:
            over = notices_sent.clear(conn, AHEAD)
        if over:
            event(log, "ahead_recovered")
            s.notify(Notice(FAILURE, "【提前准备】已恢复：海报和电子屏播放列表重新按时更新", ("之前报告的问题已经不在了",)))

    def collect_statistics(self) -> None:
        """Read figures, plays: every day not yet final (idempotent; see `stats.collect`)."""
        s = self.shared
        if s.stats is None or s.stopping.is_set():
            return
        try:
            s.stats(s.clock.now())
        except QmError as exc:
            event(log, "stats_failed", logging.ERROR, error=str(exc))

    def backup(self) -> None:
        """The nightly job: a consistent copy of the database, the oldest ones beyond the kept number removed."""
        s = self.shared
        if s.backups is None or s.stopping.is_set():
            return
        try:
            path = s.backups(s.now())
        except (OSError, sqlite3.Error) as exc:
            event(log, "backup_failed", logging.ERROR, error=str(exc))
            lines = (f"原因：{exc}", "请检查状态目录所在磁盘的空间和权限")
            s.notify(Notice(FAILURE, "【备份失败】今天的数据库备份没有做成，发布不受影响", lines))
            return
        event(log, "backup", file=str(path))
