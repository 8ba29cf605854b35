"""A late outcome of an older publish attempt leaves the newer attempt alone.

A daemon cut off from the database (its process stalled past the standby's wait) may answer long
after the daemon that took over judged the post not sent and claimed it again. Its "try again later"
or its failure is about its own attempt: it must not move the newer attempt's post back to
`scheduled`, fail it, or take it for one the platform has. On real SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import threading

import pytest

from scheduler.channels.base import Channel, ChannelError, OutgoingPost, PermanentError, TransientError
from scheduler.publishing import states as st
from scheduler.support.values import Receipt

from .daemon_helpers import Harness, Recorder
from .test_lease import engine, pg_harness  # noqa: F401  (fixtures)
from .test_races import WEIBO, WEIBO_AT, Gate, harness, renderer  # noqa: F401  (fixtures)

TAKER = "接管的服务"


class LateAnswer(Gate):
    """The old holder's platform call: it stalls until the test opens the gate, then the platform answers `error`."""

    def __init__(self, inner: Channel, error: ChannelError) -> None:
        super().__init__(inner)
        self.error = error

    def publish(self, post: OutgoingPost) -> Receipt:
        self.entered.set()
        assert self.opened.wait(10)
        raise self.error


@pytest.fixture(params=["sqlite", "postgresql"])
def either(request: pytest.FixtureRequest) -> Harness:
    return request.getfixturevalue("harness" if request.param == "sqlite" else "pg_harness")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("error", "platform_has_it"),
    [
        (TransientError("平台繁忙，请稍后再试", "weibo"), False),  # was moved back to scheduled
        (PermanentError("凭据已失效", "weibo"), False),  # was failed while the newer attempt publishes it
        (TransientError("平台繁忙，请稍后再试", "weibo"), True),  # was taken for the newer attempt's platform answer
    ],
)
def test_a_late_outcome_of_an_older_attempt_leaves_the_newer_attempt_alone(
    either: Harness, error: ChannelError, platform_has_it: bool, caplog: pytest.LogCaptureFixture
) -> None:
    h = either
    gate = LateAnswer(h.channels["weibo"], error)
    h.channels["weibo"] = gate  # type: ignore[assignment]
    old = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    h.clock.set(WEIBO_AT)
    publisher = threading.Thread(target=old.publish, args=(WEIBO,))
    publisher.start()
    assert gate.entered.wait(10)
    first = h.queue.get(WEIBO)
    assert first is not None and first.state == st.PUBLISHING
    # the daemon that took over judged it not sent and claimed it again, as its recovery and its publish do
    why = "上次发布被中断，渠道确认未发出，重新发布"
    assert h.queue.advance(WEIBO, st.PUBLISHING, st.SCHEDULED, TAKER, why, h.now, next_try=h.now)
    newer = h.queue.claim(WEIBO, TAKER, h.now)
    assert newer is not None and newer.attempts == first.attempts + 1
    if platform_has_it:  # the newer attempt's call is under way: the platform took the post, its answer not back yet
        taken = json.dumps(Receipt("accepted", data={"idstr": "5001"}).to_json())
        assert h.queue.save_receipt(WEIBO, taken, state=st.PUBLISHING, attempts=newer.attempts)
    with caplog.at_level(logging.INFO, logger="qm"):
        gate.opened.set()  # the old attempt's answer comes back, late
        publisher.join(20)
    old.stop()
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHING and post.attempts == newer.attempts and post.last_error == ""
    assert [e.to_state for e in h.queue.history(WEIBO)][-2:] == [st.SCHEDULED, st.PUBLISHING]  # the newer attempt's own moves
    assert isinstance(h.notifications, Recorder) and not [n for n in h.notifications.sent if "发布失败" in n.title]
    late = [r.__dict__["qm_fields"] for r in caplog.records if r.getMessage() == "outcome_superseded"]
    assert [(f["attempt"], f["newer_attempt"]) for f in late] == [(first.attempts, newer.attempts)]
