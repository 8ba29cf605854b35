"""A rejected post is approved only after its words change: not by the day's bulk button, not by a 通过 button
on a tab opened before the rejection, not by `qm approve` naming it, unless the final say overrules on purpose."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.web.review_said import Bulk
from tests.conftest import run_qm
from tests.test_approve_cli import staged_with_accounts
from tests.test_web_repeat import DAY, approve_form, client, fields_of, planned, stages_passed
from tests.web_helpers import Running, console_server, http_login, local

BULK_RE = re.compile(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', re.S)


@pytest.fixture
def console(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path), heihe_plan) as r:
        r.add_user("赵初审", "editor")
        r.add_user("李编辑", "editor")
        r.add_user("王审核", "reviewer")
        yield r


def test_the_days_bulk_button_leaves_out_and_does_not_count_a_rejected_post(console: Running) -> None:
    posts = planned(console)
    rejected = posts[0]
    with client(console) as zhao, client(console) as li:
        http_login(zhao, "赵初审")
        http_login(li, "李编辑")
        fields = approve_form(zhao.get(f"/post/{rejected}").text)[1]
        said = zhao.post(f"/post/{rejected}/reject", data={"csrf": fields["csrf"][0], "reason": "图片不清楚", "back": f"/day/{DAY}"})
        assert said.status_code == 303
        page = li.get(f"/day/{DAY}").text
        bulk = BULK_RE.search(page)
        assert bulk is not None
        listed = [v.split(" ")[0] for v in fields_of(bulk[1])["post"]]
        assert rejected not in listed and sorted(listed) == sorted(posts[1:])
        assert f"本日待审核的 {len(posts) - 1} 条" in page
        assert li.post(f"/day/{DAY}/approve", data=fields_of(bulk[1])).status_code == 303
    after = console.queue.get(rejected)
    assert after is not None and after.state == st.REJECTED and stages_passed(console, rejected) == []


def test_the_days_button_says_just_how_many_when_some_posts_are_left_to_a_colleague(console: Running) -> None:
    """Not “其余 3 条” on the only button left: the page says apart how many are not the user's to pass."""
    posts = tuple(p for p in (console.queue.get(i) for i in planned(console)[:3]) if p is not None)
    final = Bulk("终审", True, "", posts)
    assert final.label(2, True, 1) == "通过终审：3 条（审核完成，将按时发布）"
    assert final.label(2, False, 1) == "通过终审：本日待审核的 3 条（审核完成，将按时发布）"
    assert final.label(1, True, 1) == "审核通过：3 条"


def test_a_button_on_a_tab_opened_before_the_rejection_is_refused_saying_who_rejected_and_why(console: Running) -> None:
    post = planned(console)[0]
    with client(console) as zhao, client(console) as li:
        http_login(zhao, "赵初审")
        http_login(li, "李编辑")
        action, old_tab = approve_form(li.get(f"/post/{post}").text)
        token = approve_form(zhao.get(f"/post/{post}").text)[1]["csrf"][0]
        zhao.post(f"/post/{post}/reject", data={"csrf": token, "reason": "图片不清楚"})
        refused = li.post(action, data=old_tab)
        assert refused.status_code == 303 and refused.headers["location"].startswith(f"/post/{post}?note=")
        shown = li.get(refused.headers["location"]).text
        assert re.search(r"已在 \d\d-\d\d \d\d:\d\d 由赵初审（web）退回（初审退回：图片不清楚）", shown) and "不能通过" in shown
        told = shown.replace("退回时已通过的阶段作废", "")  # what the rejected card says review starts again with
        assert "已通过" not in told and "等待终审" not in told
        assert 'action="/post/' + post + '/approve"' not in shown  # no button on a rejected post
    after = console.queue.get(post)
    assert after is not None and after.state == st.REJECTED and stages_passed(console, post) == []


def test_qm_approve_of_a_rejected_post_refuses_unless_the_final_say_overrules_it(project: Callable[..., Path]) -> None:
    config, ctx, post = staged_with_accounts(project, 赵初审="editor", 王审核="reviewer")
    assert run_qm("queue", "-c", config).returncode == 0  # the post is in the queue
    assert run_qm("reject", post, "--reason", "标题需要修改", "--by", "赵初审", "-c", config).returncode == 0

    refused = run_qm("approve", post, "--by", "赵初审", "-c", config)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stdout
    assert "由赵初审退回（初审退回：标题需要修改），退回后内容没有改动，不能通过" in refused.stderr
    assert f"qm approve {post} --despite-rejection" in refused.stderr
    editor = run_qm("approve", post, "--despite-rejection", "--by", "赵初审", "-c", config)
    assert editor.returncode == 2 and "需要审核人或更高的角色，你是编辑" in editor.stderr, editor.stdout
    queue = Queue(ctx.engine)
    stored = queue.get(post)
    assert stored is not None and stored.state == st.REJECTED and review.passes(queue, post, stored.version) == []

    overruled = run_qm("approve", post, "--despite-rejection", "--by", "王审核", "-c", config)
    assert overruled.returncode == 0, overruled.stderr
    stored = queue.get(post)
    assert stored is not None and stored.state == st.PLANNED  # 初审 passed; 终审 by another person still to come
    assert "；不顾退回通过：已在 " in queue.history(post)[-1].why
