"""A form sent twice (a double tap on a phone) or from a stale tab: it passes the stage its page showed
once, never the next one, and a refusal lands on the post's page by a redirect (a reload sends nothing)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.support import http_client
from tests.web_helpers import TWO_STAGES, Running, console_server, csrf_of, http_login, local

DAY = "2016-09-08"
FORM_RE = re.compile(r'<form method="post" action="(?P<action>[^"]+/approve)"[^>]*>(?P<body>.*?)</form>', re.S)
FIELD_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def console(campaign: Campaign, plan: Plan, tmp_path: Path, same_person: bool) -> Iterator[Running]:
    rules = dataclasses.replace(TWO_STAGES, same_person=same_person)
    with console_server(local(campaign, tmp_path, rules), plan) as r:
        r.add_user("王编辑", "editor")
        r.add_user("李科长", "reviewer")
        yield r


@pytest.fixture
def lenient(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    """Two stages, and one person may pass both (`review.same_person: true`)."""
    yield from console(heihe, heihe_plan, tmp_path, same_person=True)


@pytest.fixture
def strict(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    yield from console(heihe, heihe_plan, tmp_path, same_person=False)


def client(r: Running) -> httpx.Client:
    return http_client.client(base_url=r.url, follow_redirects=False, timeout=10)


def planned(r: Running) -> list[str]:
    start = dt.datetime.fromisoformat(f"{DAY}T00:00:00+08:00").timestamp()
    return [p.id for p in r.queue.find([st.PLANNED], start, start + 86400)]


def fields_of(body: str) -> dict[str, list[str]]:
    """A form's hidden fields as a browser sends them."""
    fields: dict[str, list[str]] = {}
    for key, value in FIELD_RE.findall(body):
        fields.setdefault(key, []).append(html.unescape(value))
    return fields


def approve_form(page: str) -> tuple[str, dict[str, list[str]]]:
    """The first approve form on a page: its address and its fields."""
    found = FORM_RE.search(page)
    assert found, "no approve form on the page"
    return html.unescape(found["action"]), fields_of(found["body"])


def press(person: httpx.Client, post_id: str) -> None:
    """Press the approve button on the post's page."""
    action, fields = approve_form(person.get(f"/post/{post_id}").text)
    assert person.post(action, data=fields).status_code == 303


def stages_passed(r: Running, post_id: str) -> list[tuple[str, str]]:
    post = r.queue.get(post_id)
    assert post is not None
    return [(p.name, p.who) for p in review.passes(r.queue, post_id, post.version)]


def test_a_double_tap_passes_only_the_stage_the_button_showed(lenient: Running) -> None:
    post = planned(lenient)[0]
    with client(lenient) as chief:
        http_login(chief, "李科长")
        action, fields = approve_form(chief.get(f"/post/{post}").text)
        assert fields["stage"] == ["初审"]
        first, second = (chief.post(action, data=fields) for _ in range(2))  # the same request twice
        assert first.status_code == second.status_code == 303
        assert stages_passed(lenient, post) == [("初审", "李科长")]
        assert lenient.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
        shown = chief.get(second.headers["location"]).text
        assert re.search(r"初审已由 李科长 于 \d\d-\d\d \d\d:\d\d 通过（可能是在另一台设备或另一个窗口里），这次没有再做任何操作。", shown)
        assert "同一个表单" not in shown and "审核完成" not in shown and "通过终审" in shown
        # the final stage, pressed on purpose, still works for the same person
        action, fields = approve_form(shown)
        assert chief.post(action, data=fields).status_code == 303
    assert lenient.queue.get(post).state == st.APPROVED  # type: ignore[union-attr]


def test_a_double_tap_with_same_person_false_is_not_refused(strict: Running) -> None:
    post = planned(strict)[0]
    with client(strict) as editor:
        http_login(editor, "王编辑")
        action, fields = approve_form(editor.get(f"/post/{post}").text)
        editor.post(action, data=fields)
        again = editor.post(action, data=fields)
        assert again.status_code == 303 and "done=again" in again.headers["location"]
        shown = editor.get(again.headers["location"]).text
        assert "初审已由 王编辑 于 " in shown and "same_person" not in shown
    assert stages_passed(strict, post) == [("初审", "王编辑")]


