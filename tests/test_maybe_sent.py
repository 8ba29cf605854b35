"""A Weibo post fails in a way that may have put it on Weibo (the submit timed out: the daemon records it failed,
its receipt marked `sending`). Its words must not go out a second time: a time moved in the config gives them
to no other slot that day, `qm retry` refuses while another post carries them, and an edit leaves the words on
record so that `qm confirm` can still record them. Real SQLite queue, the real command line, a fixed clock."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.publishing import states as st

from .conftest import run_qm
from .test_web_core import client
from .web_helpers import console_server, csrf_of, http_login

POST = "20270908-weibo-1730"
MORNING = "2027-09-08T07:00+08:00"
EVENING = "2027-09-08T17:50+08:00"
UNCLEAR = "{0} 发微博时微博接口 statuses/share 在 10 秒内没有应答（请求可能已生效），无法确认是否已发出：请到微博核实"


def _qm(config: Path, *args: str, now: str = MORNING) -> tuple[int, str, str]:
    done = run_qm(*args, "-c", config, env={**os.environ, "QM_NOW": now}, cwd=config.parent)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def _posts(config: Path, now: str = MORNING) -> dict[str, dict[str, object]]:
    code, out, err = _qm(config, "queue", "--json", now=now)
    assert code == 0, err
    return {str(p["id"]): p for p in json.loads(out)}


def _fail(config: Path, post_id: str, stage: str) -> None:
    """What the daemon records when the attempt ends: `sending` when the submit timed out (it may be on Weibo),
    `ready` when Weibo refused it (nothing went out)."""
    error = UNCLEAR.format(post_id) if stage == "sending" else "微博接口 statuses/share 返回错误 20021（正文含有违规内容）"
    _failed_with(config, post_id, lambda version: {"version": version, "stage": stage}, error)


def _failed_with(config: Path, post_id: str, data: Callable[[str], dict[str, object]] | None, error: str, state: str = st.FAILED) -> None:
    """The post failed after one attempt, its receipt holding `data(version)` (None: no receipt); in `state` since
    (scheduled: waiting for the daemon's retry)."""
    db = sqlite3.connect(load_campaign(config).db_url.removeprefix("sqlite:///"))
    with db:
        (version,) = db.execute("SELECT version FROM posts WHERE id = ?", (post_id,)).fetchone()
        receipt = None if data is None else {"status": "accepted", "external_id": "", "url": "", "data": data(version)}
        db.execute(
            "UPDATE posts SET state = ?, attempts = 1, receipt = ?, last_error = ? WHERE id = ?",
            (state, None if receipt is None else json.dumps(receipt, ensure_ascii=False), error, post_id),
        )
    db.close()


def _press(config: Path, action: str, **form: str) -> tuple[str, str]:
    """李科长 (a reviewer) presses the post's `action` button on the console in the evening: where it leads, and that page."""
    with console_server(load_campaign(config)) as r, client(r) as c:
        r.add_user("李科长", "reviewer")
        r.console.clock = lambda: dt.datetime.fromisoformat(EVENING).timestamp()
        assert http_login(c, "李科长").status_code == 303
        done = c.post(f"/post/{POST}/{action}", data={"csrf": csrf_of(c.get(f"/post/{POST}").text), **form})
        assert done.status_code == 303, done.text
        return done.headers["location"], c.get(done.headers["location"]).text


def _move(config: Path) -> None:
    text = config.read_text(encoding="utf-8")
    assert 'times: ["09:30", "17:30"]' in text
    config.write_text(text.replace('times: ["09:30", "17:30"]', 'times: ["09:30", "18:00"]'), encoding="utf-8")


def _item_file(config: Path, item: str) -> Path:
    return next(p for p in (config.parent / "content").rglob("*.md") if f"\nid: {item}\n" in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("auto", [False, True])
def test_a_time_moved_after_a_post_failed_that_may_be_out_gives_its_words_no_other_slot_that_day(
    project: Callable[..., Path], auto: bool
) -> None:
    config = project((lambda t: t.replace("    grace_minutes: 60\n", "    grace_minutes: 60\n    auto_approve: true\n")) if auto else None)
    before = _posts(config)
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _fail(config, POST, "sending")
    _move(config)
    code, _, err = _qm(config, "queue", now=EVENING)
    assert code == 0, err
    after = _posts(config, EVENING)
    item = before[POST]["item"]
    assert after[POST]["state"] == st.FAILED and after[POST]["item"] == item
    others = {i: p["state"] for i, p in after.items() if p["channel"] == "weibo" and p["item"] == item and i != POST}
    assert all(s == st.CANCELLED for s in others.values()), others  # nothing else carries these words
    assert "20270908-weibo-1800" not in after or after["20270908-weibo-1800"]["state"] == st.CANCELLED
    assert "9月8日 微博 17:30 的发布失败，但可能已经发出" in err and "不再另排 18:00" in err
    assert after["20270909-weibo-1800"]["item"] == before["20270909-weibo-1730"]["item"]  # the days to come move as before


def test_retry_is_refused_while_another_post_of_the_channel_carries_the_same_words(project: Callable[..., Path]) -> None:
    """Weibo refused the 17:30 post (nothing went out); the time moved to 18:00 and the new slot took its words.
    Sending 17:30 again as well would put them out twice: refused, naming 18:00, and nothing is written."""
    config = project()
    before = _posts(config)
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _fail(config, POST, "ready")
    _move(config)
    assert _qm(config, "queue", now=EVENING)[0] == 0
    moved = _posts(config, EVENING)["20270908-weibo-1800"]
    assert moved["item"] == before[POST]["item"] and moved["state"] == st.PLANNED  # the failed post's words follow the time
    history = _qm(config, "history", POST, now=EVENING)[1]
    code, out, err = _qm(config, "retry", POST, "--by", "张科长", now=EVENING)
    assert code == 2 and "已重新排入" not in out
    assert f"同一条内容 {before[POST]['item']} 在微博上还有 20270908-weibo-1800（待审核）" in err
    assert "qm cancel 20270908-weibo-1800" in err
    assert _posts(config, EVENING)[POST]["state"] == st.FAILED and _qm(config, "history", POST, now=EVENING)[1] == history
    where, page = _press(config, "retry")  # the console's 重发 says the same
    assert where.startswith(f"/post/{POST}?note=") and "还有 20270908-weibo-1800（待审核）" in page
    assert _qm(config, "history", POST, now=EVENING)[1] == history
    assert _qm(config, "cancel", "20270908-weibo-1800", "--by", "李科长", "--reason", "改发原时段", now=EVENING)[0] == 0
    code, out, err = _qm(config, "retry", POST, "--by", "李科长", now=EVENING)
    assert code == 0 and "已重新排入发布" in out, err


def _failed_then_edited(config: Path) -> dict[str, object]:
    """The approved 17:30 post failed after its submit timed out, then its item was edited and the queue refreshed:
    the post as it was queued."""
    before = _posts(config)[POST]
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _fail(config, POST, "sending")
    path = _item_file(config, str(before["item"]))
    path.write_text(path.read_text(encoding="utf-8").replace("\nsummary: ", "\nsummary: 修订：", 1), encoding="utf-8")
    assert _qm(config, "queue", now=EVENING)[0] == 0
    return before


def test_a_failed_post_that_may_be_out_keeps_its_words_through_an_edit_so_it_can_be_confirmed(project: Callable[..., Path]) -> None:
    config = project()
    before = {POST: _failed_then_edited(config)}
    after = _posts(config, EVENING)[POST]
    assert (after["state"], after["version"]) == (st.FAILED, before[POST]["version"])  # the words that may be out, on record
    assert "保留当时的文字作为记录" in _qm(config, "history", POST, now=EVENING)[1]
    row = next(line for line in _qm(config, "queue", now=EVENING)[1].splitlines() if POST in line)  # the note says why
    assert (
        "请求可能已生效" in row
        and "修改后的文字暂不换上" in row
        and "版本" not in row
        and f"暂不换上：可能已经发出的文字保留作记录（qm history {POST}）" in row
    )
    code, _, err = _qm(config, "confirm", POST, "--url", "https://weibo.com/1/2", "--by", "张科长", now=EVENING)
    assert code == 0, err
    assert _posts(config, EVENING)[POST]["state"] == st.PUBLISHED


def test_retry_after_an_edit_sends_the_edited_words_only_after_review(project: Callable[..., Path]) -> None:
    config = project()
    before = {POST: _failed_then_edited(config)}
    code, _, err = _qm(config, "retry", POST, "--by", "张科长", now=EVENING)
    assert code == 0, err
    after = _posts(config, EVENING)[POST]
    assert after["state"] == st.PLANNED and after["version"] != before[POST]["version"]
    assert _qm(config, "queue", now=EVENING)[0] == 0  # the next refresh leaves the edited words waiting for review
    again = _posts(config, EVENING)[POST]
    assert (again["state"], again["version"]) == (st.PLANNED, after["version"])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (lambda _version: {}, "无法写入发件箱：磁盘已满"),  # the outbox wrote nothing and cleared its record
        (None, "不能通过微博接口发布：微博 access_token 已于 2027-09-01 过期"),  # refused before any checkpoint
        (None, "渠道 weibo 已不在配置中"),
    ],
    ids=["outbox-nothing-written", "weibo-token-expired", "channel-gone"],
)
def test_an_edit_to_a_post_that_failed_before_anything_went_out_takes_effect(
    project: Callable[..., Path], data: Callable[[str], dict[str, object]] | None, error: str
) -> None:
    """A failure whose receipt does not show the irrevocable call was reached sent nothing: the fix the message asks
    for is not kept aside as if the old words might be on the platform, and the plan does not hold the item back."""
    config = project()
    before = _posts(config)[POST]
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _failed_with(config, POST, data, error)
    path = _item_file(config, str(before["item"]))
    path.write_text(path.read_text(encoding="utf-8").replace("\nsummary: ", "\nsummary: 修订：", 1), encoding="utf-8")
    code, _, err = _qm(config, "queue", now=EVENING)
    assert code == 0 and "可能已经发出" not in err, err
    assert _posts(config, EVENING)[POST]["version"] != before["version"]  # the edit is in place
    assert "可能已经发出" not in _qm(config, "history", POST, now=EVENING)[1]


