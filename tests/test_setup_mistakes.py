"""Mistakes a city makes setting qm up on its own, told by `qm check` before anything is published."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.conftest import run_qm


def _line(config: Path, text: str) -> int:
    return config.read_text(encoding="utf-8").splitlines().index(text) + 1


def test_a_screen_named_like_a_poster_size_is_refused_at_its_line(project: Callable[..., Path]) -> None:
    # 人民广场's screen called "square": qm poster --size square would draw 1080x1080, not that screen
    config = project(lambda t: t.replace("    - id: center\n", "    - id: square\n", 1))
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    at = _line(config, "    - id: square")
    assert f"{config}:{at}：channels.screens[0].id square 与海报尺寸名 square 重名" in result.stderr, result.stderr
    assert "换一个编号，如按地点取名 plaza，或写 square-screen" in result.stderr


def test_a_robot_address_file_that_gives_nothing_fails_the_check_and_an_unset_one_does_not(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    config = project()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_WECOM_WEBHOOK")}
    assert run_qm("check", "-c", config, env=env).returncode == 0  # no address on this machine: that group is not used
    missing = tmp_path / "没有这个文件"
    result = run_qm("check", "-c", config, env={**env, "QM_WECOM_WEBHOOK_FILE": str(missing)})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"QM_WECOM_WEBHOOK 读取失败：QM_WECOM_WEBHOOK_FILE 指向的文件 {missing} 不存在（检查文件路径）" in result.stderr
    assert "取消设置这个 _FILE 环境变量" in result.stderr
    empty = tmp_path / "空的"
    empty.write_text("\n", encoding="utf-8")
    assert "QM_WECOM_WEBHOOK_FILE 指向的文件" in run_qm("check", "-c", config, env={**env, "QM_WECOM_WEBHOOK_FILE": str(empty)}).stderr
    secret = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=not-to-be-shown"
    (tmp_path / "地址").write_text(secret, encoding="utf-8")
    given = run_qm("check", "-c", config, env={**env, "QM_WECOM_WEBHOOK_FILE": str(tmp_path / "地址")})
    assert given.returncode == 0 and "not-to-be-shown" not in given.stdout + given.stderr


def test_a_robot_address_without_https_fails_the_check_without_showing_it(project: Callable[..., Path]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QM_WECOM_WEBHOOK")}
    schemeless = "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=not-to-be-shown"  # the robot's address copied without https://
    result = run_qm("check", "-c", project(), env={**env, "QM_WECOM_WEBHOOK": schemeless})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "通知“宣传工作群”的 QM_WECOM_WEBHOOK 不是网址（没有以 https:// 开头），通知发不出去" in result.stderr, result.stderr
    assert "以 https:// 开头" in result.stderr and "not-to-be-shown" not in result.stdout + result.stderr
    relay = run_qm("check", "-c", project(), env={**env, "QM_WECOM_WEBHOOK": "HTTP://10.1.2.3/robot?key=k"})  # an intranet relay
    assert "QM_WECOM_WEBHOOK" not in relay.stderr, relay.stderr  # qm sends to it: nothing to refuse


def test_the_plan_page_says_reminder_once(project: Callable[..., Path], tmp_path: Path) -> None:
    page = tmp_path / "排期.html"
    assert run_qm("plan", "--format", "html", "-o", page, "-c", project()).returncode == 0
    html = page.read_text(encoding="utf-8")
    assert 'class="post notify"' in html and "提醒：【提醒】" not in html


def test_the_names_a_screen_may_not_take_are_the_poster_sizes_named_without_a_campaign() -> None:
    from scheduler.channels.screen.config import SIZE_NAMES
    from scheduler.poster.sizes import PAPER_MM, PRESETS

    assert set(SIZE_NAMES) == {*PRESETS, *PAPER_MM, "banner"}
