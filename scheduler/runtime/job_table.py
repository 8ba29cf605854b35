"""APScheduler's job table (`apscheduler_jobs`, created by its job store in the queue database).

The only module that reads it: the daemon asks which jobs exist, `qm status` asks what fires next.
Reads are plain SQL on the id and fire-time columns, so no job is unpickled and a reader never needs
the functions the jobs point at (see `jobs.py`). Writes go through APScheduler only, except `drop`:
the failover simulation empties its dedicated database when it ends.

A one-off job leaves the table the moment APScheduler hands it to its executor, before it runs (the
daemon has one worker: a job may wait there while others run). `in_hand` tells those jobs apart from
lost ones.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

TABLE = "apscheduler_jobs"

_jobs = sa.table(TABLE, sa.column("id", sa.String), sa.column("next_run_time", sa.Float))


def job_ids(engine: Engine, among: Collection[str] | None = None) -> set[str]:
    """Ids in the job store; only those `among` the given ones when given (a sweep asks about few)."""
    if among is not None and not among:
        return set()
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(TABLE):
            return set()
        query = sa.select(_jobs.c.id)
        if among is not None:
            query = query.where(_jobs.c.id.in_(list(among)))
        return set(conn.execute(query).scalars())


def in_hand(scheduler: BaseScheduler, among: Collection[str]) -> set[str]:
    """Those of `among` handed to an executor and not finished (waiting for a worker, or running).

    APScheduler 3.x counts them per job id in each executor (`_instances`, under its lock), and counts a
    job before it removes it from the table: a job read as missing from the table (`job_ids`) and then
    not found here has finished. The pin on APScheduler 3.11 in pyproject.toml keeps these names."""
    found: set[str] = set()
    for executor in getattr(scheduler, "_executors", {}).values():
        lock, counts = getattr(executor, "_lock", None), getattr(executor, "_instances", {})
        if lock is None:  # not started: nothing handed over
            continue
        with lock:
            found |= {job_id for job_id in among if counts.get(job_id)}
    return found


def next_runs(engine: Engine, limit: int | None = None) -> list[tuple[str, float]]:
    """The `limit` jobs that fire next (all when None): (id, UTC epoch seconds), soonest first; paused jobs have no time."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(TABLE):
            return []
        query = sa.select(_jobs.c.id, _jobs.c.next_run_time).where(_jobs.c.next_run_time.is_not(None))
        rows = conn.execute(query.order_by(_jobs.c.next_run_time).limit(limit)).all()
    return [(str(job_id), float(at)) for job_id, at in rows]


def drop(conn: Connection) -> None:
    """Remove the job table, jobs and all (in the caller's transaction)."""
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
