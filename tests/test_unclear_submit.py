"""A publishing call whose request reached the platform but whose answer was lost (the connection
dropped): nothing can tell whether the post is out, so the daemon hands it to a person at once,
without a `retry_later` line that reads as if a second submit were coming."""

from __future__ import annotations

import pytest

from scheduler.publishing import states as st

from . import test_channels_e2e as e2e
from .channel_helpers import WECHAT_AT, WECHAT_POST, WEIBO_AT, WEIBO_POST
from .test_channels_e2e import NEXT_DAY, World

world = e2e.world  # the fixture: real WeChat and Weibo channels against the fake servers over HTTP

CASES = {
    "wechat": (WECHAT_POST, WECHAT_AT, "submit", "发表记录"),
    "weibo": (WEIBO_POST, WEIBO_AT, "share", "到微博核实"),
}


@pytest.mark.parametrize("channel", sorted(CASES))
def test_a_dropped_answer_to_the_publishing_call_goes_to_a_person_at_once(world: World, channel: str) -> None:
    post_id, slot, call, where = CASES[channel]
    fake = world.wechat if channel == "wechat" else world.weibo
    fake.fail_next(call, drop=True)  # the platform took the request; the answer never arrives
    h = world.harness
    logged = h.logged_run(slot, post_id)
    post = h.queue.get(post_id)
    assert post is not None and post.state == st.FAILED, post
    assert "连接中断" in post.last_error and where in post.last_error
    assert f"qm confirm {post_id}" in post.last_error and f"qm retry {post_id}" in post.last_error
    failed = [e for e in h.queue.history(post_id) if e.to_state == st.FAILED]
    assert [e.at for e in failed] == [slot.timestamp()]  # at the slot, not 30 s later
    assert [name for name, _ in logged] == ["publishing", "failed"]  # no retry_later: nothing is coming
    assert any(post_id in n.title and "发布失败" in n.title for n in h.notifications.sent)  # type: ignore[union-attr]
    h.run_until(NEXT_DAY)
    assert h.state(post_id) == st.FAILED
    assert fake.calls[call] == len(world.channel_posts(channel))  # one call per post: the dropped one was never sent again
