"""Small things the command line says: how late in words, a wrong --url named as the argument it is."""

from __future__ import annotations

from scheduler.cli.simulate_cmds import duration

from .conftest import run_qm


def test_how_late_reads_in_seconds_minutes_or_hours() -> None:
    assert [duration(s) for s in (0.4, 59, 119.6, 2291, 7199, 7500)] == [
        "0 秒",
        "59 秒",
        "2 分 0 秒",
        "38 分 11 秒",
        "1 小时 59 分",
        "2 小时 5 分",
    ]


def test_a_push_to_a_url_that_is_no_url_is_a_mistake_in_the_arguments() -> None:
    pushed = run_qm("screen", "push", "center", "--url", "notaurl", "--date", "2027-09-08")
    assert pushed.returncode == 2 and "--url notaurl 不是网址" in pushed.stderr and "Traceback" not in pushed.stderr
