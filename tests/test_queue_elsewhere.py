"""`qm queue --state 已审核` after the daemon moved the approved posts on to 待发布: not a bare "nothing", but
where they are and the command that shows them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue


def test_an_empty_state_says_where_the_posts_are(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = project()
    day = "2027-09-08"
    assert main(["-c", str(config), "queue"]) == 0
    assert main(["-c", str(config), "approve", "--date", day, "--by", "王科长"]) == 0
    ctx = Context(config)
    db = str(ctx.engine.url.database)
    queue = Queue(ctx.engine)
    approved = queue.find([st.APPROVED])
    for post in approved:  # as the daemon does with approved posts
        assert queue.move(post.id, st.SCHEDULED, "后台服务", "排入", ctx.clock())
    ctx.close()
    capsys.readouterr()
    assert main(["-c", str(config), "queue", "--state", "已审核"]) == 0
    out = capsys.readouterr().out
    assert "队列中没有符合条件的内容。" in out
    assert f"已审核的 {len(approved)} 条已排入待发布，查看：qm queue --state 待发布" in out
    assert f"待发布 {len(approved)} 条" in out and "待审核 " in out
    assert main(["-c", str(config), "queue", "--state", "已发布", "--date", day]) == 0
    out = capsys.readouterr().out
    assert f"没有已发布的内容；这一天有：待发布 {len(approved)} 条。查看全部：qm queue --date {day}" in out
    # the suggested command repeats the day and the database asked about, not all days of the live one
    assert main(["-c", str(config), "queue", "--state", "已审核", "--date", day, "--db", db]) == 0
    assert f"查看：qm queue --date {day} --db {db} --state 待发布\n" in capsys.readouterr().out


def test_an_unknown_id_in_another_database_names_the_command_that_lists_its_ids(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    assert main(["-c", str(config), "queue"]) == 0
    ctx = Context(config)
    db = str(ctx.engine.url.database)
    ctx.close()
    capsys.readouterr()
    assert main(["-c", str(config), "history", "20270908-wechat-9999", "--db", db]) == 2
    assert f"用 qm queue --db {db} 查看编号）" in capsys.readouterr().err
