"""`qm approve` from the command line: it says which posts it approved carry words `qm check` reports,
and which posts a stage refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.web.accounts import Accounts

from .conftest import TWO_STAGES, run_qm

DAY = "2027-09-02"


def test_approving_a_post_with_words_the_check_reports_says_so(project: Callable[..., Path]) -> None:
    config = project()
    post = next(
        p
        for p in Context(config).plan.posts
        if p.at.date() == dt.date.fromisoformat(DAY) and p.channel == "weibo" and p.item.source.partition(":")[0].endswith(".md")
    )
    path = Path(post.item.source.partition(":")[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"title: {post.item.title}", f"title: 最好的{post.item.title}", 1), encoding="utf-8")

    approved = run_qm("approve", post.id, "--by", "张科长", "-c", config)
    assert approved.returncode == 0, approved.stderr
    assert "已审核通过 1 条" in approved.stdout
    assert "注意：通过的内容里有 qm check 会报出的问题" in approved.stderr
    assert f"{post.id}（{post.channel}）：含有广告法禁用的绝对化用语“最好”" in approved.stderr

    clean = next(p for p in Context(config).plan.posts if p.item.id != post.item.id and p.id != post.id)
    quiet = run_qm("approve", clean.id, "--by", "张科长", "-c", config)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_each_post_a_stage_refuses_is_named(project: Callable[..., Path]) -> None:
    config = project(lambda text: text + TWO_STAGES)
    ctx = Context(config)
    Accounts(ctx.engine).add("李编辑", "editor", "correct-horse-battery", 0)
    day = [p.id for p in ctx.plan.posts if p.at.date() == dt.date.fromisoformat(DAY)]
    assert run_qm("approve", "--date", DAY, "--by", "李编辑", "-c", config).returncode == 0  # 初审, all of them
    refused = run_qm("approve", "--date", DAY, "--by", "李编辑", "-c", config)
    assert refused.returncode == 2
    for post_id in day:
        assert f"  - {post_id}：" in refused.stderr, refused.stderr
