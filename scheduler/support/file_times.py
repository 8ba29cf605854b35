"""A file's modification time as staff read it. It is the computer's real time: the rehearsal clock (QM_NOW)
moves what qm thinks "now" is, never the times the system writes on files, so while rehearsing (the clock
handed in is away from the computer's) the time says so instead of sitting beside rehearsal times unmarked."""

from __future__ import annotations

import datetime as dt
import time

REAL = "，电脑的真实时间，不是演练时钟"  # said inside the caller's brackets: （文件时间 … 07:57，电脑的真实时间，不是演练时钟）


def file_time(at: float, tz: dt.tzinfo, now: float) -> str:
    """`文件时间 2026-11-30 07:57`, always with its date, for a caller to put in brackets; `now`: the clock qm runs by
    (the rehearsal's or the real one)."""
    rehearsing = abs(now - time.time()) > 60
    return f"文件时间 {dt.datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M}" + (REAL if rehearsing else "")