@pytest.mark.parametrize("via", ["cli", "console"])
def test_an_edit_saved_while_the_post_was_publishing_is_what_a_retry_sends_after_review(project: Callable[..., Path], via: str) -> None:
    """The edit's refresh left the publishing post alone; the attempt then failed, maybe out. 重发 before any other
    refresh reads the content first: the edited words go to review instead of the approved old ones going out."""
    config = project()
    before = _posts(config)[POST]
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    db = sqlite3.connect(load_campaign(config).db_url.removeprefix("sqlite:///"))
    with db:
        db.execute("UPDATE posts SET state = ?, attempts = 1 WHERE id = ?", (st.PUBLISHING, POST))
    db.close()
    path = _item_file(config, str(before["item"]))
    path.write_text(path.read_text(encoding="utf-8").replace("\nsummary: ", "\nsummary: 修订：", 1), encoding="utf-8")
    assert _qm(config, "queue", now=MORNING)[0] == 0  # saved while publishing: the post keeps its words
    assert _posts(config)[POST]["version"] == before["version"]
    _fail(config, POST, "sending")
    if via == "cli":
        code, out, err = _qm(config, "retry", POST, "--by", "张科长", now=EVENING)
        assert code == 0 and "已回到“待审核”" in out, err
    else:
        assert "done=retried-review" in _press(config, "retry")[0]
    after = _posts(config, EVENING)[POST]
    assert after["state"] == st.PLANNED and after["version"] != before["version"]
    assert "换上发布失败后修改的文字" in _qm(config, "history", POST, now=EVENING)[1]


