"""`qm approve` from the command line: it says which posts it approved carry words `qm check` reports,
and which posts a stage refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
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
    assert f"{post.id}（微博）：含有广告法禁用的绝对化用语“最好”" in approved.stderr

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


def staged_with_accounts(project: Callable[..., Path], **roles: str) -> tuple[Path, Context, str]:
    """A project reviewed in two stages whose console has these accounts (name=role); its config, its context
    and a post of DAY."""
    config = project(lambda text: text + TWO_STAGES)
    ctx = Context(config)
    for name, role in roles.items():
        Accounts(ctx.engine).add(name, role, "correct-horse-battery", 0)
    return config, ctx, next(p.id for p in ctx.plan.posts if p.at.date() == dt.date.fromisoformat(DAY))


def test_once_the_console_has_accounts_approve_and_reject_take_only_an_account_and_its_role(project: Callable[..., Path]) -> None:
    """With accounts, `--by` names one of them and its role decides the stage, as in the console: nobody
    records a review under another name, or passes 终审 as an editor by writing a reviewer's name."""
    config, ctx, post = staged_with_accounts(project, 李编辑="editor", 张科长="reviewer")
    assert run_qm("queue", "-c", config).returncode == 0  # the post is in the queue

    for command in (("approve", post), ("reject", post, "--reason", "标题需要修改")):
        refused = run_qm(*command, "--by", "王某", "-c", config)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stdout
        assert "王某 不是审核台的账号，不能审核" in refused.stderr
        assert "现有账号：张科长（审核人）、李编辑（编辑）" in refused.stderr and "请用 --by 写上你自己的账号名" in refused.stderr
        assert "qm user add 王某 --role 角色（编辑（editor）、审核人（reviewer）、管理员（admin））" in refused.stderr
    queue = Queue(ctx.engine)
    stored = queue.get(post)
    assert stored is not None and stored.state == st.PLANNED and review.passes(queue, post, stored.version) == []
    assert [e.who for e in queue.history(post)] == ["排期"]  # nothing recorded under the name

    assert run_qm("approve", post, "--by", "李编辑", "-c", config).returncode == 0  # 初审
    editor = run_qm("approve", post, "--by", "李编辑", "-c", config)
    assert editor.returncode == 2 and "终审需要审核人或更高的角色，李编辑 是编辑" in editor.stderr, editor.stdout
    assert run_qm("approve", post, "--by", "王科长", "-c", config).returncode == 2  # 终审 under a name that is no account
    final = run_qm("approve", post, "--by", "张科长", "-c", config)
    assert final.returncode == 0 and "已审核通过 1 条（审核人：张科长）" in final.stdout, final.stderr


def test_without_console_accounts_any_name_reviews_as_before(project: Callable[..., Path]) -> None:
    config = project(lambda text: text + TWO_STAGES)
    post = next(p.id for p in Context(config).plan.posts if p.at.date() == dt.date.fromisoformat(DAY))
    assert run_qm("approve", post, "--by", "李编辑", "--stage", "初审", "-c", config).returncode == 0
    final = run_qm("approve", post, "--by", "张科长", "-c", config)
    assert final.returncode == 0 and "已审核通过 1 条" in final.stdout, final.stderr


def test_an_id_a_digit_short_is_answered_with_the_closest_ids(project: Callable[..., Path]) -> None:
    """A mistyped post id (the last digit left off) gets the ids it was probably meant to be, as qm poster does
    for an item id: in qm approve (one or several), qm reject, qm history and qm queue --diff alike."""
    config = project()
    assert run_qm("queue", "-c", config).returncode == 0
    one = run_qm("approve", "20270908-wechat-200", "--by", "张科长", "-c", config)
    assert one.returncode == 2 and "Traceback" not in one.stderr
    assert "队列中没有编号为 20270908-wechat-200 的内容（是不是想写 20270908-wechat-2000？用 qm queue 查看编号）" in one.stderr
    two = run_qm("approve", "20270908-wechat-200", "20270908-weibo-093", "--by", "张科长", "-c", config)
    assert "没有这些编号：20270908-wechat-200、20270908-weibo-093（是不是想写 20270908-wechat-2000、20270908-weibo-0930？" in two.stderr
    for words in (("reject", "20270908-weibo-093", "--reason", "错字", "--by", "张科长"), ("history", "20270908-weibo-093")):
        done = run_qm(*words, "-c", config)
        assert done.returncode == 2 and "是不是想写 20270908-weibo-0930？" in done.stderr, done.stderr
    diff = run_qm("queue", "--diff", "20270908-weibo-093", "-c", config)
    assert diff.returncode == 2 and "是不是想写 20270908-weibo-0930？" in diff.stderr
    assert Queue(Context(config).engine).find([st.APPROVED, st.REJECTED]) == []
