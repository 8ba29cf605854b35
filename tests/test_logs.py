"""The daemon's log lines: one key=value record each, times in the campaign's zone."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.support import http_client
from scheduler.support.logs import KeyValueFormatter, dressed, event, setup_logging
from tests.web_helpers import console_server, http_login, local

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


def test_a_login_name_with_control_characters_cannot_forge_a_log_line(
    heihe: Campaign, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Anyone can send a login name: its CR, ESC, line separator and bidi control reach qm.log and the
    terminal as readable escapes, so it neither starts a line of its own nor drives the terminal."""
    campaign = local(heihe, tmp_path)
    forged = "x\rts=0 event=login user=admin\x1b[8m\u2028\u202e\x85\x7f"
    setup_logging(campaign.paths.state, tz=campaign.timezone)
    try:
        with console_server(campaign) as r, http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
            assert http_login(c, forged, "wrong-password").status_code == 401
    finally:
        setup_logging(None, level=logging.WARNING)
    logged = (campaign.paths.state / "qm.log").read_text(encoding="utf-8")
    terminal = capfd.readouterr().err
    for text in (logged, terminal):
        failed = [line for line in text.splitlines() if "event=login_failed" in line]
        assert len(failed) == 1, text
        assert 'user="x\\rts=0 event=login user=admin\\x1b[8m\\u2028\\u202e\\x85\\x7f"' in failed[0], failed
        assert not re.search("[\r\x1b\u2028\u202e\x85\x7f]", text), repr(text)


def test_an_event_with_a_sentence_for_people_is_that_sentence_on_the_terminal_and_whole_in_qm_log(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The daemon's first line on a new user's terminal (no webhook yet) reads as Chinese; qm.log keeps the record."""
    from scheduler.support.notify import Notifications, Notifier

    setup_logging(tmp_path, tz=SHANGHAI)
    try:
        Notifications((Notifier("宣传工作群", "wecom", "QM_UNSET_WEBHOOK"),), env={}).warn_unconfigured()
    finally:
        setup_logging(None, level=logging.WARNING)
    terminal = capfd.readouterr().err
    assert terminal == "注意：没有通知地址，跳过通知：环境变量 QM_UNSET_WEBHOOK 未设置\n", terminal
    logged = (tmp_path / "qm.log").read_text(encoding="utf-8")
    assert "level=warning event=notify_unconfigured notifier=宣传工作群 env=QM_UNSET_WEBHOOK msg=" in logged
