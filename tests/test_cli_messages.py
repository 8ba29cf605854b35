"""Small things the command line says: how late in words, a wrong --url named as the argument it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.main import build_parser
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


def test_a_push_to_a_url_with_a_password_is_refused_without_showing_the_password() -> None:
    # a port nothing listens on: without the refusal the push fails to connect, it never reaches a real player
    pushed = run_qm("screen", "push", "center", "--url", "http://pi:s3cret-pw@127.0.0.1:9/", "--date", "2027-09-08")
    assert pushed.returncode == 2 and "Traceback" not in pushed.stderr, pushed.stderr
    assert "--url 里写了用户名或密码" in pushed.stderr and "写作 --url http://127.0.0.1:9/" in pushed.stderr, pushed.stderr
    assert "QM_ANTHIAS_AUTH" in pushed.stderr and "s3cret-pw" not in pushed.stdout + pushed.stderr, pushed.stderr


def test_a_pin_to_a_screen_by_its_bare_id_suggests_the_channel_name(project: Callable[..., Path]) -> None:
    pin = "  - item: publicity-launch-announcement\n    channel: wechat\n"
    config = project(lambda t: t.replace(pin, "  - item: publicity-launch-announcement\n    channel: center\n"))
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2 and "固定内容的渠道 'center' 不存在（是不是想写 channel: screen:center？）" in checked.stderr, (
        checked.stderr
    )


@pytest.mark.parametrize("argv", [("queue", "--help"), ("preview", "--help"), ("plan", "--help"), ("screen", "build", "--help")])
def test_a_date_option_s_example_says_the_year_is_the_campaign_s(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    """--help reads no config: its example day says to write the campaign's year (a 2016 campaign's staff are not to copy 2027)."""
    with pytest.raises(SystemExit):
        build_parser(list(argv)).parse_args(list(argv))
    shown = "".join(capsys.readouterr().out.split())  # argparse wraps the lines where it likes
    assert "年份写活动所在的年" in shown, shown