@pytest.mark.parametrize("stage", ["sending", "ready"])
def test_a_cancelled_post_with_the_same_words_is_not_sent_again_while_a_failed_one_may_be_out(
    project: Callable[..., Path], stage: str
) -> None:
    """The 17:30 post failed, maybe on Weibo (`sending`); the 09:30 post carries the same item, cancelled. Sending it
    again could put the words out twice: refused, naming 17:30 and what to check. Weibo refused 17:30 (`ready`):
    nothing went out, 09:30 may be sent."""
    config = project()
    before = _posts(config)
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _fail(config, POST, stage)
    twin = "20270908-weibo-0930"
    db = sqlite3.connect(load_campaign(config).db_url.removeprefix("sqlite:///"))
    with db:  # as a slot the plan dropped leaves it
        db.execute("UPDATE posts SET item = ?, state = ? WHERE id = ?", (before[POST]["item"], st.CANCELLED, twin))
    db.close()
    code, out, err = _qm(config, "retry", twin, "--by", "张科长", now=EVENING)
    if stage == "ready":
        assert code == 0 and "已回到“待审核”" in out, err
        return
    assert code == 2 and f"还有 {POST}（失败，可能已经发出），再发就是重复发布" in err, err
    assert f"qm confirm {POST} --url 链接 补记，{twin} 不必重发" in err and f"qm retry {POST} 重发那一条" in err
    assert _posts(config, EVENING)[twin]["state"] == st.CANCELLED


