from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.support.errors import ConfigError

from .conftest import DEFAULT, HEIHE, run_qm


def test_default_config_is_september_2027() -> None:
    c = load_campaign(DEFAULT)
    assert (c.start, c.end) == (dt.date(2027, 9, 1), dt.date(2027, 9, 30))
    assert c.key_dates.launch == dt.date(2027, 9, 8)
    assert c.timezone.key == "Asia/Shanghai"
    assert c.hotline == "12315"
    assert {ch.publisher for ch in c.channels} == {"outbox"}  # runs with no credentials


def test_heihe_example_reproduces_the_seed() -> None:
    c = load_campaign(HEIHE)
    assert c.theme == "提升质量水平，建设质量强市"
    assert c.key_dates.launch == dt.date(2016, 9, 8)
    assert c.key_dates.county_plans_due == dt.date(2016, 9, 10)
    assert c.key_dates.summary_due == dt.date(2016, 10, 10)
    assert c.hotline == "12365"
    assert c.contacts[0].office == "市市场监督管理局质量科"
    assert c.contacts[0].phone == "8225756"
    assert "黑河" in c.organizer


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return [str(p) for p in info.value.problems]


def test_unknown_key_names_file_line_and_key(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('  hotline: "12315"', '  hotline: "12315"\n  hotlnie: x'))
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "hotlnie" in text)
    problems = _problems(path)
    assert any(f"config.yaml:{line}" in p and "campaign.hotlnie" in p for p in problems), problems


