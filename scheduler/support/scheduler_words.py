"""APScheduler's own warnings, told the way qm tells its events: staff read qm.log, so a known APScheduler
line becomes a qm event with the job, its time in the campaign's zone and the reason in Chinese:

    event=job_skipped job=post:20270908-wechat-2000 at=2027-09-08T20:00:00+08:00 why="……"

A line it does not know stays as APScheduler wrote it (logger=apscheduler.… msg="…")."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

# APScheduler's message templates (record.msg, before its arguments are put in): the event it is, and why
KNOWN = {
    'Execution of job "%s" skipped: maximum number of running instances reached (%d)': (
        "job_skipped",
        "这项任务已有一次在排队等待或正在执行，同一项任务不会同时执行两次：这一次不另外启动，排队的那一次照常执行",
    ),
    'Run time of job "%s" was missed by %s': ("job_missed", "错过了执行时间，超过允许的延迟，这一次没有执行"),
    'Job "%s" raised an exception': ("job_failed", "任务执行出错"),
    "Error running job %s": ("job_failed", "任务执行出错"),
    'Error submitting job "%s" to executor "%s"': ("job_failed", "任务无法交给执行器"),
    'Unable to restore job "%s" -- removing it': ("job_removed", "任务表里这项任务的记录无法读取，已删除"),
    "Error getting due jobs from job store %r: %s": ("jobstore_error", "读取任务表出错，稍后重试"),
}


class SchedulerWords(logging.Filter):
    """Rewrites a known APScheduler record into a qm event; passes every record on."""

    def __init__(self, tz: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.tz = tz  # the campaign's time zone; None: the machine's

    def filter(self, record: logging.LogRecord) -> bool:
        known = KNOWN.get(record.msg) if record.name.startswith("apscheduler") and isinstance(record.msg, str) else None
        if known is not None:
            name, why = known
            record.qm_fields = {**_fields(record, self.tz), "why": why}
            record.msg, record.args = name, None
        return True


def _fields(record: logging.LogRecord, tz: dt.tzinfo | None) -> dict[str, Any]:
    """The job (a Job, or a job's id) and, for a skipped or missed run, when it was due."""
    args = record.args if isinstance(record.args, tuple) else ()
    if record.msg.startswith("Error getting due jobs"):
        return {"error": str(args[1])} if len(args) > 1 else {}
    job = args[0] if args else None
    fields: dict[str, Any] = {"job": getattr(job, "id", job)} if job is not None else {}
    due = None
    if record.msg.startswith("Execution of job"):  # the scheduler has not moved the job on yet
        due = getattr(job, "next_run_time", None)
    elif record.msg.startswith("Run time of job") and len(args) > 1 and isinstance(args[1], dt.timedelta):
        due = dt.datetime.fromtimestamp(record.created - args[1].total_seconds(), dt.UTC)  # missed by args[1]
    if isinstance(due, dt.datetime):
        fields["at"] = due.astimezone(tz).isoformat(timespec="seconds")
    return fields
