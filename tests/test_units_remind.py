"""Reminding the units on the office's word (`qm units --remind`): the daemon reminds them only on the days
`reminders` lists, and refuses the rehearsal clock, so an office could neither preview nor send a reminder now."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.support.notify import Notifications
from scheduler.units.reminders import send_due
from scheduler.units.submissions import recorded, statuses
from scheduler.units.unrecorded import refused_files

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


def _due_today(config: Path) -> Campaign:
    """The config's campaign with the plans due today (the real clock's day), reminded on it from midnight: the daemon's
    reminder of the day is due now, as `qm units --remind --send`'s (which refuses the rehearsal clock)."""
    campaign = load_campaign(config)
    today = dt.datetime.now(campaign.timezone).date()
    return dataclasses.replace(
        campaign,
        key_dates=dataclasses.replace(campaign.key_dates, county_plans_due=today),
        reminders=dataclasses.replace(campaign.reminders, time=dt.time(0), county_plans_due=(0,)),
    )


def _daemon(campaign: Campaign, env: dict[str, str], now: dt.datetime) -> list[str]:
    """The daemon's hourly sending of the units' reminders, as `StatsJob` runs it."""
    engine = open_db(campaign.db_url)
    try:
        found = statuses(campaign, recorded(campaign, engine), now.astimezone(campaign.timezone).date())
        return send_due(campaign, engine, found, now, Notifications((), env=env))
    finally:
        engine.dispose()


