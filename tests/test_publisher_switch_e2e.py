"""A post an attempt may have sent, then config.yaml changed how its channel goes out (`publisher`, `mode`) before
the next attempt: the new method cannot read the old one's marks (it would take the post for not sent and send it
again), so the post fails, maybe out, and staff are told to check the platform first. Real WeChat channels over
HTTP to the fake server, the daemon and its SQLite queue."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.channels import make_channel
from scheduler.channels.fake import Crash
from scheduler.poster.files import PosterFiles
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.maybe_sent import METHOD, maybe_sent
from scheduler.publishing.post_rows import receipt_json

from . import test_channels_e2e as e2e
from .channel_helpers import WECHAT_AT, WECHAT_POST
from .test_channels_e2e import NEXT_DAY, CrashAt, World, run_into_crash
from .test_maybe_sent_e2e import _mass_send_dropped

world = e2e.world


def _restart_in_publish_mode(world: World, **switch: str) -> None:
    """The daemon stopped, config.yaml's wechat changed from `mode: mass_send` to `mode: publish` (or as `switch`
    says), started again."""
    h = world.harness
    if h.daemon is not None:  # a crash stopped it already
        h.crash()
    assert h.campaign.wechat is not None
    h.campaign = h.campaign.with_channels(dataclasses.replace(h.campaign.wechat, **(switch or {"mode": "publish"})))
    assert h.campaign.wechat is not None
    made = make_channel(h.campaign, h.campaign.wechat, PosterFiles(h.campaign))
    made.clock = h.clock  # type: ignore[attr-defined]
    h.channels["wechat"] = made  # type: ignore[assignment]
    h.clock.set(WECHAT_AT + dt.timedelta(minutes=2))
    h.start()
    h.run_until(NEXT_DAY)


def _failed_maybe_out(world: World) -> None:
    h = world.harness
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert world.wechat.calls["submit"] == 0 and len(world.wechat.deliveries) == 1  # the mass send only, no article
    assert "之前的一次发布（publisher: api，mode: mass_send）可能已经发出" in post.last_error
    assert "改成了 publisher: api，mode: publish" in post.last_error and f"qm confirm {WECHAT_POST} --url 链接" in post.last_error
    told = [n for n in h.notifications.sent if n.title == "【发布失败】" + WECHAT_POST]  # type: ignore[union-attr]
    assert len(told) == 1 and any("先到平台核实" in line for line in told[0].lines)


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_waiting_to_retry_is_not_submitted_as_an_article_after_the_mode_changed(world: World) -> None:
    _mass_send_dropped(world)
    _restart_in_publish_mode(world)
    _failed_maybe_out(world)
    h = world.harness
    assert review.retry(h.queue, WECHAT_POST, "王科长", h.now) == st.APPROVED  # checked: not out, a person sends it anew
    h.run_until(NEXT_DAY + dt.timedelta(minutes=10))
    assert h.state(WECHAT_POST) == st.PUBLISHED and world.wechat.calls["submit"] == 1


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
@pytest.mark.parametrize("stamped", [True, False], ids=["stamped", "unstamped"])
def test_a_post_retried_after_the_mode_changed_is_not_failed_again_when_the_new_attempt_dies_before_sending(
    world: World, stamped: bool
) -> None:
    """The retry takes off the old method's stamp: the new attempt, cut off before its first checkpoint, is tried
    again by the method in force, not failed as maybe sent by the old one (staff checked: it was not out). So too
    for a receipt from before the stamp existed, whose marks alone say how it went out."""
    _mass_send_dropped(world)
    if not stamped:
        world.harness.crash()
        _unstamped(world)
    _restart_in_publish_mode(world)
    _failed_maybe_out(world)
    h = world.harness
    assert review.retry(h.queue, WECHAT_POST, "王科长", h.now) == st.APPROVED
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.receipt is not None and not post.receipt.data.get(METHOD) and post.receipt.data.get("media_id")
    h.crash()
    h.channels["wechat"] = CrashAt(h.channels["wechat"], "submitting", stored=False)  # type: ignore[assignment]
    h.start()
    with pytest.raises(Crash):  # claimed, dies before anything is stored or called
        h.run_until(NEXT_DAY + dt.timedelta(minutes=10))
    h.crash()
    h.clock.advance(60)
    h.start()
    h.run_until(NEXT_DAY + dt.timedelta(minutes=30))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED, post.last_error if post else None
    assert world.wechat.calls["submit"] == 1


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_mass_send_out_before_a_crash_is_not_submitted_as_an_article_after_the_mode_changed(world: World) -> None:
    """The daemon died after WeChat sent it to every follower, before the answer was recorded (`sending` on record)."""
    h = world.harness
    run_into_crash(world, "wechat", "sent", stored=False)
    assert h.state(WECHAT_POST) == st.PUBLISHING and len(world.wechat.deliveries) == 1
    _restart_in_publish_mode(world)
    _failed_maybe_out(world)


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_is_not_sent_by_the_outbox_config_yaml_switched_to_while_the_daemon_runs(world: World) -> None:
    """The running daemon takes up `publisher: outbox` before the retry: staff would find it in the outbox and post it
    by hand, a second time."""
    h = world.harness
    config = [h.campaign]
    h.config = lambda: config[0]  # config.yaml as the daemon reads it again before a publish
    _mass_send_dropped(world)
    assert h.campaign.wechat is not None
    config[0] = h.campaign.with_channels(dataclasses.replace(h.campaign.wechat, publisher="outbox"))
    h.run_until(NEXT_DAY)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "改成了 publisher: outbox" in post.last_error and not h.ledger.deliveries.get(WECHAT_POST)
    assert len(world.wechat.deliveries) == 1


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_an_article_waiting_for_wechat_to_confirm_is_reported_at_once_after_the_publisher_changed(world: World) -> None:
    """WeChat took the article (publish_id) and reviews it; config.yaml then sent the channel through the outbox, which
    cannot follow the job up: staff are told at once to check the platform, not a day later, and nothing is sent
    again."""
    switch = {"publisher": "outbox"}
    world.wechat.sending.publish_delay = 10 * 86400.0  # WeChat has not finished its review
    h = world.harness
    h.start()
    h.approve_all()
    h.run_until(WECHAT_AT + dt.timedelta(minutes=5))
    assert h.state(WECHAT_POST) == st.ACCEPTED and world.wechat.calls["submit"] == 1
    _restart_in_publish_mode(world, **switch)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED, post.state if post else None
    assert post.updated < (WECHAT_AT + dt.timedelta(minutes=10)).timestamp()  # at once, not after a day of polling
    assert "平台已接收（微信发布任务 publish_id" in post.last_error and "先到平台核实" in post.last_error
    assert f"qm confirm {WECHAT_POST} --url 链接" in post.last_error and "qm retry" not in post.last_error
    assert world.wechat.calls["submit"] == 1 and world.wechat.calls["sendall"] == 0 and not h.ledger.deliveries.get(WECHAT_POST)
    told = [n for n in h.notifications.sent if n.title == "【发布失败】" + WECHAT_POST]  # type: ignore[union-attr]
    assert len(told) == 1 and any("先到平台核实" in line for line in told[0].lines)


def _unstamped(world: World) -> None:
    """The post's receipt as a qm from before the method stamp stored it."""
    h = world.harness
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.receipt is not None and post.receipt.data.pop(METHOD)
    h.queue.save_receipt(WECHAT_POST, receipt_json(post.receipt), state=post.state)


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_an_unstamped_dropped_mass_send_is_not_submitted_as_an_article_after_the_mode_changed(world: World) -> None:
    """A receipt stored before the stamp existed: its marks (a mass send's `sending`) say how it went out."""
    _mass_send_dropped(world)
    world.harness.crash()
    _unstamped(world)
    _restart_in_publish_mode(world)
    _failed_maybe_out(world)


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_an_unstamped_dropped_mass_send_is_repeated_when_the_mode_stayed(world: World) -> None:
    """Its marks are the method's in force: the retry repeats the mass send, which WeChat recognises (45065)."""
    _mass_send_dropped(world)
    h = world.harness
    h.crash()
    _unstamped(world)
    h.start()
    h.run_until(NEXT_DAY)
    assert h.state(WECHAT_POST) == st.PUBLISHED and len(world.wechat.deliveries) == 1 and world.wechat.calls["submit"] == 0


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_an_article_waiting_for_wechat_to_confirm_is_still_followed_up_after_only_the_mode_changed(world: World) -> None:
    """`mode: mass_send` after the article was taken: WeChat's API channel asks the publish_id in either mode, so the
    post is recorded published when WeChat finishes its review, and nothing is sent again."""
    world.wechat.sending.publish_delay = 1800.0  # WeChat finishes its review within the hour
    h = world.harness
    h.start()
    h.approve_all()
    h.run_until(WECHAT_AT + dt.timedelta(minutes=5))
    assert h.state(WECHAT_POST) == st.ACCEPTED and world.wechat.calls["submit"] == 1
    _restart_in_publish_mode(world, mode="mass_send")  # and runs to the next day
    assert h.state(WECHAT_POST) == st.PUBLISHED
    assert world.wechat.calls["submit"] == 1 and world.wechat.calls["sendall"] == 0
