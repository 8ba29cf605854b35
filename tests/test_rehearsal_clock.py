"""The rehearsal clock (QM_NOW): commands see its moment; a malformed value and the daemon are refused, and so
are decisions on a database a daemon ran on (the live one)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.publishing import review
from scheduler.publishing.queue import Queue

from .conftest import HEIHE, run_qm
from .daemon_helpers import Harness


def _env(value: str) -> dict[str, str]:
    return {**os.environ, "QM_NOW": value}


def test_commands_see_the_rehearsal_moment(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)  # the 2016 campaign
    after = run_qm("-c", config, "queue", cwd=config.parent, env=_env("2016-10-01T09:00:00+08:00"))
    assert after.returncode == 0 and "活动已于 2016-09-30 结束" in after.stdout
    during = run_qm("-c", config, "queue", cwd=config.parent, env=_env("2016-09-01T06:00:00+08:00"))
    assert during.returncode == 0, during.stderr
    assert "活动已于" not in during.stdout and "待审核" in during.stdout  # the queue filled from its first morning


def test_a_malformed_rehearsal_moment_is_refused_in_chinese(project: Callable[..., Path]) -> None:
    config = project()
    for value in ("2027-06-01", "明天", "2027-06-01T09:00"):  # a day only, words, no zone
        done = run_qm("-c", config, "queue", cwd=config.parent, env=_env(value))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"环境变量 QM_NOW（演练时钟）的值“{value}”不是带时区的日期时间" in done.stderr
        assert "请写成 2027-09-08T09:00+08:00 这样" in done.stderr, done.stderr  # a day of the campaign
    config = project(config=HEIHE)  # the 2016 campaign: an example in 2016, not before its start
    done = run_qm("-c", config, "queue", cwd=config.parent, env=_env("2016-09-08"))
    assert "请写成 2016-09-08T09:00+08:00 这样" in done.stderr, done.stderr


def test_the_daemon_does_not_start_on_the_rehearsal_clock(project: Callable[..., Path]) -> None:
    config = project()
    done = run_qm("-c", config, "daemon", cwd=config.parent, env=_env("2027-06-01T09:00:00+08:00"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "设置了环境变量 QM_NOW（演练时钟）时不能启动后台服务" in done.stderr
    assert "运行 qm simulate" in done.stderr and "qm queue --db" in done.stderr  # what shows a rehearsal publish


def test_decisions_and_queue_fills_on_a_database_a_daemon_ran_on_are_refused_on_the_rehearsal_clock(project: Callable[..., Path]) -> None:
    """The daemon ran on this database: it is the live one. A rehearsal's approval there would go into the
    real history at the rehearsal's moment; commands that record a decision or fill the queue, and the console,
    refuse."""
    config = project()
    ctx = Context(config)
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, dt.datetime(2027, 1, 15, 9, 0, tzinfo=ctx.campaign.timezone))
    h.start()
    h.close()
    post = ctx.plan.posts[0].id
    history = Queue(ctx.engine).history(post)
    entries = len(Queue(ctx.engine).history(limit=100000))
    refill = "刷新发布队列（qm queue、qm screen build、qm build 都先按演练的日期刷新队列，自动审核、排入和取消内容）"
    screens = "生成电子屏播放列表（演练的日期会决定正式的电子屏现在播放哪一天的内容）"
    attempts = [
        ("审核通过", ("approve", post, "--by", "张科长")),
        ("退回", ("reject", post, "--reason", "标题需要修改", "--by", "张科长")),
        ("暂停发布", ("pause", "--reason", "全国哀悼日", "--by", "张科长")),
        ("启动网页审核台", ("web",)),  # refused before it listens
        (refill, ("queue",)),  # a fill on the rehearsal's day plans, auto-approves and cancels in the live queue
        (refill, ("queue", "--diff", post)),
        # the rehearsal's day would also decide which day's playlist the real screens show now, whatever the days built
        (screens, ("screen", "build", "--date", "2027-09-04")),
        (screens, ("screen", "build", "--date", "2027-09-02")),  # before the rehearsal's day: no refill, `current` moved
        (screens, ("build", "--from", "2027-09-02", "--to", "2027-09-04")),
    ]
    for what, command in attempts:
        done = run_qm(*command, "-c", config, cwd=config.parent, env=_env("2027-09-03T08:00+08:00"))
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stdout
        assert f"设置了环境变量 QM_NOW（演练时钟）时不能{what}：后台服务在这个数据库上运行过" in done.stderr
        assert "按演练的时刻（2027-09-03 08:00）写进正式的审核记录" in done.stderr and "unset QM_NOW" in done.stderr
    queue = Queue(ctx.engine)
    assert queue.history(post) == history and review.paused(queue) == {}
    assert len(queue.history(limit=100000)) == entries  # no post planned, approved or cancelled at the rehearsal's moment
    assert not (ctx.campaign.paths.state / "screens").exists()  # no playlist written, no screen's `current` moved


def test_the_refusal_gives_a_copy_command_that_makes_a_rehearsal_copy(project: Callable[..., Path]) -> None:
    """Copying the project folder with its state folder copies the daemon's heartbeats: the copy is refused as
    live too. The refusal's command copies without it, with the folders named; run as written, the copy rehearses
    and the live database is untouched."""
    config = project()
    ctx = Context(config)
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, dt.datetime(2027, 1, 15, 9, 0, tzinfo=ctx.campaign.timezone))
    h.start()
    h.close()
    entries = len(Queue(ctx.engine).history(limit=100000))
    rehearsal = _env("2027-09-03T08:00+08:00")
    done = run_qm("queue", cwd=config.parent, env=rehearsal)
    assert done.returncode == 2 and "不要带状态目录 .qm" in done.stderr
    command = done.stderr.split("复制过去仍算正式的数据库）：", 1)[1].split("，然后 cd ", 1)[0]
    copy = config.parent.parent / f"{config.parent.name}演练"
    assert command == f"cp -r ../{config.parent.name} ../{copy.name} && rm -r ../{copy.name}/.qm"
    assert subprocess.run(command, shell=True, cwd=config.parent).returncode == 0
    assert f"然后 cd ../{copy.name} 再演练" in done.stderr
    rehearsed = run_qm("queue", cwd=copy, env=rehearsal)
    assert rehearsed.returncode == 0 and "待审核" in rehearsed.stdout, rehearsed.stderr
    assert len(Queue(ctx.engine).history(limit=100000)) == entries  # the live database heard nothing
