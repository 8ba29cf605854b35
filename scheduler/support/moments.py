"""A moment as staff read it: in the campaign's time zone, to the minute, the year written only when it
is not the campaign's (a job or a file of next year is not mistaken for one of this year)."""

from __future__ import annotations

import datetime as dt


def moment(t: float, tz: dt.tzinfo, year: int | None) -> str:
    """`t` (UTC epoch seconds) in `tz`: month, day and time, and the year too when it is not `year` (always
    when `year` is None)."""
    at = dt.datetime.fromtimestamp(t, tz)
    return f"{at:%m-%d %H:%M}" if at.year == year else f"{at:%Y-%m-%d %H:%M}"
