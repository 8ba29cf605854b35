"""`--by` on the commands that act on posts and channels (`qm cancel`, `retry`, `confirm`, `pause`,
`resume`): once the console has accounts, the name must be one of them and its role must allow the action
as in the console (reviewer for cancel and retry, admin for the emergency switch); refused before anything
is written. Without accounts any name acts, as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import pause_log, posts
from scheduler.web.accounts import Accounts

PASSWORD = "correct-horse-battery"


def _qm(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-c", str(config), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out + err


def test_with_accounts_each_action_takes_only_an_account_whose_role_allows_it(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    ctx = Context(config)
    accounts = Accounts(ctx.engine)
    accounts.add("李编辑", "editor", PASSWORD, 0)
    accounts.add("张科长", "reviewer", PASSWORD, 0)
    accounts.add("赵主任", "admin", PASSWORD, 0)
    assert _qm(config, capsys, "queue")[0] == 0
    queue = Queue(ctx.engine)
    post, failed = (p.id for p in queue.find()[:2])
    with ctx.engine.begin() as conn:
        # a post fails only after its version was approved (qm confirm refuses words nobody approved)
        conn.execute(posts.update().where(posts.c.id == failed).values(state=st.FAILED, approved_version=posts.c.version))
    before = {p: queue.history(p) for p in (post, failed)}

    attempts = {
        "取消发布": ("cancel", post, "--reason", "活动改期"),
        "重发": ("retry", failed),
        "确认已发布": ("confirm", failed, "--url", "https://weibo.com/1/Abc"),
        "暂停发布": ("pause", "--reason", "全国哀悼日"),
        "恢复发布": ("resume",),
    }
    for what, command in attempts.items():
        code, said = _qm(config, capsys, *command, "--by", "王某")
        assert code == 2, said
        assert f"王某 不是审核台的账号，不能{what}：审核台有账号时，命令行的操作也记在账号名下" in said
        assert "现有账号：张科长（审核人）、李编辑（编辑）、赵主任（管理员）" in said and "请用 --by 写上你自己的账号名" in said
    for what, command, who, role in (
        ("取消发布", attempts["取消发布"], "李编辑", "编辑"),
        ("重发", attempts["重发"], "李编辑", "编辑"),
        ("暂停发布", attempts["暂停发布"], "张科长", "审核人"),
        ("恢复发布", attempts["恢复发布"], "张科长", "审核人"),
    ):  # the roles the console asks for these actions
        code, said = _qm(config, capsys, *command, "--by", who)
        assert code == 2 and f"{who} 是{role}，不能{what}：{what}需要" in said, said
    assert {p: queue.history(p) for p in (post, failed)} == before  # nothing recorded under any of these names
    assert review.paused(queue) == {}
    with ctx.engine.connect() as conn:
        assert conn.execute(sa.select(pause_log)).first() is None

    assert _qm(config, capsys, "cancel", post, "--reason", "活动改期", "--by", "张科长")[0] == 0
    assert _qm(config, capsys, "confirm", failed, "--by", "李编辑")[0] == 0  # any account records what it sent by hand
    assert _qm(config, capsys, "pause", "--reason", "全国哀悼日", "--by", "赵主任")[0] == 0
    assert _qm(config, capsys, "resume", "--by", "赵主任")[0] == 0
    assert [e.who for e in queue.history(post)][-1] == "张科长"
    assert [e.who for e in queue.history(failed)][-1] == "李编辑"
    with ctx.engine.connect() as conn:
        assert [(r.action, r.who) for r in conn.execute(sa.select(pause_log).order_by(pause_log.c.id))] == [
            ("pause", "赵主任"),
            ("resume", "赵主任"),
        ]


def test_a_disabled_account_may_not_act(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = project()
    accounts = Accounts(Context(config).engine)
    accounts.add("赵主任", "admin", PASSWORD, 0)
    accounts.set_disabled("赵主任", True, 0)
    code, said = _qm(config, capsys, "pause", "--reason", "全国哀悼日", "--by", "赵主任")
    assert code == 2 and "用户 赵主任 已停用，不能暂停发布" in said


def test_without_accounts_any_name_acts_as_before(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = project()
    assert _qm(config, capsys, "queue")[0] == 0
    queue = Queue(Context(config).engine)
    post = queue.find()[0].id
    assert _qm(config, capsys, "cancel", post, "--by", "王某")[0] == 0
    assert _qm(config, capsys, "retry", post, "--by", "王某")[0] == 0
    assert _qm(config, capsys, "pause", "--reason", "全国哀悼日", "--by", "王某")[0] == 0
    assert _qm(config, capsys, "resume", "--by", "王某")[0] == 0
    assert [e.who for e in queue.history(post)][-2:] == ["王某", "王某"]
