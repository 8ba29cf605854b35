"""`qm queue` shows how far a post in staged review has come: who passed which stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
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
