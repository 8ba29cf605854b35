"""`qm queue` shows how far a post in staged review has come: who passed which stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.web.accounts import Accounts

from .conftest import TWO_STAGES, run_qm


def test_a_post_past_its_first_stage_names_who_passed_it(project: Callable[..., Path]) -> None:
    config = project(lambda text: text + TWO_STAGES)
    ctx = Context(config)
    Accounts(ctx.engine).add("李编辑", "editor", "correct-horse-battery", 0)
    first, other = [p.id for p in ctx.plan.posts if p.at.date() == dt.date(2027, 9, 2)][:2]
    assert run_qm("approve", first, "--by", "李编辑", "-c", config).returncode == 0
    shown = run_qm("queue", "--date", "2027-09-02", "-c", config)
    assert shown.returncode == 0, shown.stderr
    rows = {line.split()[3]: line for line in shown.stdout.splitlines() if line.startswith("09-02")}
    assert "李编辑（初审）" in rows[first] and "待审核" in rows[first]
    assert "（初审）" not in rows[other]  # not reviewed yet


def test_who_passed_which_stage_is_read_in_one_query_however_many_posts_are_shown(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project(lambda text: text + TWO_STAGES)
    ctx = Context(config)
    Accounts(ctx.engine).add("李编辑", "editor", "correct-horse-battery", 0)
    Accounts(ctx.engine).add("王主任", "reviewer", "correct-horse-battery", 0)
    days = sorted({p.at.date() for p in ctx.plan.posts})
    passed = [p.id for day in days[:6] for p in ctx.plan.posts if p.at.date() == day][::2]  # spread over several days
    assert main(["queue", "-c", str(config)]) == 0  # fills the queue
    for post_id in passed:
        assert main(["approve", post_id, "--by", "李编辑", "-c", str(config)]) == 0
    assert main(["approve", passed[0], "--by", "王主任", "-c", str(config)]) == 0  # both stages: approved
    capsys.readouterr()

    def shown(*options: str) -> tuple[list[str], int]:
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
        try:
            assert main(["queue", *options, "-c", str(config)]) == 0
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
        return capsys.readouterr().out.splitlines(), len(statements)

    one_day, few = shown("--date", days[1].isoformat())
    every_day, many = shown()
    assert len(every_day) > 5 * len(one_day) and many == few  # as many statements for one day as for the month

    queue = Queue(Context(config).engine)
    rows = {line.split()[3]: line for line in every_day if line[:2].isdigit()}
    for post in queue.find([], None, None):  # what each row says, as read one post at a time
        done = review.live_passes(ctx.campaign.review, review.passes(queue, post.id, post.version))
        who = post.approved_by if post.state in st.APPROVED_STATES else "、".join(f"{s.who}（{s.name}）" for s in done)
        assert (who in rows[post.id]) and (post.id in passed) == bool(who), rows[post.id]
    assert sum("李编辑（初审）" in row for row in rows.values()) == len(passed) - 1
    assert "李编辑、王主任" in rows[passed[0]] and "已审核" in rows[passed[0]]
    assert [r.split() for r in one_day[1:-1]] == [r.split() for r in every_day if r.startswith(f"{days[1]:%m-%d}")]
