"""A reason for 退回, 取消 or the emergency pause is held on the server to what the form lets through (200 characters),
and a blank 退回 or 取消 reason (spaces only) returns to the page it was written on, at the post's card, saying what is missing
(the pause form says it in the same words). `qm pause` holds to the same length: tests/test_daemon_cli.py. A reason
holding a character not seen (a line break, a terminal escape, a direction override) is refused as well; the command
line's side: tests/test_stored_text_escaped.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from tests.test_web_repeat import DAY, client, fields_of, planned
from tests.web_helpers import Running, console_server, http_login, local


@pytest.fixture
def console(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path), heihe_plan) as r:
        r.add_user("王审核", "reviewer")
        yield r


def test_a_reason_of_spaces_returns_to_the_day_page_at_the_posts_card(console: Running) -> None:
    post = planned(console)[1]
    with client(console) as reviewer:
        http_login(reviewer, "王审核")
        token = fields_of(reviewer.get(f"/day/{DAY}").text)["csrf"][0]
        answer = reviewer.post(f"/post/{post}/reject", data={"csrf": token, "reason": "   ", "back": f"/day/{DAY}"})
        target = answer.headers["location"]
        assert answer.status_code == 303 and target.startswith(f"/day/{DAY}?note=") and target.endswith(f"#post-{post}")
        card = re.search(rf'<article class="post" id="post-{post}">(.*?)</article>', reviewer.get(target).text, re.S)
        assert card is not None and f"{post}：退回时要写明原因（写在“退回原因”里，只有空格不算），这次没有退回。" in card[1]
    assert console.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]


@pytest.mark.parametrize(("action", "act"), [("reject", "退回"), ("cancel", "取消")])
def test_a_reason_longer_than_the_form_allows_is_refused_on_the_server(console: Running, action: str, act: str) -> None:
    post = planned(console)[0]
    history = len(console.queue.history(post))
    with client(console) as reviewer:
        http_login(reviewer, "王审核")
        token = fields_of(reviewer.get(f"/day/{DAY}").text)["csrf"][0]
        sent = {"csrf": token, "reason": "标题有错字" * 980, "back": f"/day/{DAY}"}  # 4,900 characters past maxlength=200
        answer = reviewer.post(f"/post/{post}/{action}", data=sent)
        assert answer.status_code == 303
        assert f"{post}：{act}原因最多 200 字，这次写了 4900 字，没有{act}" in reviewer.get(answer.headers["location"]).text
        assert console.queue.get(post).state == st.PLANNED and len(console.queue.history(post)) == history  # type: ignore[union-attr]
        sent["reason"] = "标题有错字" * 40  # exactly 200: what the form lets through
        assert "done=" in reviewer.post(f"/post/{post}/{action}", data=sent).headers["location"]
    assert console.queue.get(post).state == (st.REJECTED if action == "reject" else st.CANCELLED)  # type: ignore[union-attr]


def test_a_pause_reason_longer_than_the_form_allows_is_refused_on_the_server(console: Running) -> None:
    console.add_user("张主任", "admin")
    with client(console) as admin:
        http_login(admin, "张主任")
        token = fields_of(admin.get("/status").text)["csrf"][0]
        sent = {"csrf": token, "channel": "*", "reason": "   "}  # spaces only: no reason
        said = admin.get(admin.post("/status/pause", data=sent).headers["location"]).text
        assert "暂停时要写明原因（写在“暂停原因”里，只有空格不算），这次没有暂停。" in said and "<label>暂停原因 " in said, said
        sent["reason"] = "全国哀悼日" * 41  # 205 characters, past maxlength=200
        answer = admin.post("/status/pause", data=sent)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/status?note="), answer.headers
        said = admin.get(answer.headers["location"]).text
        assert "暂停原因最多 200 字，这次写了 205 字，没有暂停：请写简短些再按“紧急暂停”。" in said, said
        assert review.paused(console.queue) == {}
        sent["reason"] = "全国哀悼日" * 40  # exactly 200: what the form lets through
        assert "done=" in admin.post("/status/pause", data=sent).headers["location"]
    assert review.paused(console.queue)["*"][0] == "全国哀悼日" * 40


@pytest.mark.parametrize(
    "reason", ["措辞\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b[2K\r已通过终审", "错别字\x08\x08\x08已改好", "标题\u202e有错字"]
)
def test_a_reject_reason_with_a_character_not_seen_is_refused_in_the_console(console: Running, reason: str) -> None:
    post = planned(console)[0]
    with client(console) as reviewer:
        http_login(reviewer, "王审核")
        token = fields_of(reviewer.get(f"/day/{DAY}").text)["csrf"][0]
        answer = reviewer.post(f"/post/{post}/reject", data={"csrf": token, "reason": reason, "back": f"/day/{DAY}"})
        assert answer.status_code == 303
        said = reviewer.get(answer.headers["location"]).text
    assert "退回原因里有看不见的字符" in said and "没有退回：请删去后再按“退回”。" in said, said
    assert console.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]


def test_a_reason_typed_over_several_lines_is_kept_as_one_line(console: Running) -> None:
    """The reason boxes wrap and take Enter: the lines typed are one reason (a line break would forge a heading
    in a robot's notice and a line in the history), not a refusal."""
    console.add_user("张主任", "admin")
    post = planned(console)[0]
    with client(console) as admin:
        http_login(admin, "张主任")
        token = fields_of(admin.get("/status").text)["csrf"][0]
        answer = admin.post("/status/pause", data={"csrf": token, "channel": "*", "reason": "哀悼日\r\n\t- [恢复](http://x.example)"})
        assert "done=" in answer.headers["location"], answer.headers
        sent = {"csrf": token, "reason": "标题有错字\n\n  摘要太长", "back": f"/day/{DAY}"}
        assert "done=" in admin.post(f"/post/{post}/reject", data=sent).headers["location"]
    assert review.paused(console.queue)["*"][0] == "哀悼日 - [恢复](http://x.example)"
    assert console.queue.history(post)[-1].why.endswith("：标题有错字 摘要太长")
