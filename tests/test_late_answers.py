"""An earlier attempt's platform answer that arrives after a takeover moved the post on: what went out wins.

The daemon cut off from the database is inside its platform call (behind a gate) for longer than the
daemon that took over waited: that one found nothing on the channel and scheduled the post again,
or is publishing it again. The old call then lands. Its answer must be recorded, and the new attempt
must not send the post a second time (real SQLite; the other daemon's moves are its queue calls).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler import jobs
from scheduler.channels.base import OutgoingPost, TransientError
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.post_rows import receipt_json
from scheduler.publishing.queue import TransitionError
from scheduler.support.values import Receipt

from .daemon_helpers import Harness
from .test_races import WEIBO, Gate, harness, inside_the_call, reads_post, renderer  # noqa: F401  (fixtures)

AGAIN = "上次发布被中断，渠道确认未发出，重新发布"  # the takeover's judgement (`recovery`)
TAKEN = Receipt("accepted", external_id="pub-7", data={"publish_id": "pub-7"})  # e.g. WeChat's publish job


def _the_call_lands(gate: Gate, publisher: threading.Thread) -> None:
    gate.opened.set()
    publisher.join(10)
    assert not publisher.is_alive()


def _why_last(h: Harness) -> str:
    return h.queue.history(WEIBO)[-1].why


def _notices(h: Harness) -> list[str]:
    return [n.title for n in h.notifications.sent]  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", [None, TAKEN], ids=["published", "taken"])
def test_an_answer_that_lands_after_the_post_was_scheduled_again_wins_and_the_new_publish_job_sends_nothing(
    harness: Harness,  # noqa: F811
    answer: Receipt | None,
) -> None:
    h = harness
    daemon, gate, publisher = inside_the_call(h, answer)
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, "后台服务", AGAIN, h.now, attempt=1, next_try=h.now)
    fired: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        # the new publish job has read the post (scheduled); the old call lands before it claims it
        if threading.current_thread() is threading.main_thread() and not fired and reads_post(WEIBO)(statement, parameters):
            fired.append(True)
            _the_call_lands(gate, publisher)

    sa.event.listen(daemon.queue.engine, "after_cursor_execute", after)
    daemon.publish(WEIBO)  # the job the takeover scheduled
    sa.event.remove(daemon.queue.engine, "after_cursor_execute", after)
    assert fired
    post = h.queue.get(WEIBO)
    assert post is not None and post.attempts == 1 and post.receipt is not None
    assert len(h.ledger.deliveries[WEIBO]) == 1  # once: the new attempt claimed nothing
    if answer is None:
        assert post.state == st.PUBLISHED and post.published_at is not None
        assert _why_last(h) == "发布成功（第 1 次发布的平台应答在这条内容重新排入发布之后才到：以它为准，不再重发）"
    else:
        assert post.state == st.ACCEPTED and post.receipt.data["publish_id"] == "pub-7"
        assert jobs.poll_id(WEIBO) in daemon.shared.job_ids()  # followed up until the platform says published
    assert not [t for t in _notices(h) if WEIBO in t]


def test_an_answer_that_lands_while_a_newer_attempt_is_in_its_call_is_recorded_and_a_person_is_told(harness: Harness) -> None:  # noqa: F811
    h = harness
    _daemon, gate, publisher = inside_the_call(h)
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, "后台服务", AGAIN, h.now, attempt=1, next_try=h.now)
    newer = h.queue.claim(WEIBO, "后台服务", h.now)  # the daemon that took over is publishing it again
    assert newer is not None and newer.attempts == 2
    _the_call_lands(gate, publisher)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHED  # the newer attempt's next checkpoint is refused
    assert _why_last(h) == "发布成功（第 1 次发布的平台应答在第 2 次发布的过程中才到：那一次若也已发出，平台上会有两条）"
    assert _notices(h) == [f"【可能重复发布】{WEIBO}"]
    lines = h.notifications.sent[0].lines  # type: ignore[union-attr]
    assert any("删除重复的一条" in line for line in lines) and not any("qm retry" in line for line in lines)


def test_an_answer_that_lands_after_a_newer_attempt_published_the_post_tells_a_person_it_is_out_twice(harness: Harness) -> None:  # noqa: F811
    h = harness
    _daemon, gate, publisher = inside_the_call(h)
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, "后台服务", AGAIN, h.now, attempt=1, next_try=h.now)
    assert h.queue.claim(WEIBO, "后台服务", h.now) is not None
    again = Receipt("published", external_id="weibo-again")
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.PUBLISHED, "后台服务", "发布成功", h.now, attempt=2, receipt=receipt_json(again))
    _the_call_lands(gate, publisher)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHED and post.receipt == again
    assert _notices(h) == [f"【重复发布】{WEIBO}"]
    assert any("平台上有两条" in line for line in h.notifications.sent[0].lines)  # type: ignore[union-attr]


def test_an_answer_that_lands_after_a_person_cancelled_the_post_scheduled_again_is_kept_and_a_person_is_told(
    harness: Harness,  # noqa: F811
) -> None:
    h = harness
    _daemon, gate, publisher = inside_the_call(h, TAKEN)
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, "后台服务", AGAIN, h.now, attempt=1, next_try=h.now)
    review.cancel(h.queue, WEIBO, "王科长", "活动改期", h.now)
    _the_call_lands(gate, publisher)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.CANCELLED and post.receipt == TAKEN
    assert _notices(h) == [f"【发布结果晚到】{WEIBO}"]
    with pytest.raises(TransitionError, match="不能重发"):  # what the platform has is never sent again
        review.retry(h.queue, WEIBO, "王科长", h.now)


class Overtaken(Gate):
    """The first attempt waits behind the gate; the second, inside its own call, sees the first land, then fails."""

    first: threading.Thread | None = None  # the first attempt's publish

    def publish(self, post: OutgoingPost) -> Receipt:
        if post.attempt == 1:
            return super().publish(post)
        self.opened.set()
        assert self.first is not None
        self.first.join(10)
        raise TransientError("平台繁忙，请稍后再试", self.name)


def test_a_newer_attempt_that_fails_after_the_earlier_answer_was_recorded_leaves_it_recorded(harness: Harness) -> None:  # noqa: F811
    h = harness
    daemon, gate, publisher = inside_the_call(h, TAKEN, Overtaken)
    assert isinstance(gate, Overtaken)
    gate.first = publisher
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, "后台服务", AGAIN, h.now, attempt=1, next_try=h.now)
    daemon.publish(WEIBO)  # the takeover's attempt: inside its call the first one lands, then its own fails
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.ACCEPTED and post.attempts == 2 and post.receipt == TAKEN
    assert _notices(h) == [f"【可能重复发布】{WEIBO}"]
