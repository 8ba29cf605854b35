"""A full disk under the daemon: it keeps running, tells people once (then at intervals), and
publishes when space returns. The state directory is on a real, small tmpfs filled to the last byte."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED

from scheduler.channels.outbox import OutboxChannel
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.rendering.payloads import Renderer
from scheduler.runtime import job_table
from scheduler.runtime.disk_full import Alarm, GuardedScheduler, is_full
from scheduler.runtime.lock import read_info
from scheduler.support.logs import setup_logging
from scheduler.support.notify import Notice

from .daemon_helpers import Harness, local_campaign, one_day
from .test_daemon import EARLY, TZ, WEIBO, WEIBO_AT, Recorder


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs of its own (root can mount one), unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        message = f"cannot mount a small tmpfs here ({done.stderr.strip()}): run the tests as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


class Disk:
    """Fills a filesystem to the last byte and frees it again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fillers: list[Path] = []

    def fill(self, database: Path | None = None) -> None:
        if database is not None:  # give back the write-ahead log's room first: the next write must find new space
            with contextlib.closing(sqlite3.connect(database)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = self.root / f"filler-{len(self.fillers)}"
        self.fillers.append(path)
        with path.open("wb", buffering=0) as f:  # unbuffered: every byte that fits is written now
            for size in (1 << 20, 1 << 12, 1):
                block = b"\0" * size
                try:
                    while True:
                        f.write(block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC

    def free(self) -> None:
        for path in self.fillers:
            path.unlink()
        self.fillers.clear()


def disk_notices(h: Harness) -> list[Notice]:
    assert isinstance(h.notifications, Recorder)
    return [n for n in h.notifications.sent if "磁盘" in n.title]


def test_the_daemon_outlives_a_full_disk_and_publishes_when_space_returns(
    small_fs: Path, heihe: Campaign, heihe_plan: Plan, capfd: pytest.CaptureFixture[str]
) -> None:
    campaign = local_campaign(heihe, small_fs)
    h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), EARLY, Recorder())
    outbox = campaign.paths.state / "outbox"
    h.channels = {name: OutboxChannel(name, outbox) for name in h.channels}  # type: ignore[misc]
    setup_logging(campaign.paths.state, tz=campaign.timezone)
    try:
        h.start()
        h.approve_all()
        h.run_until(WEIBO_AT - dt.timedelta(minutes=30))  # the morning's screen posts go out
        disk = Disk(small_fs)
        disk.fill(campaign.paths.state / "qm.sqlite3")
        probe = contextlib.closing(sqlite3.connect(campaign.paths.state / "qm.sqlite3"))
        probe = contextlib.closing(sqlite3.connect(campaign.paths.state / "qm.sqlite3"))
        with pytest.raises(sqlite3.OperationalError, match="disk is full"), probe as conn, conn:  # the database cannot grow
            conn.execute("CREATE TABLE probe AS SELECT zeroblob(200000) AS b")
        beat_before = _heartbeat(h)

        h.step_at(WEIBO_AT - dt.timedelta(minutes=1))  # heartbeat and sweep hit the full disk
        assert [n.title for n in disk_notices(h)] == ["【磁盘已满】qm 后台服务无法写入"]
        assert any("df -h" in line for line in disk_notices(h)[0].lines)
        for minutes in (0, 5, 20):  # the slot comes and goes while the disk stays full
            h.step_at(WEIBO_AT + dt.timedelta(minutes=minutes))
        assert len(disk_notices(h)) == 1  # told once, not at every heartbeat
        for n in range(20):  # more than the log file's last page can take
            logging.getLogger("qm.test").warning("line %d %s", n, "x" * 500)
        assert h.state(WEIBO) == st.SCHEDULED and not (outbox / "weibo" / WEIBO).exists()
        assert _heartbeat(h) == beat_before  # nothing was written, nothing half-written

        disk.free()
        h.step_at(WEIBO_AT + dt.timedelta(minutes=25))
        assert [n.title for n in disk_notices(h)][-1] == "【磁盘已恢复】qm 后台服务继续发布"
        post = h.queue.get(WEIBO)
        assert post is not None and post.state == st.PUBLISHED, post
        assert (outbox / "weibo" / WEIBO / "metadata.json").is_file()
        assert _heartbeat(h) == (WEIBO_AT + dt.timedelta(minutes=25)).timestamp()
        h.run_until(dt.datetime(2016, 9, 3, tzinfo=TZ))
        assert {p.state for p in h.queue.find()} == {st.PUBLISHED}
        assert not [p for p in outbox.rglob(".*")]  # no half-built folders
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):  # the file on the tmpfs, and stderr as captured for this test only
            root.removeHandler(handler)
            handler.close()
        h.close()
    err = capfd.readouterr().err
    assert err.count("无法写入日志文件") == 1 and err.count("恢复写入") == 1
    assert "Traceback" not in err and "Logging error" not in err
    assert "event=disk_full" in err and "event=disk_ok" in err
    log = (campaign.paths.state / "qm.log").read_text(encoding="utf-8")
    assert "event=disk_ok" in log and "event=published" in log


