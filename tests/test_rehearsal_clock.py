"""The rehearsal clock (QM_NOW): commands see its moment; a malformed value and the daemon are refused."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .conftest import HEIHE, run_qm


def _env(value: str) -> dict[str, str]:
    return {**os.environ, "QM_NOW": value}


def test_commands_see_the_rehearsal_moment(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)  # the 2016 campaign
    after = run_qm("-c", config, "queue", cwd=config.parent, env=_env("2016-10-01T09:00:00+08:00"))
    assert after.returncode == 0 and "活动已于 2016-09-30 结束" in after.stdout
    during = run_qm("-c", config, "queue", cwd=config.parent, env=_env("2016-09-01T06:00:00+08:00"))
    assert during.returncode == 0, during.stderr
    assert "活动已于" not in during.stdout and "待审核" in during.stdout  # the queue filled from its first morning


def test_a_malformed_rehearsal_moment_is_refused_in_chinese(project: Callable[..., Path]) -> None:
    config = project()
    for value in ("2027-06-01", "明天", "2027-06-01T09:00"):  # a day only, words, no zone
        done = run_qm("-c", config, "queue", cwd=config.parent, env=_env(value))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"环境变量 QM_NOW（演练时钟）的值“{value}”不是带时区的日期时间" in done.stderr
        assert "2027-08-25T09:00+08:00" in done.stderr


def test_the_daemon_does_not_start_on_the_rehearsal_clock(project: Callable[..., Path]) -> None:
    config = project()
    done = run_qm("-c", config, "daemon", cwd=config.parent, env=_env("2027-06-01T09:00:00+08:00"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "设置了环境变量 QM_NOW（演练时钟）时不能启动后台服务" in done.stderr