def test_a_unit_reminded_by_the_daemon_today_is_not_sent_it_again_by_remind_send(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign = _due_today(config)
    assert len(_daemon(campaign, env, dt.datetime.now(campaign.timezone))) == 4
    assert [len(robots[u]) for u in ROBOTS] == [1, 1, 1, 1]
    preview = run_qm("units", "-c", config, "--remind", "--kind", "方案", env=env)
    said = "爱辉区、北安市、五大连池市、嫩江县今天已经提醒过（后台服务或 qm units --remind --send 已发送），不再发送。"
    assert said in preview.stderr and "加 --send" not in preview.stderr, preview.stderr
    again = run_qm("units", "-c", config, "--remind", "--kind", "方案", "--send", env=env)
    assert again.returncode == 0 and said in again.stderr and "已发送 0 条提醒。" in again.stderr, again.stderr
    assert [len(robots[u]) for u in ROBOTS] == [1, 1, 1, 1]


def test_a_unit_reminded_by_remind_send_today_is_not_sent_it_again_by_the_daemon_nor_by_a_second_send(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    beian = env.pop("QM_UNIT_BEIAN_WEBHOOK")  # its robot's address not set yet: its reminder does not go
    sent = run_qm("units", "-c", config, "--remind", "--kind", "方案", "--send", env=env)
    assert sent.returncode == 2 and "已发送 3 条提醒。没有发出：北安市" in sent.stderr, sent.stderr
    again = run_qm("units", "-c", config, "--remind", "--kind", "方案", "--send", env=env)
    assert "爱辉区、五大连池市、嫩江县今天已经提醒过" in again.stderr and "已发送 0 条提醒。没有发出：北安市" in again.stderr
    assert [len(robots[u]) for u in ROBOTS] == [1, 0, 1, 1]
    campaign = _due_today(config)
    keys = _daemon(campaign, {**env, "QM_UNIT_BEIAN_WEBHOOK": beian}, dt.datetime.now(campaign.timezone))
    assert keys == [f"unit:plan:北安市:{campaign.key_dates.county_plans_due}"]  # the one that did not go, only
    assert [len(robots[u]) for u in ROBOTS] == [1, 1, 1, 1]


def test_a_daemon_down_on_reminder_days_sends_one_reminder_a_day_worded_by_the_days_left(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign = load_campaign(config)  # plans due 9月10日, reminded 3, 1 and 0 days before
    assert len(_daemon(campaign, env, at(8, 9, 40))) == 4  # the day after the first reminder day
    assert "（2 天后截止）" in texts(robots["嫩江县"])[0], texts(robots["嫩江县"])
    assert sorted(_daemon(campaign, env, at(9, 9, 40))) == [f"unit:plan:{u}:2016-09-09" for u in sorted(ROBOTS)]
    assert _daemon(campaign, env, at(9, 16)) == []
    assert [len(robots[u]) for u in ROBOTS] == [2, 2, 2, 2]
    assert "（1 天后截止）" in texts(robots["嫩江县"])[1], texts(robots["嫩江县"])


def test_the_daemons_hourly_checks_send_the_reminder_of_each_reminder_day(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign = load_campaign(config)  # plans due 9月10日, reminded 3, 1 and 0 days before at 09:00
    for day in (7, 8, 9, 10):
        for hour in range(8, 24):  # as StatsJob checks them: every hour at :40, from 08:40
            _daemon(campaign, env, at(day, hour, 40))
    assert [len(robots[u]) for u in ROBOTS] == [3, 3, 3, 3]
    assert [t.split("截止")[0][-4:] for t in texts(robots["嫩江县"])] == ["3 天后", "1 天后", "方案今天"], texts(robots["嫩江县"])


def test_remind_does_not_refuse_a_unit_nobody_reminded_today(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign = load_campaign(config)
    today = dt.datetime.now(campaign.timezone).date()
    campaign = dataclasses.replace(  # reminded yesterday (3 days before the deadline), not today
        campaign,
        key_dates=dataclasses.replace(campaign.key_dates, county_plans_due=today + dt.timedelta(days=2)),
        reminders=dataclasses.replace(campaign.reminders, time=dt.time(0), county_plans_due=(3, 0)),
    )
    now = dt.datetime.now(campaign.timezone)
    assert len(_daemon(campaign, env, now - dt.timedelta(days=1))) == 4
    assert _daemon(campaign, env, now) == []  # the daemon's check today: nothing due
    preview = run_qm("units", "-c", config, "--remind", "--kind", "方案", env=env)
    assert "今天已经提醒过" not in preview.stderr and "加 --send 发到 4 个单位" in preview.stderr, preview.stderr


def test_a_unit_whose_file_the_office_filed_wrongly_is_not_reminded_and_the_office_is_told_what_to_fix(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    """嫩江县's plan lies straight in its folder, 五大连池市's in a folder named 五大连池: both sent it, the office put it in the
    wrong place. Neither is reminded (nor told the office's own instructions); `qm units` says what to fix."""
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    campaign = load_campaign(config)
    loose = campaign.submissions_dir / "嫩江县" / "嫩江县方案.docx"
    loose.parent.mkdir(parents=True)
    loose.write_bytes(word("嫩江县方案"))
    place(campaign, "五大连池", "方案", "方案.docx", word("五大连池市方案"), at(9, 9))
    preview = run_qm("units", "-c", config, "--remind", env=AFTER)
    assert preview.returncode == 2, preview.stderr  # the files not recorded are said, as always
    assert re.findall(r"—— 发给(\S+?)（", preview.stdout) == ["爱辉区", "北安市"], preview.stdout  # they sent nothing
    assert "文件应放在" not in preview.stdout and "改名为" not in preview.stdout, preview.stdout
    assert "暂不提醒嫩江县（活动方案）：它已报送，是文件没有放对位置：“嫩江县方案.docx”放在了单位目录下" in preview.stderr, preview.stderr
    assert "暂不提醒五大连池市（活动方案）：它已报送，是文件没有放对位置：文件放在了文件夹“五大连池”中" in preview.stderr, preview.stderr
    listed = run_qm("units", "-c", config, "--kind", "方案", env=AFTER)
    row = next(line for line in listed.stdout.splitlines() if "嫩江县" in line)
    assert "文件应放在 方案/ 或 总结/ 里" in row and "不提醒该单位：按前面说的放好文件后再运行 qm units 即登记" in row, row
    engine = open_db(campaign.db_url)  # the daemon on the deadline's own reminder day: nothing to either unit
    try:
        found = statuses(campaign, recorded(campaign, engine), dt.date(2016, 9, 10), refused_files(campaign))
        keys = send_due(campaign, engine, found, at(10, 10), Notifications((), env=env))
    finally:
        engine.dispose()
    assert keys == ["unit:plan:爱辉区:2016-09-10", "unit:plan:北安市:2016-09-10"], keys
    assert [len(robots[u]) for u in ("五大连池市", "嫩江县")] == [0, 0]
