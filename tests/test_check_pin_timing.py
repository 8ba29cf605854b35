"""A post whose words do not fit its time because a pin in config.yaml puts it there (the launch moved, the pin
did not): `qm check` points at the pin's date in config.yaml, not at the content or the channel's template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .conftest import run_qm


def test_a_stale_pin_date_is_reported_at_the_pin_not_the_content(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("  launch: 2027-09-08 ", "  launch: 2027-09-15 ", 1))  # the pin keeps 09-08
    lines = config.read_text(encoding="utf-8").splitlines()
    pins = lines.index("pins:")
    date = next(n for n, line in enumerate(lines[pins:], pins + 1) if line.strip() == "date: 2027-09-08")
    checked = run_qm("check", "-c", config, cwd=config.parent)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    said = next(line for line in checked.stderr.splitlines() if "还没开始，文案却写成已经举行" in line)
    assert said.startswith(f"错误：{config}:{date}：发布时启动活动"), said
    assert "这条是 config.yaml 的 pins 固定在 2027-09-08 20:00 的（20270908-wechat-2000，微信公众号）：把这个 pin 的 date" in said, said
    assert "修改内容" not in said and "或该渠道的模板" not in said, said
