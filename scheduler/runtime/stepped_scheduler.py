"""An APScheduler scheduler that runs due jobs only when asked, at a time it is given.

The daemon normally runs on a `BackgroundScheduler`, whose thread reads the real clock. Tests and
`qm simulate` use this one instead: the same job store, triggers and jobs, stepped synchronously
with a fake `now`, the way APScheduler's `_process_jobs` does it (coalescing, misfire grace,
removing finished date jobs before they run).
"""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.base import BaseScheduler

from ..support.logs import event
from .disk_full import is_full

log = logging.getLogger("qm.scheduler")


class SteppedScheduler(BaseScheduler):  # type: ignore[misc]
    def wakeup(self) -> None:
        """Nothing to wake: jobs run only in `run_due`."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def run_due(self, now: dt.datetime) -> int:
        """Run every job due at `now`; return how many ran. Exceptions other than Exception propagate."""
        ran = 0
        store = self._lookup_jobstore("default")
        with self._jobstores_lock:
            due = store.get_due_jobs(now)
        for job in due:
            run_times = job._get_run_times(now)
            if not run_times:
                continue
            run_times = run_times[-1:] if job.coalesce else run_times
            next_run = job.trigger.get_next_fire_time(run_times[-1], now)
            try:
                with self._jobstores_lock:
                    if next_run:
                        job._modify(next_run_time=next_run)
                        store.update_job(job)
                    else:
                        store.remove_job(job.id)
            except Exception as exc:  # as the production scheduler: the job stays due, and is tried next time
                if not is_full(exc):
                    raise
                event(log, "scheduler_retry", logging.DEBUG, job=job.id, disk_full=True)  # the heartbeat reports it
                continue
            for run_time in run_times:
                late = (now - run_time).total_seconds()
                if job.misfire_grace_time is not None and late > job.misfire_grace_time:
                    event(log, "job_misfired", logging.WARNING, job=job.id, late_seconds=round(late))
                    continue
                try:
                    job.func(*job.args, **job.kwargs)
                except Exception:
                    log.exception("job_failed", extra={"qm_fields": {"job": job.id}})
                ran += 1
        return ran

    def next_run_time(self) -> dt.datetime | None:
        with self._jobstores_lock:
            found: dt.datetime | None = self._lookup_jobstore("default").get_next_run_time()
        return found
