"""The functions APScheduler jobs point at, and the ids of those jobs: the job store's stable entry point.

The job store pickles a textual reference to each function (`scheduler.jobs:publish_post`) and its
arguments, so these are module-level functions taking only ids: renaming or moving one (or this
module) would make APScheduler delete every stored job that uses it. This module therefore stays
where it is, whatever happens to the daemon behind it (`scheduler.daemon`, a package of parts since
it was one module); each function forwards to the running daemon. If a reference ever has to move,
rewrite the stored jobs in a migration; `tests/test_previous_release.py` runs a database left by an
earlier release.
"""

from __future__ import annotations

from typing import Protocol


class JobTarget(Protocol):
    def publish(self, post_id: str) -> None: ...
    def poll(self, post_id: str) -> None: ...
    def refresh(self) -> None: ...
    def remind(self, reminder_id: str) -> None: ...
    def work_ahead(self) -> None: ...
    def collect_statistics(self) -> None: ...
    def backup(self) -> None: ...


PUBLISH = "scheduler.jobs:publish_post"
POLL = "scheduler.jobs:poll_post"
REFRESH = "scheduler.jobs:refresh_queue"
REMIND = "scheduler.jobs:send_reminder"
WORK_AHEAD = "scheduler.jobs:work_ahead"
STATS = "scheduler.jobs:collect_statistics"
STATS_ID = "stats"
BACKUP = "scheduler.jobs:backup_database"
BACKUP_ID = "backup"
REFRESH_ID = "refresh"
AHEAD_PREFIX = "ahead:"  # ahead:<screen id> before each screen's on-hours, ahead:watch every few minutes

_target: JobTarget | None = None


def bind(target: JobTarget | None) -> None:
    global _target
    _target = target


def _daemon() -> JobTarget:
    if _target is None:
        raise RuntimeError("no daemon is running in this process")
    return _target


def publish_id(post_id: str) -> str:
    return f"post:{post_id}"


def poll_id(post_id: str) -> str:
    return f"poll:{post_id}"


def remind_id(reminder_id: str) -> str:
    return f"reminder:{reminder_id}"


def publish_post(post_id: str) -> None:
    _daemon().publish(post_id)


def poll_post(post_id: str) -> None:
    _daemon().poll(post_id)


def refresh_queue() -> None:
    _daemon().refresh()


def send_reminder(reminder_id: str) -> None:
    _daemon().remind(reminder_id)


def work_ahead() -> None:
    _daemon().work_ahead()


def collect_statistics() -> None:
    _daemon().collect_statistics()


def backup_database() -> None:
    _daemon().backup()