def test_every_problem_is_reported_at_once(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        text = text.replace("launch: 2027-09-08", "launch: 2027-10-08")  # after the end
        text = text.replace("slide_seconds: 10", 'slide_seconds: "ten"')  # wrong type
        return text.replace('primary: "#C8102E"', "primary: red")  # not a colour

    problems = _problems(project(edit))
    assert len(problems) == 3, problems
    assert any("启动日 2027-10-08 不在活动期" in p for p in problems)
    assert any("slide_seconds 应当是整数" in p for p in problems)
    assert any("brand.primary 不是颜色值" in p for p in problems)


def test_slot_date_outside_window(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('times: ["20:00"]', 'times: ["20:00"]\n    dates: [2027-10-03]', 1))
    assert any("2027-10-03 不在活动期内" in p for p in _problems(path))


def test_invalid_time_and_end_before_start(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        return text.replace('"09:30", "17:30"', '"09:30", "25:00"').replace("end: 2027-09-30", "end: 2027-08-30")

    problems = _problems(project(edit))
    assert any("25:00" in p and "不是有效时间" in p for p in problems)
    assert any("结束日期早于开始日期" in p for p in problems)


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_an_absurd_end_date_is_rejected_at_once_with_the_bound(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("end: 2027-09-30", "end: 9999-09-30"))
    result = run_qm("check", "-c", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"config.yaml:{_line(path, 'end: 9999-09-30')}：" in result.stderr
        and "共 2911743 天，超过 366 天的上限" in result.stderr
        and "campaign.end" in result.stderr
    )
    a_year = _problems(project(lambda t: t.replace("end: 2027-09-30", "end: 2028-08-31")))  # 366 days: still a campaign
    assert not [p for p in a_year if "上限" in p]


def test_subscription_account_is_limited_to_one_article_a_day(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('times: ["20:00"]', 'times: ["12:00", "20:00"]', 1))
    assert any("订阅号每天只能发送 1 次" in p for p in _problems(path))


def test_service_account_mass_send_quota(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("mode: publish ", "mode: mass_send ").replace("account_type: subscription", "account_type: service"))
    assert any("服务号群发每月最多 4 次" in p for p in _problems(path))


def test_missing_template_folder_and_secret_in_config(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        return text.replace("templates: templates", "templates: nowhere").replace("webhook_env: QM_WECOM_WEBHOOK", "webhook: https://x")

    problems = _problems(project(edit))
    assert any("模板目录不存在" in p for p in problems)
    assert any("密钥和 Webhook 地址不能写在配置文件里" in p for p in problems)


def test_yaml_syntax_error_has_a_line(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("  theme: 提升质量水平，建设质量强市", "  theme: [提升质量水平"))
    problems = _problems(path)
    assert len(problems) == 1 and "YAML 格式错误" in problems[0] and "config.yaml:" in problems[0]


def test_cli_reports_config_errors_in_chinese_with_exit_2(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("launch: 2027-09-08", "launch: 2027-11-08").replace("campaign:", "campaign:\n  colour: red", 1))
    result = run_qm("check", "-c", path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "错误：" in result.stderr and "config.yaml:" in result.stderr
    assert "未知的配置项 campaign.colour" in result.stderr
    assert "不在活动期" in result.stderr


def test_cli_missing_config_file(tmp_path: Path) -> None:
    result = run_qm("plan", "-c", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert "找不到配置文件" in result.stderr and "Traceback" not in result.stderr


def test_qm_config_environment_variable(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "QM_CONFIG": str(HEIHE)}
    result = run_qm("plan", "--from", "2016-09-08", "--to", "2016-09-08", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "2016-09-08T" in result.stdout


def test_a_missing_config_named_by_qm_config_says_the_path_came_from_qm_config(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "QM_CONFIG": str(tmp_path / "nope.yaml")}
    result = run_qm("plan", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"找不到配置文件 {tmp_path / 'nope.yaml'}（这个路径来自环境变量 QM_CONFIG" in result.stderr, result.stderr
    named = run_qm("plan", "-c", tmp_path / "other.yaml", cwd=tmp_path, env=env)  # -c wins: QM_CONFIG is not to blame
    assert named.returncode == 2 and "other.yaml" in named.stderr and "来自环境变量" not in named.stderr


def test_a_list_entry_that_is_not_a_mapping_names_its_index_and_line(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        text = text.replace("  contacts:\n", "  contacts:\n    - 质量发展科 0456-0000000\n", 1)
        return text.replace("pins:\n", "pins:\n  - publicity-launch-announcement\n", 1)

    path = project(edit)
    lines = path.read_text(encoding="utf-8").splitlines()
    problems = _problems(path)
    contact_line = lines.index("    - 质量发展科 0456-0000000") + 1
    pin_line = lines.index("  - publicity-launch-announcement") + 1
    assert f"{path}:{contact_line}" in "\n".join(p for p in problems if "campaign.contacts[0] 应当是一个映射" in p)
    assert f"{path}:{pin_line}" in "\n".join(p for p in problems if "pins[0] 应当是一个映射" in p)


def test_impossible_dates_are_problems_not_crashes(project: Callable[..., Path]) -> None:
    def edit(text: str) -> str:
        return text.replace("start: 2027-09-01", "start: 2027-09-31").replace("    date: 2027-09-08", "    date: 2027-02-30")

    path = project(edit)
    problems = _problems(path)
    assert any(
        f"config.yaml:{_line(path, 'start: 2027-09-31')}：" in p
        and "campaign.start 不是有效日期：2027-09-31" in p
        and "9 月只有 30 天" in p
        for p in problems
    ), problems
    assert any("pins[0].date 不是有效日期：2027-02-30" in p and "2 月只有 28 天" in p for p in problems), problems
    result = run_qm("plan", "-c", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "9 月只有 30 天" in result.stderr


def test_a_key_date_written_wrong_is_shown_with_a_day_of_this_campaign(project: Callable[..., Path]) -> None:
    path = project(lambda text: text.replace("launch: 2016-09-08", "launch: 2016-9-8"), config=HEIHE)
    problems = _problems(path)
    assert any("key_dates.launch 不是有效日期：2016-9-8" in p and "日期写作 2016-09-08 的形式" in p for p in problems), problems


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        ("  theme: 提升质量水平: 建设质量强市", "不能出现“键: 值”"),
        ("  theme: [提升质量水平", "方括号"),
        ("\ttheme: 提升质量水平", "Tab"),
        ("  theme: @提升质量水平", "字符 '@' 不能出现在值的开头"),
        ("  theme 提升质量水平", "（第 3 列）：缺少冒号"),  # said at the key without its colon, not the line after
    ],
)
def test_yaml_syntax_errors_are_explained_in_chinese(project: Callable[..., Path], broken: str, words: str) -> None:
    path = project(lambda t: t.replace("  theme: 提升质量水平，建设质量强市", broken))
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "提升质量水平" in text)
    (problem,) = _problems(path)
    assert f"config.yaml:{line}：YAML 格式错误（第" in problem and words in problem, problem
    assert not any(english in problem for english in ("found", "expected", "allowed", "token")), problem


def test_an_invalid_time_is_the_only_problem_of_its_list(project: Callable[..., Path]) -> None:
    problems = _problems(project(lambda t: t.replace('times: ["20:00"]', 'times: ["25:00"]', 1)))
    assert len(problems) == 1 and "channels.wechat.times 的第 1 项不是有效时间：25:00" in problems[0], problems


def test_misspelt_key_suggests_the_known_one_and_the_missing_one_points_back(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("  theme:", "  thme:"))
    problems = _problems(path)
    assert len(problems) == 2, problems
    assert "未知的配置项 campaign.thme（是不是想写 theme？）" in problems[0]
    assert f"缺少配置项 campaign.theme（第 {_line(path, '  thme:')} 行的 thme 是不是 theme 写错了？）" in problems[1]


def test_wrong_type_gives_an_example(project: Callable[..., Path]) -> None:
    (problem,) = _problems(project(lambda t: t.replace("slide_seconds: 10", "slide_seconds: ten")))
    assert "slide_seconds 应当是整数，现为 'ten'（写一个不带引号的整数，例如 slide_seconds: 10）" in problem


def test_the_lease_timeout_is_read_from_the_daemon_section_and_checked_with_its_line(project: Callable[..., Path]) -> None:
    assert load_campaign(DEFAULT).daemon.lease_timeout == 30.0  # the default when the section is absent
    assert load_campaign(project(lambda t: t + "\ndaemon:\n  lease_timeout: 45\n")).daemon.lease_timeout == 45.0
    for bad, words in (("5", "daemon.lease_timeout 超出范围（10–600）"), ('"半分钟"', "daemon.lease_timeout 应当是数字")):
        path = project(lambda t, bad=bad: t + f"\ndaemon:\n  lease_timeout: {bad}\n")
        line = len(path.read_text(encoding="utf-8").splitlines())
        problems = _problems(path)
        assert len(problems) == 1 and f"config.yaml:{line}" in problems[0] and words in problems[0], problems
        assert "备用服务在这么多秒内接管" in problems[0]  # how to fix it


def test_a_webhook_address_pasted_where_its_variable_name_belongs_is_refused_without_repeating_it(
    project: Callable[..., Path],
) -> None:
    secret = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0d1e-secret-key"

    def edit(text: str) -> str:
        units = f"\nunits:\n  - name: 爱辉区\n    webhook_env: {secret}\n"
        return text.replace("webhook_env: QM_WECOM_WEBHOOK", f"webhook_env: {secret}") + units

    path = project(edit)
    lines = path.read_text(encoding="utf-8").splitlines()
    at = [n for n, line in enumerate(lines, start=1) if secret in line]
    result = run_qm("check", "-c", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for n, where in zip(at, ("notifications[0].webhook_env", "第 1 个单位的 webhook_env"), strict=True):
        assert f"config.yaml:{n}：{where} 应当是环境变量的名字" in result.stderr, result.stderr
    assert "不是密钥或 Webhook 地址本身" in result.stderr and "例如 QM_UNIT_AIHUI_WEBHOOK" in result.stderr
    assert "0d1e-secret-key" not in result.stderr + result.stdout


def test_a_unit_name_with_a_space_before_or_after_it_is_refused_with_its_line(project: Callable[..., Path]) -> None:
    """A full-width space typed with a Chinese input method stays in a YAML value unseen; the unit's
    folder would then never match. Said at the line, with the name written right."""
    units = '\nunits:\n  - name: 爱辉区\u3000\n  - name: " 北安市"\n  - name: 嫩江县\n'
    path = project(lambda t: t + units)
    lines = path.read_text(encoding="utf-8").splitlines()
    aihui, beian = (next(n for n, line in enumerate(lines, 1) if word in line) for word in ("爱辉区", "北安市"))
    problems = _problems(path)
    assert len(problems) == 2, problems
    assert problems[0] == f"{path}:{aihui}：第 1 个单位的 name “爱辉区\u3000”的后面有全角空格（删掉名称后面的空格，写成 name: 爱辉区）"
    assert problems[1] == f"{path}:{beian}：第 2 个单位的 name “ 北安市”的前面有空格（删掉名称前面的空格，写成 name: 北安市）"


def test_grace_minutes_on_a_screen_is_refused_at_its_line_and_deleting_it_is_accepted(project: Callable[..., Path]) -> None:
    """A screen's late items play until the wall goes dark whatever grace_minutes says, so setting it
    there is refused rather than silently ignored; on the other channels it stays a setting."""
    path = project(lambda t: t.replace('      on_hours: "06:30-23:00"\n', '      on_hours: "06:30-23:00"\n      grace_minutes: 30\n', 1))
    line = path.read_text(encoding="utf-8").splitlines().index("      grace_minutes: 30") + 1
    result = run_qm("check", "-c", path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"{path}:{line}：电子屏 station 不用 grace_minutes：电子屏错过时间的内容当天一直补播到关屏（开屏时段 06:30-23:00 结束），"
        "不按补发时限（删去这一行）"
    ) in result.stderr, result.stderr
    path.write_text(path.read_text(encoding="utf-8").replace("      grace_minutes: 30\n", ""), encoding="utf-8")
    campaign = load_campaign(path)
    assert campaign.channel("wechat").grace_minutes == 120  # type: ignore[union-attr]


def test_the_counties_plans_may_fall_due_after_the_campaign_but_not_after_the_summary(project: Callable[..., Path]) -> None:
    late = project(lambda t: t.replace("county_plans_due: 2027-09-10", "county_plans_due: 2027-10-01"))
    assert load_campaign(late).key_dates.county_plans_due == dt.date(2027, 10, 1)  # a short campaign may end before
    path = project(lambda t: t.replace("county_plans_due: 2027-09-10", "county_plans_due: 2027-10-10"))
    line = next(n for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "county_plans_due:" in row)
    assert _problems(path) == [
        f"{path}:{line}：县区方案上报日期 2027-10-10 不早于总结上报日期 2027-10-10（方案先报、总结后报，检查这两个日期）"
    ]


def test_plans_due_after_the_summary_is_named(project: Callable[..., Path]) -> None:
    path = project(
        lambda t: t.replace("summary_due: 2027-10-10", "summary_due: 2027-09-30").replace("plans_due: 2027-09-10", "plans_due: 2027-09-30")
    )
    assert any("县区方案上报日期 2027-09-30 不早于总结上报日期 2027-09-30" in p for p in _problems(path))


def test_an_empty_config_says_it_is_empty(tmp_path: Path) -> None:
    for text in ("", "# 只有注释\n"):
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        result = run_qm("check", "-c", path)
        assert result.returncode == 2 and "配置文件是空的" in result.stderr and "Traceback" not in result.stderr


def test_the_photo_family_without_a_photo_names_one_that_works(project: Callable[..., Path]) -> None:
    photo = "  photo: templates/posters/photo/example-city.jpg   # 照片系列用的照片，换成本单位自己拍的照片\n"
    path = project(lambda t: t.replace(photo, ""))
    (problem,) = _problems(path)
    assert "照片系列的海报需要一张照片" in problem
    suggested = problem.split("如 ", 1)[1].rstrip("）")
    path.write_text(path.read_text(encoding="utf-8").replace("posters:\n", f"posters:\n  {suggested}\n", 1), encoding="utf-8")
    assert load_campaign(path).posters.photo is not None  # the line the message suggests works as written


def test_a_key_written_with_nothing_after_it_is_told_at_its_own_line(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace('  hotline: "12315"', "  hotline:"))
    (problem,) = _problems(path)
    assert problem == f"{path}:{_line(path, '  hotline:')}：配置项 campaign.hotline 没有填写（在“hotline:”后面写上它的值）", problem


def test_a_missing_config_says_where_it_was_looked_for_and_the_cd_to_the_folder_that_has_it(project: Callable[..., Path]) -> None:
    """qm run in a folder of the campaign (content/) or above it: the folder searched, and the cd that helps."""
    config = project()
    inside = run_qm("plan", cwd=config.parent / "content")
    assert inside.returncode == 2 and "Traceback" not in inside.stderr
    assert f"找不到配置文件 config.yaml（在目录 {config.parent / 'content'} 里找过）" in inside.stderr
    assert f"上一级目录 {config.parent} 里有 config.yaml，先 cd .. 再运行" in inside.stderr
    (config.parent / "templates").rename(config.parent / "林口2027")
    (config.parent / "林口2027" / "config.yaml").write_text("", encoding="utf-8")
    above = run_qm("plan", cwd=config.parent / "content", env={**os.environ, "QM_CONFIG": "../林口2027/../content/config.yaml"})
    assert "（这个路径来自环境变量 QM_CONFIG" in above.stderr  # QM_CONFIG is to blame: no searching
    (config.parent / "config.yaml").rename(config.parent / "活动.yaml")
    above = run_qm("plan", cwd=config.parent)
    assert "这个目录下的 林口2027 里有 config.yaml，先 cd 林口2027 再运行" in above.stderr, above.stderr
    empty = config.parent / "空目录"
    empty.mkdir()
    (config.parent / "林口2027" / "config.yaml").unlink()
    nowhere = run_qm("plan", cwd=empty)
    assert "先 cd 到活动目录（qm init 新建的那个）再运行" in nowhere.stderr, nowhere.stderr


def test_a_missing_config_named_by_c_in_another_folder_gets_the_c_that_finds_it_not_a_cd(project: Callable[..., Path]) -> None:
    """-c names a folder other than the current one: a cd worked out from that folder would lead astray."""
    config = project()
    sub = run_qm("plan", "-c", "content/config.yaml", cwd=config.parent)
    assert sub.returncode == 2 and "Traceback" not in sub.stderr
    assert f"上一级目录 {config.parent} 里有 config.yaml，用 -c config.yaml" in sub.stderr, sub.stderr
    assert "cd .." not in sub.stderr
    empty = config.parent / "空目录"
    empty.mkdir()
    config.rename(config.parent / "活动.yaml")  # no config.yaml above the folder -c names
    outer = config.parent / "外层"
    (outer / "camp").mkdir(parents=True)
    (outer / "camp" / "config.yaml").write_text("", encoding="utf-8")
    absolute = run_qm("plan", "-c", str(outer / "config.yaml"), cwd=empty)
    assert "这个目录下的 camp 里有 config.yaml，用 -c ../外层/camp/config.yaml" in absolute.stderr, absolute.stderr
    assert "先 cd" not in absolute.stderr
    mistyped = run_qm("plan", "-c", "examples/heihe-2016/config.yaml", cwd=outer / "camp")  # as a guide writes it, in a campaign
    assert "目录 " + str(outer / "camp" / "examples" / "heihe-2016") + " 不存在，检查 -c 给的路径" in mistyped.stderr, mistyped.stderr
    assert "级目录" not in mistyped.stderr  # not the campaign's own config.yaml two folders up, offered for the example asked for
    (outer / "other").mkdir()
    (outer / "other" / "config.yaml").write_text("", encoding="utf-8")
    two = run_qm("plan", cwd=outer)
    assert "这个目录下的 camp、other 里有 config.yaml，先 cd 到要用的那个目录再运行，如 cd camp" in two.stderr, two.stderr
    deeper = outer / "camp" / "content" / "local"
    deeper.mkdir(parents=True)
    assert f"上两级目录 {outer / 'camp'} 里有 config.yaml，先 cd ../.. 再运行" in run_qm("plan", cwd=deeper).stderr
