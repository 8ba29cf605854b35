"""Dates and times as people write them in config and content files (2027-09-08, 20:00): read, or
told what is wrong with one so that a person can correct it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
EXAMPLE_DAY = dt.date(2027, 9, 8)  # the example when no campaign is known (its config cannot be read)
# A day as typed at the command line: 2027-09-08, 2027-9-8, 2027/9/8, 2027.9.8, 2027年9月8日 (config files keep 2027-09-08)
TYPED_RE = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")
NO_YEAR_RE = re.compile(r"^(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")  # 9月8日, 9-8: a day typed without its year
TIME_FORMAT = "时间写作 20:00，24 小时制"


def example_day(start: dt.date, end: dt.date) -> dt.date:
    """A day inside the campaign, to show how a date is written: a week after its start, or its last day."""
    return min(start + dt.timedelta(days=7), max(start, end))


def date_format(example: dt.date | None = None) -> str:
    return f"日期写作 {example or EXAMPLE_DAY} 的形式，月和日都写两位"


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def time_error(value: Any) -> str:
    """How to write a time, after the Chinese mark `value` holds if it holds one (20：00)."""
    from .full_width import in_value  # only to explain a bad value

    slip = in_value(value)
    return f"{slip}；{TIME_FORMAT}" if slip else TIME_FORMAT


def date_error(value: Any, example: dt.date | None = None, how: str | None = None) -> str:
    """Why `value` is not a date, said so that a person can correct it (`example`: a day of the campaign;
    `how`: the forms it may take, when not the config files' one)."""
    from .full_width import in_value  # only to explain a bad value

    how = how or date_format(example)
    if slip := in_value(value):
        return f"{slip}；{how}"
    match = DATE_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return how
    year, month, day = map(int, match.groups())
    if not 1 <= month <= 12:
        return f"月份只能是 1–12，{how}"
    import calendar  # only to explain a bad date

    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{year} 年 {month} 月只有 {days} 天"
    return how  # 2027-9-8: month and day need two digits


def typed_day(text: str) -> tuple[dt.date | None, str]:
    """A day typed at the command line, in any of the forms of `TYPED_RE`: the day (None when there is no such day)
    and the text as 2027-09-08 (for `date_error` to explain; the text itself when it is no date at all)."""
    match = TYPED_RE.match(text.strip())
    if not match:
        return None, text
    year, month, day = map(int, match.groups())
    written = f"{year:04d}-{month:02d}-{day:02d}"
    return parse_date(written), written


def typed_forms(day: dt.date) -> str:
    """The forms a day may be typed in at the command line, with `day` as the example."""
    return (
        f"写作 {day}（也可写 {day.year}-{day.month}-{day.day}、{day.year}/{day.month}/{day.day} 或 {day.year}年{day.month}月{day.day}日）"
    )


def typed_error(text: str, written: str, example: dt.date | None = None) -> str:
    """Why a day typed at the command line (`written`: as `typed_day` returned it) is none: its year left out
    (the campaign's year suggested), or what `date_error` says, with the forms the command line takes."""
    example = example or EXAMPLE_DAY
    if match := NO_YEAR_RE.match(text.strip()):
        meant = parse_date(f"{example.year:04d}-{int(match.group(1)):02d}-{int(match.group(2)):02d}")
        return f"没有写年份，{typed_forms(meant or example)}"
    return date_error(written, example, how="日期" + typed_forms(example))


def parse_time(value: Any) -> dt.time | None:
    if not isinstance(value, str):
        return None
    match = TIME_RE.match(value.strip())
    if not match:
        return None
    return dt.time(int(match.group(1)), int(match.group(2)))
