"""The daemon's log lines: one key=value record each, times in the campaign's zone."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from scheduler.support.logs import KeyValueFormatter, event

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