def _heartbeat(h: Harness) -> float:
    info = read_info(h.engine)
    assert info is not None
    return info.heartbeat


TICKS: list[float] = []


def tick() -> None:  # a job of the scheduler below (jobs are stored by reference)
    TICKS.append(time.monotonic())


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_scheduler_thread_outlives_a_job_store_it_cannot_write(small_fs: Path) -> None:
    database = small_fs / "jobs.sqlite3"
    engine = open_db(f"sqlite:///{database}")
    runs = TICKS
    runs.clear()
    scheduler = GuardedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, jobstore_retry_interval=0.2)
    scheduler.add_job(f"{__name__}:tick", "interval", seconds=0.3, id="tick")
    scheduler.start()
    try:
        _wait_for(lambda: len(runs) >= 1)
        disk = Disk(small_fs)
        disk.fill(database)
        time.sleep(1.5)  # a few rounds fail to record the job's next run time
        assert scheduler._thread.is_alive()
        disk.free()
        count = len(runs)
        _wait_for(lambda: len(runs) >= count + 3)  # running again once the store can be written
    finally:
        scheduler.shutdown(wait=False)
        engine.dispose()


class StopsWhileHandingOver(ThreadPoolExecutor):  # type: ignore[misc]
    """Ctrl+C lands while APScheduler hands a due job to its worker: shutdown has begun (and waits for the
    job table's lock) before the scheduler removes the handed-over job from the table."""

    def submit_job(self, job: Any, run_times: Any) -> None:
        super().submit_job(job, run_times)
        scheduler = self._scheduler
        self.stopper = threading.Thread(target=scheduler.shutdown)
        self.stopper.start()
        while scheduler.state != STATE_STOPPED:
            time.sleep(0.001)


def test_a_shutdown_that_meets_a_job_being_handed_over_is_not_reported_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    executor = StopsWhileHandingOver(1)
    scheduler = GuardedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, executors={"default": executor})
    scheduler.add_job(f"{__name__}:tick", "date", run_date=dt.datetime.now(dt.UTC), id="post:x", misfire_grace_time=None)
    with caplog.at_level(logging.DEBUG, logger="qm.daemon"):
        scheduler.start()
        _wait_for(lambda: hasattr(executor, "stopper"))
        executor.stopper.join(10)
    assert not executor.stopper.is_alive()  # the shutdown finished: the scheduler thread ended
    assert [r.levelname for r in caplog.records if r.name == "qm.daemon"] == ["DEBUG"]  # not "scheduler_retry" at ERROR
    assert job_table.job_ids(engine) == {"post:x"}  # left for the next start, which sees whether its post still waits
    engine.dispose()


def test_a_job_due_as_the_scheduler_stops_waits_for_the_next_start_without_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = open_db(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    scheduler = GuardedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)})
    scheduler.start(paused=True)  # as the daemon starts: nothing runs until queue and job table agree
    scheduler.add_job(f"{__name__}:tick", "date", run_date=dt.datetime.now(dt.UTC), id="post:x", misfire_grace_time=None)
    runs = len(TICKS)
    with caplog.at_level(logging.WARNING):
        scheduler.shutdown()  # its loop wakes once more, with the executor already shut down
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(TICKS) == runs and job_table.job_ids(engine) == {"post:x"}
    engine.dispose()


def test_a_full_disk_is_told_once_then_hourly_then_when_it_is_over(tmp_path: Path) -> None:
    told: list[Notice] = []
    alarm = Alarm(told.append, tmp_path)
    full = OSError(errno.ENOSPC, "No space left on device")
    alarm.full(full, 0.0, "心跳")
    alarm.full(full, 600.0, "发布")
    assert [n.title for n in told] == ["【磁盘已满】qm 后台服务无法写入"]
    alarm.full(full, 3700.0, "心跳")
    assert told[-1].title == "【磁盘仍然已满】qm 后台服务无法写入" and "已持续 62 分钟" in "".join(told[-1].lines)
    assert alarm.cleared(4000.0) and told[-1].title == "【磁盘已恢复】qm 后台服务继续发布"
    assert not alarm.cleared(4100.0) and len(told) == 3


@pytest.mark.parametrize(
    ("exc", "full"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        (sqlite3.OperationalError("database or disk is full"), True),
        (OSError(errno.EACCES, "Permission denied"), False),
        (sqlite3.OperationalError("database is locked"), False),
    ],
)
def test_disk_full_is_recognised_through_wrapping(exc: BaseException, full: bool) -> None:
    assert is_full(exc) is full
    try:
        try:
            raise exc
        except BaseException as inner:
            raise RuntimeError("无法写入") from inner
    except RuntimeError as wrapped:
        assert is_full(wrapped) is full
