"""Reminding the units on the office's word (`qm units --remind`): the daemon reminds them only on the days
`reminders` lists, and refuses the rehearsal clock, so an office could neither preview nor send a reminder now."""

from __future__ import annotations

import re
from pathlib import Path

from scheduler.inputs.config import load_campaign

from .conftest import run_qm
from .test_units import ROBOTS, at, config, place, robots, texts, word

__all__ = ["config", "robots"]  # the fixtures, used by name
AFTER = {"QM_NOW": "2016-09-12T09:00:00+08:00"}  # two days after the plans' deadline


def test_remind_previews_the_daemons_reminder_to_each_unit_not_yet_sent_with_whom_to_call(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区方案"), at(5, 9))
    place(campaign, "北安市", "方案", "方案.docx", word("北安市方案"), at(11, 9))  # a day late
    listed = run_qm("units", "-c", config, "--kind", "方案", env=AFTER)
    assert "北安市\u3000\u3000  迟交 1 天  09-11 09:00 报送，共 1 个文件  联系人：乙，电话：0456-0000002" in listed.stdout, listed.stdout
    assert "嫩江县\u3000\u3000  未报送  联系人：丁，电话：0456-0000004" in listed.stdout, listed.stdout
    assert "爱辉区\u3000\u3000  按时报送  09-05 09:00 报送，共 1 个文件\n" in listed.stdout, listed.stdout
    preview = run_qm("units", "-c", config, "--remind", env=AFTER)
    assert preview.returncode == 0, preview.stderr
    told = re.findall(r"—— 发给(\S+?)（", preview.stdout)
    assert told == ["五大连池市", "嫩江县"], preview.stdout  # the plans only: the summaries' reminders are weeks away
    assert "—— 发给嫩江县（联系人：丁，电话：0456-0000004；群机器人 QM_UNIT_NENJIANG_WEBHOOK）" in preview.stdout
    assert "【报送提醒】嫩江县：活动方案已于 9月10日 截止" in preview.stdout, preview.stdout
    assert "请尽快将活动方案报送黑河市质量计量标准化工作联席会议办公室（已于 9月10日 截止）" in preview.stdout, preview.stdout
    assert "以上是预览，没有发送：加 --send 发到 2 个单位的群机器人" in preview.stderr, preview.stderr
    ahead = run_qm("units", "-c", config, "--remind", "--kind", "总结", env=AFTER)
    assert "【报送提醒】嫩江县：工作总结" in ahead.stdout and "请于 10月10日 前将工作总结报送" in ahead.stdout, ahead.stdout
    refused = run_qm("units", "-c", config, "--remind", "--send", env=AFTER)
    assert refused.returncode == 2 and "演练时钟" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr


def test_remind_send_goes_through_each_units_robot(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    del env["QM_UNIT_BEIAN_WEBHOOK"]  # configured, but its address is not set
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区方案"), at(5, 9))
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区总结"), at(5, 9, month=10))
    sent = run_qm("units", "-c", config, "--remind", "--kind", "方案", "--send", env=env)  # the real clock: long past 2016
    assert sent.returncode == 2, sent.stderr  # 北安市's could not go
    assert "已发送 2 条提醒。没有发出：北安市" in sent.stderr, sent.stderr
    assert [len(robots[u]) for u in ROBOTS] == [0, 0, 1, 1]
    assert "请尽快将活动方案报送" in texts(robots["嫩江县"])[0]


def test_the_calendars_plan_deadline_names_the_units_as_the_offices_reminders_do(config: Path) -> None:
    import dataclasses

    from scheduler.inputs.campaign import Unit
    from scheduler.pages.calendar import key_marks

    campaign = load_campaign(config)
    due = campaign.key_dates.county_plans_due
    assert key_marks(campaign)[due] == ["各县区方案上报截止"]
    with_department = dataclasses.replace(campaign, units=(*campaign.units, Unit("市教育局")))
    assert key_marks(with_department)[due] == ["各县区和有关部门方案上报截止"]
