"""The daemon's log lines: one key=value record each, times in the campaign's zone."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from zoneinfo import ZoneInfo

from scheduler.support.logs import KeyValueFormatter, dressed, event

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _record(message: str, **fields: object) -> logging.LogRecord:
    logger = logging.getLogger("qm.test")
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Keep()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        event(logger, message, **fields)
    finally:
        logger.removeHandler(handler)
    return captured[0]


def test_times_are_in_the_campaign_zone_whatever_the_machine_zone() -> None:
    record = _record("published", post="20270908-wechat-2000")
    record.created = 1820404800.0  # 2027-09-08 12:00 UTC
    line = KeyValueFormatter(SHANGHAI).format(record)
    assert line.startswith("ts=2027-09-08T20:00:00+08:00 level=info event=published")


def test_values_with_spaces_or_quotes_are_quoted_and_stay_on_one_line() -> None:
    record = _record("failed", post="p1", reason='内容违规 "第一"\n请修改')
    line = KeyValueFormatter(SHANGHAI).format(record)
    assert "post=p1" in line
    assert 'reason="内容违规 \\"第一\\"\\n请修改"' in line
    assert "\n" not in line


def test_library_lines_name_their_logger() -> None:
    record = logging.LogRecord("apscheduler.scheduler", logging.WARNING, __file__, 1, "Run time of job was missed", None, None)
    line = KeyValueFormatter(SHANGHAI).format(record)
    assert "level=warning logger=apscheduler.scheduler" in line
    assert 'msg="Run time of job was missed"' in line


def _blocked(release: threading.Event) -> None:
    release.wait(10)


def test_apschedulers_own_warnings_become_qm_events_in_chinese_with_the_campaign_time() -> None:
    """A real scheduler: a job still running when it is due again is skipped; a run due long ago is missed."""
    from apscheduler.schedulers.background import BackgroundScheduler

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    kiritimati = ZoneInfo("Pacific/Kiritimati")  # +14:00, whatever the machine's zone
    handler = dressed(Keep(), kiritimati)
    logger = logging.getLogger("apscheduler")
    logger.addHandler(handler)
    release = threading.Event()
    scheduler = BackgroundScheduler(timezone=SHANGHAI)
    try:
        scheduler.start()
        scheduler.add_job(_blocked, "interval", seconds=0.2, id="post:20270908-wechat-2000", args=[release], max_instances=1)
        past = dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=10)
        scheduler.add_job(print, "date", run_date=past, id="reminder:launch", misfire_grace_time=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not ({"event=job_skipped", "event=job_missed"} <= {line.split()[2] for line in lines}):
            time.sleep(0.05)
    finally:
        release.set()
        scheduler.shutdown(wait=True)
        logger.removeHandler(handler)
    skipped = next(line for line in lines if "event=job_skipped" in line)
    assert "level=warning event=job_skipped job=post:20270908-wechat-2000 at=" in skipped
    assert re.search(
        r"at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+14:00 why=这项任务已有一次在排队等待或正在执行，同一项任务不会同时执行两次：这一次不另外启动，排队的那一次照常执行$",
        skipped,
    ), skipped
    missed = next(line for line in lines if "event=job_missed" in line)
    assert f"job=reminder:launch at={past.astimezone(kiritimati):%Y-%m-%dT%H:%M}" in missed, missed
    assert "why=错过了执行时间" in missed
    assert not any("msg=" in line or "Execution of job" in line or "was missed by" in line for line in lines), lines
