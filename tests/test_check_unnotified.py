"""`qm check` passes but reminds that nobody will be told: a notification group whose webhook variable is
not set on this machine (failures needing a person would only reach qm.log and `qm status`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .conftest import run_qm


def test_check_reminds_when_the_notification_webhook_is_not_set(project: Callable[..., Path]) -> None:
    config = project()
    line = config.read_text(encoding="utf-8").splitlines().index("    webhook_env: QM_WECOM_WEBHOOK") + 1
    bare = {k: v for k, v in os.environ.items() if not k.startswith("QM_WECOM_WEBHOOK")}
    result = run_qm("check", "-c", config, env=bare)
    assert result.returncode == 0, result.stderr  # a reminder, not a failure
    said = result.stdout
    assert f"提醒：{config}:{line}：通知群“宣传工作群”没有通知地址（环境变量 QM_WECOM_WEBHOOK 未设置）" in said, said
    assert "在运行 qm daemon 的机器上设置环境变量 QM_WECOM_WEBHOOK" in said, said
    assert "没有一个通知群能收到“发布失败”的通知" in said, said
    assert "全部通过检查" in said

    told = run_qm("check", "-c", config, env=bare | {"QM_WECOM_WEBHOOK": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"})
    assert told.returncode == 0, told.stderr
    assert "通知地址" not in told.stdout and "通知群" not in told.stdout, told.stdout