def test_the_whole_day_sent_twice_passes_each_post_one_stage(lenient: Running) -> None:
    posts = planned(lenient)
    with client(lenient) as chief:
        http_login(chief, "李科长")
        page = chief.get(f"/day/{DAY}").text
        bulk = re.search(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', page, re.S)
        assert bulk
        fields = fields_of(bulk[1])
        assert len(fields["post"]) == len(posts)
        for _ in range(2):
            assert chief.post(f"/day/{DAY}/approve", data=fields).status_code == 303
    assert all(stages_passed(lenient, p) == [("初审", "李科长")] for p in posts)
    assert all(lenient.queue.get(p).state == st.PLANNED for p in posts)  # type: ignore[union-attr]


def test_a_stale_page_on_another_device_says_the_stage_was_passed_there_and_by_whom(lenient: Running) -> None:
    """李科长 passes both stages on his phone; his desktop still shows 通过终审: pressing it says who passed
    终审 and when, that the review is complete and nothing more was done (not “the same form sent twice”)."""
    post = planned(lenient)[0]
    with client(lenient) as phone, client(lenient) as desk:
        http_login(phone, "李科长")
        http_login(desk, "李科长")
        lenient.console.clock = lambda: dt.datetime.fromisoformat("2016-09-07T10:20:00+08:00").timestamp()
        press(phone, post)
        action, stale = approve_form(desk.get(f"/post/{post}").text)
        assert stale["stage"] == ["终审"]
        press(phone, post)
        assert lenient.queue.get(post).state == st.APPROVED  # type: ignore[union-attr]
        answer = desk.post(action, data=stale)
        assert answer.status_code == 303 and "done=again" in answer.headers["location"]
        shown = desk.get(answer.headers["location"]).text
    said = f"{post}：终审已由 李科长 于 09-07 10:20 通过，审核已完成（可能是在另一台设备或另一个窗口里），这次没有再做任何操作。"
    assert said in shown and "同一个表单" not in shown
    assert len([e for e in lenient.queue.history(post) if "终审" in e.why]) == 1


def test_a_refusal_from_a_stale_tab_redirects_to_the_post_page(strict: Running) -> None:
    """The colleague's tab still shows 初审; 王编辑 passed it meanwhile. The refusal is a redirect to
    the post's page, which says why; reloading that page submits nothing."""
    post = planned(strict)[0]
    with client(strict) as editor, client(strict) as chief:
        http_login(editor, "王编辑")
        http_login(chief, "李科长")
        action, stale = approve_form(chief.get(f"/post/{post}").text)
        assert editor.post(action, data=approve_form(editor.get(f"/post/{post}").text)[1]).status_code == 303
        refused = chief.post(action, data=stale)
        assert refused.status_code == 303
        target = refused.headers["location"]
        assert target.startswith(f"/post/{post}?note=") and "王编辑" not in target
        history = len(strict.queue.history(post))
        for _ in range(2):  # the page, then a reload
            shown = chief.get(target)
            assert shown.status_code == 200 and f"{post} 的初审已由 王编辑 通过" in shown.text
        assert len(strict.queue.history(post)) == history
        assert "已由" not in editor.get(target).text  # another session's note shows nothing
    assert stages_passed(strict, post) == [("初审", "王编辑")]


@pytest.mark.parametrize("missing", ["stage", "version"])
def test_an_approval_form_without_the_stage_or_version_the_page_showed_passes_nothing(lenient: Running, missing: str) -> None:
    """Every page's approve form says the stage and version it showed; one without (a stale page, a
    crafted request) would pass whatever stage is next: refused, on the post's page, like other refusals."""
    post = planned(lenient)[0]
    with client(lenient) as chief:
        http_login(chief, "李科长")
        action, fields = approve_form(chief.get(f"/post/{post}").text)
        del fields[missing]
        refused = chief.post(action, data=fields)
        assert refused.status_code == 303 and refused.headers["location"].startswith(f"/post/{post}?note=")
        shown = chief.get(refused.headers["location"]).text
        assert "表单没有写明要通过的审核阶段和内容版本" in shown and "请打开这条内容的页面，核对后再按“通过”按钮" in shown
    assert stages_passed(lenient, post) == []


def test_a_day_form_listing_bare_post_ids_passes_none_of_them(lenient: Running) -> None:
    posts = planned(lenient)[:2]
    with client(lenient) as chief:
        http_login(chief, "李科长")
        page = chief.get(f"/day/{DAY}").text
        token = fields_of(page)["csrf"][0]
        answer = chief.post(f"/day/{DAY}/approve", data={"csrf": token, "post": posts})
        assert answer.status_code == 303 and answer.headers["location"].startswith(f"/day/{DAY}?note=")
        note = chief.get(answer.headers["location"]).text
        assert f"以下 2 条没有通过：{posts[0]}：表单没有写明要通过的审核阶段和内容版本" in note
    assert all(stages_passed(lenient, p) == [] for p in posts)


def test_a_refused_rejection_redirects_too(strict: Running) -> None:
    post = planned(strict)[0]
    with client(strict) as editor:
        http_login(editor, "王编辑")
        fields = approve_form(editor.get(f"/post/{post}").text)[1]
        refused = editor.post(f"/post/{post}/reject", data={"csrf": fields["csrf"], "reason": ""})
        assert refused.status_code == 303 and refused.headers["location"].startswith(f"/post/{post}?note=")
        assert "退回时要写明原因" in editor.get(refused.headers["location"]).text


def test_passing_a_stage_says_which_stage_how_many_and_which_comes_next(lenient: Running) -> None:
    """The day's button: "初审通过 N 条，等待终审" (and how many it approved); one post's button: "已通过初审，等待终审。", not the vague 已通过本阶段."""
    posts = planned(lenient)
    with client(lenient) as chief:
        http_login(chief, "李科长")
        action, fields = approve_form(chief.get(f"/post/{posts[0]}").text)
        one = chief.get(chief.post(action, data=fields).headers["location"]).text
        assert f"{posts[0]}：已通过初审，等待终审。" in one and "已通过本阶段" not in one
        page = chief.get(f"/day/{DAY}").text
        bulk = re.search(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', page, re.S)
        assert bulk
        answer = chief.post(f"/day/{DAY}/approve", data=fields_of(bulk[1]))
        day = chief.get(answer.headers["location"]).text
    assert f"初审通过 {len(posts) - 1} 条，等待终审。" in day and "已通过本阶段" not in day


def test_a_day_with_posts_at_different_stages_offers_one_button_per_stage_and_says_each(strict: Running) -> None:
    """王编辑 passed 初审 of one post; for 李科长 the day offers 通过初审 for the others and, apart, 通过终审
    (saying it completes the review) for that one: no single tap passes a final stage unsaid."""
    posts = planned(strict)
    with client(strict) as editor, client(strict) as chief:
        http_login(editor, "王编辑")
        press(editor, posts[0])
        http_login(chief, "李科长")
        page = chief.get(f"/day/{DAY}").text
        forms = re.findall(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', page, re.S)
        buttons = [html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<button[^>]*>(.*?)</button>", f, re.S)[1])) for f in forms]  # type: ignore[index]
        assert buttons == [f"通过初审：{len(posts) - 1} 条（之后等待终审）", "通过终审：1 条（审核完成，将按时发布）"]
        assert "按阶段分别通过" in page
        assert [len(fields_of(f)["post"]) for f in forms] == [len(posts) - 1, 1]
        both = {"csrf": fields_of(forms[0])["csrf"], "post": fields_of(forms[0])["post"] + fields_of(forms[1])["post"]}
        day = chief.get(chief.post(f"/day/{DAY}/approve", data=both).headers["location"]).text  # both lists in one form
    assert f"通过：初审 {len(posts) - 1} 条（等待终审）、终审 1 条（审核完成，将按时发布）。" in day
    assert strict.queue.get(posts[0]).state == st.APPROVED  # type: ignore[union-attr]


def test_a_refused_day_approval_counts_only_the_posts_it_passed(strict: Running) -> None:
    """One post refused, one passed already on another device, one passed now: the day page says one passed,
    and that the other was passed before (not “two passed”)."""
    refused, before, now = planned(strict)[:3]
    review.pass_stage(strict.queue, before, "王编辑", 0.0, TWO_STAGES)  # 初审, on his phone
    with client(strict) as editor:
        http_login(editor, "王编辑")
        token = csrf_of(editor.get(f"/day/{DAY}").text)
        listed = [f"{p} {strict.queue.get(p).version} {stage}" for p, stage in ((refused, "终审"), (before, "初审"), (now, "初审"))]  # type: ignore[union-attr]
        answer = editor.post(f"/day/{DAY}/approve", data={"csrf": token, "post": listed})
        note = editor.get(answer.headers["location"]).text
    said = "通过了 1 条；1 条此前已通过（可能是在另一台设备或另一个窗口里），这次没有再做任何操作；以下 1 条没有通过："
    assert said in note, re.findall(r"通过了[^<]*", note)
    assert stages_passed(strict, now) == [("初审", "王编辑")] and stages_passed(strict, before) == [("初审", "王编辑")]


def test_a_link_cannot_make_the_day_page_say_posts_were_approved(lenient: Running) -> None:
    """What a day's approval passed is kept for the session that pressed the button: a link saying
    `done=passed&passed=初审:12&again=3` shows nothing of it, a count no number (³, 4,400 nines) is no server
    error, and another session opening the approval's own address is told nothing either."""
    posts = planned(lenient)
    with client(lenient) as chief, client(lenient) as editor:
        http_login(chief, "李科长")
        http_login(editor, "王编辑")
        for forged in ("passed=初审:12&again=3", "passed=终审:12&again=³", "again=" + "9" * 4400):
            page = chief.get(f"/day/{DAY}?done=passed&{forged}")
            assert page.status_code == 200, page.text
            assert "12 条" not in page.text and "此前已通过" not in page.text and "审核完成" not in page.text, page.text
        bulk = re.search(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', chief.get(f"/day/{DAY}").text, re.S)
        assert bulk
        location = chief.post(f"/day/{DAY}/approve", data=fields_of(bulk[1])).headers["location"]
        said = f"初审通过 {len(posts)} 条，等待终审。"
        assert said in chief.get(location).text and said not in editor.get(location).text