@pytest.mark.parametrize("via", ["cli", "console"])
def test_cancelling_a_post_that_may_be_out_says_so_and_it_can_still_be_confirmed(project: Callable[..., Path], via: str) -> None:
    """取消 stops further attempts but the post may be on Weibo already: the cancel says so and how to record it, the
    plan still says 17:30 may be out when the time moves, and `qm confirm` records it."""
    config = project()
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _fail(config, POST, "sending")
    told = f"但请注意，{POST} 之前的发布可能已经发出：请到平台核实，已发出的用 qm confirm {POST} --url 链接 补记（取消后仍可补记）。"
    if via == "cli":
        code, out, err = _qm(config, "cancel", POST, "--by", "张科长", "--reason", "活动改期", now=EVENING)
        assert code == 0 and out.strip() == f"已取消 {POST}，不再发布。{told}", err
    else:
        where, page = _press(config, "cancel", reason="活动改期")
        assert "done=cancelled-maybe-out" in where and f"已取消发布，不再发出。{told}" in page, page
    assert _posts(config, EVENING)[POST]["state"] == st.CANCELLED
    _move(config)
    code, _, err = _qm(config, "queue", now=EVENING)
    assert code == 0 and "17:30 的发布失败，但可能已经发出" in err and "不再另排 18:00" in err, err
    who = "张科长" if via == "cli" else "李科长"  # once the console has accounts, one of them
    code, _, err = _qm(config, "confirm", POST, "--url", "https://weibo.com/1/2", "--by", who, now=EVENING)
    assert code == 0, err
    assert _posts(config, EVENING)[POST]["state"] == st.PUBLISHED


@pytest.mark.parametrize("via", ["cli", "console"])
def test_a_post_waiting_to_retry_after_an_attempt_that_may_be_out_is_not_rejected(project: Callable[..., Path], via: str) -> None:
    """Rejected, it would stay on the platform if it is there, never be tried again, keep its fix aside for a retry
    that never comes, and `qm retry` would refuse it: refused, saying it may be out and what to do instead."""
    config = project()
    assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    _failed_with(config, POST, lambda version: {"version": version, "stage": "sending"}, UNCLEAR.format(POST), st.SCHEDULED)
    history = _qm(config, "history", POST, now=EVENING)[1]
    told = f"{POST} 不能退回：之前的一次发布可能已经发出"
    if via == "cli":
        code, out, err = _qm(config, "reject", POST, "--by", "张科长", "--reason", "标题有错字", now=EVENING)
        assert code == 2 and "已退回" not in out and told in err, err
        assert f"用 qm cancel {POST}" in err and f"取消后用 qm confirm {POST} --url 链接 补记" in err
    else:
        assert told in _press(config, "reject", reason="标题有错字")[1]
    assert _posts(config, EVENING)[POST]["state"] == st.SCHEDULED and _qm(config, "history", POST, now=EVENING)[1] == history


