"""The console offers each person only the actions their role may do: an editor sees no 取消发布 or 重发
(reviewer and above), and no 退回 at a stage that asks a higher role."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from tests.test_web_repeat import client, planned
from tests.web_helpers import Running, console_server, http_login, local


@pytest.fixture
def console(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path), heihe_plan) as r:
        r.add_user("李编辑", "editor")
        r.add_user("王审核", "reviewer")
        yield r


def test_an_editor_is_not_offered_what_only_a_reviewer_may_do(console: Running) -> None:
    waiting, past_first, cancelled = planned(console)[:3]
    rules = console.console.campaign.review
    review.pass_stage(console.queue, past_first, "赵初审", time.time(), rules)  # waits for 终审 (reviewer)
    review.cancel(console.queue, cancelled, "王审核", "活动改期", time.time())
    with client(console) as editor, client(console) as reviewer:
        http_login(editor, "李编辑")
        http_login(reviewer, "王审核")
        for post, seen in ((waiting, {"取消原因", "退回原因"}), (past_first, {"取消原因", "退回原因"}), (cancelled, {"重发"})):
            as_reviewer, as_editor = reviewer.get(f"/post/{post}").text, editor.get(f"/post/{post}").text
            assert all(f">{words}" in as_reviewer for words in seen), post
            for words in ("取消原因", "取消发布", ">重发<"):
                assert words not in as_editor, (post, words)
        assert "退回原因" in editor.get(f"/post/{waiting}").text  # 初审 asks an editor: they may reject it
        assert "退回原因" not in editor.get(f"/post/{past_first}").text  # 终审 asks a reviewer
