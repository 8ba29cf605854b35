"""A full disk is a condition the daemon waits out, not a reason to exit.

    is_full(exc)      ENOSPC / EDQUOT anywhere in an exception's chain, or a database saying so
                      (SQLite: "database or disk is full", PostgreSQL: "No space left on device")
    Alarm             what the daemon tells people: a notice when writes start failing, again every
                      `REPEAT` seconds while it lasts, and one when writes succeed again
    GuardedScheduler  APScheduler's background scheduler, whose loop outlives a job store that cannot
                      be written (APScheduler 3 lets that error end its thread: no job would run again),
                      and that says nothing when the error only meets its own shutdown

Every write the daemon makes is one transaction or an atomic rename, so a write refused for want of
space changes nothing; the heartbeat and the sweep simply try again, and the sweep puts back any job
or post left waiting (see `daemon`).
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from ..support.logs import event
from ..support.notify import FAILURE, Notice

log = logging.getLogger("qm.daemon")

REPEAT = 3600.0  # seconds between reminders while the disk stays full
_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")


def is_full(exc: BaseException | None) -> bool:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _ERRNOS:
            return True
        if any(text in str(exc).lower() for text in _TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class Alarm:
    """Thread-safe: the heartbeat loop and the job thread both report to it."""

    def __init__(self, notify: Callable[[Notice], None], state: Path, repeat: float = REPEAT) -> None:
        self.notify = notify
        self.state = state
        self.repeat = repeat
        self.since: float | None = None
        self._told: float | None = None
        self._lock = threading.Lock()

    def full(self, exc: BaseException, now: float, during: str) -> None:
        with self._lock:
            first = self.since is None
            self.since = now if self.since is None else self.since
            due = self._told is None or now - self._told >= self.repeat
            if due:
                self._told = now
        if not due:
            event(log, "disk_still_full", logging.DEBUG, during=during)
            return
        minutes = (now - self.since) / 60 if self.since is not None else 0.0
        event(log, "disk_full", logging.ERROR, during=during, minutes=round(minutes), error=_short(exc))
        lines = (
            f"状态目录：{self.state}（数据库、发件箱、日志都在这里，除非 database 另有设置）",
            f"出错的操作：{during}" + ("" if first else f"；已持续 {minutes:.0f} 分钟"),
            "后台服务仍在运行，不断重试；腾出空间后自动继续，补发时限内到点的内容照常补发，超过时限的记为已错过并另行通知",
            f"处理：清理磁盘空间（查看：df -h {self.state}）",
        )
        self.notify(Notice(FAILURE, "【磁盘已满】qm 后台服务无法写入" if first else "【磁盘仍然已满】qm 后台服务无法写入", lines))

    def cleared(self, now: float) -> bool:
        """Writes succeed again: True (and people are told) if they had been failing."""
        with self._lock:
            since, self.since, self._told = self.since, None, None
        if since is None:
            return False
        event(log, "disk_ok", minutes=round((now - since) / 60))
        self.notify(Notice(FAILURE, "【磁盘已恢复】qm 后台服务继续发布", (f"磁盘空间不足持续了约 {(now - since) / 60:.0f} 分钟",)))
        return True


class GuardedScheduler(BackgroundScheduler):  # type: ignore[misc]
    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:  # APScheduler's loop runs once more after shutdown: it would hand due
            return None  # jobs to the stopped executor and log each as an error; they wait for the next start
        try:
            wait: float | None = super()._process_jobs()
        except Exception as exc:  # e.g. a finished job that could not be removed from a full database
            if self.state == STATE_STOPPED:  # shutdown began while a job was handed over: it stays in the table,
                event(log, "scheduler_stopping", logging.DEBUG, error=_short(exc))  # and the next start sorts it out
                return None
            full = is_full(exc)  # the daemon's heartbeat reports a full disk, once
            event(log, "scheduler_retry", logging.DEBUG if full else logging.ERROR, error=_short(exc), disk_full=full)
            return float(self.jobstore_retry_interval)
        return wait


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