@pytest.mark.parametrize(
    ("state", "said"),
    [
        (st.CANCELLED, "已取消，但取消之前的一次发布可能已经发出"),
        (st.MISSED, "记为已错过，但之前的一次发布可能已经发出"),
        (st.REJECTED, "已退回，但退回之前的一次发布可能已经发出"),  # rejected before rejecting such a post was refused
    ],
    ids=["cancelled", "missed", "rejected"],
)
def test_the_history_says_why_an_edit_waits_as_the_post_stands_not_that_it_failed(
    project: Callable[..., Path], state: str, said: str
) -> None:
    """Neither failed nor tried again by the daemon: the history says what happened and that `qm retry` takes the
    edit; for a rejected one, that it must be cancelled first (then `qm retry` does)."""
    config = project()
    before = _posts(config)[POST]
    _failed_with(config, POST, lambda version: {"version": version, "stage": "sending"}, UNCLEAR.format(POST), state)
    path = _item_file(config, str(before["item"]))
    path.write_text(path.read_text(encoding="utf-8").replace("\nsummary: ", "\nsummary: 修订：", 1), encoding="utf-8")
    assert _qm(config, "queue", now=EVENING)[0] == 0
    history = _qm(config, "history", POST, now=EVENING)[1]
    assert said in history and "发布失败时" not in history and "后台服务重试时" not in history, history
    assert "后台服务不会再发它" in history
    if state == st.REJECTED:
        assert _qm(config, "retry", POST, "--by", "张科长", now=EVENING)[0] == 2  # as the history says: cancel first
        assert "先 qm cancel 取消" in history
        assert _qm(config, "cancel", POST, "--by", "张科长", now=EVENING)[0] == 0
    code, out, err = _qm(config, "retry", POST, "--by", "张科长", now=EVENING)
    assert code == 0 and "已回到“待审核”" in out, err
    assert _posts(config, EVENING)[POST]["version"] != before["version"]  # the edited words, to review


@pytest.mark.parametrize("approved", [False, True], ids=["never-approved", "approved"])
def test_confirming_a_cancelled_post_no_attempt_sent_says_qm_never_sent_it(project: Callable[..., Path], approved: bool) -> None:
    """Cancelled before any attempt of qm's reached the platform, reviewed or not: the refusal says qm never sent it
    (not that it failed and was edited since) and how to send it."""
    config = project()
    assert _posts(config)[POST]["state"] == st.PLANNED
    if approved:
        assert _qm(config, "approve", POST, "--by", "张科长")[0] == 0
    assert _qm(config, "cancel", POST, "--by", "张科长", "--reason", "活动改期", now=EVENING)[0] == 0
    code, out, err = _qm(config, "confirm", POST, "--url", "https://weibo.com/1/2", "--by", "张科长", now=EVENING)
    assert code == 2 and "已确认" not in out, out
    assert f"{POST} 已取消，qm 没有发出过它" in err and f"先 qm retry {POST} 再审核" in err and "发布失败" not in err, err
    assert _posts(config, EVENING)[POST]["state"] == st.CANCELLED


def test_qm_queue_says_when_the_posts_a_moved_time_put_in_were_approved_automatically(project: Callable[..., Path]) -> None:
    """On an auto-approve channel the posts of the new time are approved as they come in: the notice says so,
    not that they wait for review."""
    config = project(lambda t: t.replace("    grace_minutes: 60\n", "    grace_minutes: 60\n    auto_approve: true\n"))
    assert _posts(config)[POST]["state"] == st.APPROVED
    _move(config)
    code, out, err = _qm(config, "queue")
    assert code == 0 and "取消了 23 条已审核的内容" in out, err
    assert "新排进来的内容要审核" not in out
    assert "20270908-weibo-1800" in out.split("已自动审核通过")[0] and "不经人工审核就会按时发出" in out
