"""`qm queue` shows how far a post has come: who passed which stage of staged review, why a post is back
in review or was cancelled; each read in a fixed number of queries, however many posts it shows."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.publishing import review, review_progress
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.web.accounts import Accounts

from .conftest import TWO_STAGES, run_qm

NOW = 1_800_000_000.0  # 2027-01-15: the whole month of the default config lies ahead


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
    one_day, few = _shown(config, capsys, "--date", days[1].isoformat())
    every_day, many = _shown(config, capsys)
    assert len(every_day) > 5 * len(one_day) and many == few  # as many statements for one day as for the month

    queue = Queue(Context(config).engine)
    rows = {line.split()[3]: line for line in every_day if line[:2].isdigit()}
    for post in queue.find([], None, None):  # what each row says, as read one post at a time
        done = review_progress.live_passes(ctx.campaign.review, review.passes(queue, post.id, post.version))
        who = post.approved_by if post.state in st.APPROVED_STATES else "、".join(f"{s.who}（{s.name}）" for s in done)
        assert (who in rows[post.id]) and (post.id in passed) == bool(who), rows[post.id]
    assert sum("李编辑（初审）" in row for row in rows.values()) == len(passed) - 1
    assert "李编辑、王主任" in rows[passed[0]] and "已审核" in rows[passed[0]]
    assert [r.split() for r in one_day[1:-1]] == [r.split() for r in every_day if r.startswith(f"{days[1]:%m-%d}")]


def _shown(config: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[list[str], int]:
    """What `qm queue` prints, and how many SQL statements it took."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        assert main(["queue", *options, "-c", str(config)]) == 0
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)
    return capsys.readouterr().out.splitlines(), len(statements)


def test_why_posts_are_back_in_review_or_cancelled_is_read_in_as_many_queries_for_more_posts(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    template = config.parent / "templates" / "weibo" / "post.txt.j2"
    ctx = Context(config)
    weibo = [p.id for p in ctx.plan.posts if p.channel == "weibo"]
    others = [p.id for p in ctx.plan.posts if p.channel != "weibo"]
    assert main(["queue", "-c", str(config)]) == 0  # fills the queue
    queue = Queue(ctx.engine)

    def shown_after(approved: list[str], cancelled: list[str], word: str) -> tuple[dict[str, str], int]:
        """Approve some Weibo posts, cancel some others, change a word of the Weibo template: the rows, and
        the statements of a `qm queue` that has nothing to bring in line any more."""
        for post_id in approved:
            assert review.approve(queue, post_id, "张科长", NOW)
        for post_id in cancelled:
            review.cancel(queue, post_id, "王科长", "活动改期", NOW)
        template.write_text(template.read_text(encoding="utf-8").replace("{{ item.summary }}", f"{word}{{{{ item.summary }}}}"))
        assert main(["queue", "-c", str(config)]) == 0  # sends the approved posts back to review
        lines, statements = _shown(config, capsys)
        return {line.split()[3]: line for line in lines if line[:2].isdigit()}, statements

    rows, few = shown_after(weibo[:2], others[:2], "转发：")
    more_rows, many = shown_after(weibo[2:6], others[2:6], "周知：")
    assert many == few  # six posts of each kind take the statements two did
    changed = "改动了模板 templates/weibo/post.txt.j2"
    for post_id in weibo[:6]:
        assert "待审核" in more_rows[post_id] and f"{changed}（qm queue --diff {post_id}）" in more_rows[post_id]
    for post_id in others[:6]:
        assert "已取消" in more_rows[post_id] and "活动改期（王科长）" in more_rows[post_id]
    assert sum("改动了" in row or "活动改期" in row for row in more_rows.values()) == 12
    unversioned = re.compile(r"  [0-9a-f]{8}  ")  # the Weibo posts' version column follows the template
    first = weibo[:2] + others[:2]
    assert [unversioned.sub("  ", rows[i]) for i in first] == [unversioned.sub("  ", more_rows[i]) for i in first]  # as they were
