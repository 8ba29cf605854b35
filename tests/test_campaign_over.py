"""After the campaign's last day, `qm check`, `qm queue` and `qm daemon` say it is over and what to change
for next year's, instead of an empty queue with no reason (the daemon's case is in test_daemon.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.views.campaign_over import over

from .conftest import HEIHE, run_qm

ENDED = "活动已于 2016-09-30 结束，没有要发布的内容了。准备新一年的活动：修改配置文件里 campaign 的 start、end 和 launch，再运行 qm check。"


def test_the_note_comes_the_day_after_the_last_day() -> None:
    campaign = load_campaign(HEIHE)
    assert over(campaign, campaign.start) is None and over(campaign, campaign.end) is None
    assert over(campaign, campaign.end + dt.timedelta(days=1)) == ENDED


def test_check_and_queue_on_a_campaign_that_ended_say_so(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)  # the 2016 campaign: over
    checked = run_qm("-c", config, "check")
    assert checked.returncode == 0, checked.stderr
    assert f"提醒：{ENDED}" in checked.stdout and "检查通过" in checked.stdout
    again = run_qm("-c", config, "check")  # the stored result is replayed with its note
    assert again.returncode == 0 and f"提醒：{ENDED}" in again.stdout
    queued = run_qm("-c", config, "queue")
    assert queued.returncode == 0, queued.stderr
    assert queued.stdout == "队列中没有符合条件的内容。\n" + ENDED + "\n"
