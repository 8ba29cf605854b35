"""End to end: plan -> render -> approve -> daemon -> fake WeChat / fake Weibo -> receipts stored.

The daemon, queue and SQLite file are the production ones; the channels are the real WeChat and
Weibo channels made by the factory from config and environment, talking HTTP to the fake servers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.channels import make_channel
from scheduler.channels.base import Channel, OutgoingPost
from scheduler.channels.fake import Crash
from scheduler.fakes.wechat import FakeWeChat
from scheduler.fakes.weibo import FakeWeibo
from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.planning.planner import Plan
from scheduler.poster.files import PosterFiles
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.support.logs import setup_logging
from scheduler.support.values import Receipt

from .channel_helpers import SECRET, TZ, WECHAT_AT, WECHAT_POST, WEIBO_POST, WEIBO_TOKEN, running, wechat_server, weibo_server, with_api
from .daemon_helpers import Harness, local_campaign, one_day, robot_server
from .test_daemon import Recorder

START = dt.datetime(2016, 9, 2, 8, 0, tzinfo=TZ)
NEXT_DAY = dt.datetime(2016, 9, 3, 6, 0, tzinfo=TZ)


@dataclasses.dataclass
class World:
    harness: Harness
    wechat: FakeWeChat
    weibo: FakeWeibo
    robot: list[dict[str, Any]]

    def channel_posts(self, name: str) -> list[str]:
        return [p.id for p in self.harness.plan.posts if p.channel == name]


@pytest.fixture
def world(
    request: pytest.FixtureRequest, tmp_path: Path, heihe: Campaign, heihe_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    wechat_mode, weibo_mode = getattr(request, "param", ("publish", "api"))
    clock = FakeClock(START)
    with running(wechat_server(clock)) as wechat, running(weibo_server(clock)) as weibo, robot_server() as (robot_url, received):
        monkeypatch.setenv("QM_WECHAT_APPSECRET", SECRET)
        monkeypatch.setenv("QM_WEIBO_TOKEN_FILE", str(_secret_file(tmp_path, WEIBO_TOKEN)))  # a file named by *_FILE
        monkeypatch.setenv("QM_ROBOT", robot_url)
        campaign = with_api(
            local_campaign(heihe, tmp_path), wechat.url, weibo.url, {"wechat": {"mode": wechat_mode}, "weibo": {"mode": weibo_mode}}
        )
        campaign = dataclasses.replace(campaign, notifiers=(Notifier("宣传群", "wecom", "QM_ROBOT", events=("assisted",)),))
        h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), START, Recorder())
        h.clock = clock
        for config in (campaign.wechat, campaign.weibo):
            assert config is not None
            made = make_channel(campaign, config, PosterFiles(campaign))
            made.clock = clock  # type: ignore[attr-defined]
            h.channels[config.name] = made  # type: ignore[assignment]
        yield World(h, wechat, weibo, received)
        h.close()
        for ch in h.channels.values():
            ch.close()


def _secret_file(folder: Path, value: str) -> Path:
    path = folder / "weibo-token.txt"
    path.write_text(value + "\n", encoding="utf-8")
    return path


def _run_day(h: Harness) -> None:
    h.start()
    h.approve_all()
    h.run_until(NEXT_DAY)


@pytest.mark.parametrize("world", [("publish", "api"), ("mass_send", "api")], indirect=True, ids=["publish", "mass_send"])
def test_wechat_and_weibo_posts_go_out_once_and_their_receipts_are_stored(world: World) -> None:
    h = world.harness
    _run_day(h)
    for post_id in world.channel_posts("wechat") + world.channel_posts("weibo"):
        assert h.state(post_id) == st.PUBLISHED, h.queue.get(post_id)
    wechat = h.queue.get(WECHAT_POST)
    assert wechat is not None and wechat.receipt is not None
    data = wechat.receipt.data
    assert (
        data["thumb_media_id"] in world.wechat.library.materials and data["media_id"] in world.wechat.library.drafts and data["image_urls"]
    )
    if h.campaign.wechat and h.campaign.wechat.mode == "publish":
        assert (
            data["publish_id"] and wechat.receipt.url == data["article_url"] and wechat.receipt.url.startswith("https://mp.weixin.qq.com/")
        )
        assert wechat.published_at is not None and wechat.published_at > WECHAT_AT.timestamp()  # confirmed by polling
    else:
        assert data["msg_id"] == wechat.receipt.external_id and data["clientmsgid"].startswith(f"qm-{WECHAT_POST}-")
    weibo = h.queue.get(WEIBO_POST)
    assert weibo is not None and weibo.receipt is not None and weibo.receipt.url.startswith("https://weibo.com/")
    assert len(world.wechat.deliveries) == len(world.channel_posts("wechat"))
    assert len(world.weibo.statuses) == len(world.channel_posts("weibo"))
    assert world.wechat.calls["stable_token"] == 1  # fetched once, reused by every call


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_assisted_weibo_posts_reach_staff_and_are_confirmed_by_a_person(world: World) -> None:
    h = world.harness
    h.start()
    h.approve_all()
    h.run_until(dt.datetime(2016, 9, 2, 10, 5, tzinfo=TZ))
    assert h.state(WEIBO_POST) == st.ACCEPTED and not world.weibo.log  # nothing went to the Weibo API
    package = world.robot[0]["body"]["markdown"]["content"]
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.payload["text"] in package and world.robot[1]["body"]["msgtype"] == "image"
    h.run_until(dt.datetime(2016, 9, 2, 10, 40, tzinfo=TZ))
    assert any("还没有确认" in r["body"]["markdown"]["content"] for r in world.robot if r["body"]["msgtype"] == "markdown")
    review.confirm(h.queue, WEIBO_POST, "李明", "https://weibo.com/1234567890/Abc", h.now)
    h.run_until(NEXT_DAY)
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None
    assert post.receipt.url == "https://weibo.com/1234567890/Abc" and post.receipt.data["confirmed_by"] == "李明"
    last = h.queue.history(WEIBO_POST)[-1]
    assert (last.who, last.to_state) == ("李明", st.PUBLISHED) and "https://weibo.com/1234567890/Abc" in last.why
    # The evening post nobody confirmed: reminded, then reported to a person.
    evening = h.queue.get("20160902-weibo-1800")
    assert evening is not None and evening.state == st.FAILED and "仍没有人确认发布" in evening.last_error


class CrashAt(Channel):
    """Kills the process at a checkpoint of the inner channel: after storing it, or instead of storing it."""

    def __init__(self, inner: Channel, stage: str, stored: bool) -> None:
        self.inner, self.name, self.stage, self.stored = inner, inner.name, stage, stored
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative

    def publish(self, post: OutgoingPost) -> Receipt:
        def at(store: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
            def checkpoint(data: dict[str, Any]) -> None:
                if data.get("stage") == self.stage and self.stage:
                    self.stage = ""
                    if self.stored:
                        store(data)
                    raise Crash(f"killed at {data['stage']}")
                store(data)

            return checkpoint

        return self.inner.publish(dataclasses.replace(post, checkpoint=at(post.checkpoint), landed=at(post.landed)))

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        return self.inner.reconcile(post, receipt)


def run_into_crash(world: World, channel: str, stage: str, stored: bool) -> None:
    """Start, approve every post and run until `channel`'s checkpoint at `stage` kills the daemon (`CrashAt`)."""
    h = world.harness
    h.channels[channel] = CrashAt(h.channels[channel], stage, stored)  # type: ignore[assignment]
    h.start()
    h.approve_all()
    with pytest.raises(Crash):
        h.run_until(NEXT_DAY)
    h.crash()


def _crash_then_restart(world: World, stage: str, stored: bool) -> None:
    h = world.harness
    run_into_crash(world, "wechat", stage, stored)
    assert h.state(WECHAT_POST) == st.PUBLISHING
    h.clock.advance(10 * 60)
    h.start()
    h.run_until(NEXT_DAY)


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_crash_after_submit_polls_the_stored_publish_id_and_sends_nothing_again(world: World) -> None:
    _crash_then_restart(world, "submitted", stored=True)
    post = world.harness.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None and post.receipt.url
    assert world.wechat.calls["submit"] == 1 and world.wechat.calls["add"] == 1 and len(world.wechat.deliveries) == 1
    assert world.wechat.calls["get"] >= 1  # the stored publish_id was polled after the restart


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_crash_during_mass_send_repeats_it_and_45065_marks_it_published(world: World) -> None:
    _crash_then_restart(world, "sent", stored=False)  # sendall went out; its answer was never recorded
    post = world.harness.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None
    assert post.receipt.data["already_sent"] is True and post.receipt.external_id
    assert world.wechat.calls["sendall"] == 2 and len(world.wechat.deliveries) == 1
    assert world.wechat.calls["add"] == 1  # the stored draft was reused


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_secrets_and_tokens_appear_in_no_output(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    h = world.harness
    setup_logging(h.campaign.paths.state, level=logging.DEBUG)
    try:
        h.start()
        h.approve_all()
        h.step_at(dt.datetime(2016, 9, 2, 9, 0, tzinfo=TZ))
        token = h.channels["wechat"].token()  # type: ignore[attr-defined]
        # Platforms that echo credentials back in an error: the echo must not travel further.
        world.wechat.fail_next("add_material", body={"errcode": 40005, "errmsg": f"invalid file, access_token={token} secret {SECRET}"})
        world.weibo.fail_next("share", 400, {"error_code": "20021", "error": f"illegal: {WEIBO_TOKEN}"})
        h.run_until(NEXT_DAY)
    finally:
        setup_logging(None, level=logging.WARNING)
    assert h.state(WECHAT_POST) == st.FAILED and h.state(WEIBO_POST) == st.FAILED
    assert "***" in (h.queue.get(WECHAT_POST) or h.queue.get(WEIBO_POST)).last_error  # type: ignore[union-attr]
    everything = [(h.campaign.paths.state / "qm.log").read_text(encoding="utf-8"), *capsys.readouterr()]
    with h.engine.connect() as conn:
        for table in ("posts", "audit", "payload_versions"):
            everything += [repr(tuple(row)) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))]
    everything += [n.title + "".join(n.lines) for n in h.notifications.sent]  # type: ignore[union-attr]
    everything += [
        p.read_text(encoding="utf-8", errors="replace") for p in h.campaign.paths.state.rglob("*") if p.is_file() and p.suffix != ".sqlite3"
    ]
    assert any("event=failed" in text for text in everything)
    for secret in (SECRET, WEIBO_TOKEN, token, *world.wechat.tokens):
        assert not [text for text in everything if secret in text], secret


@pytest.mark.parametrize("world", [("publish", "assisted")], indirect=True)
def test_a_crash_after_staff_got_the_package_does_not_send_them_a_second(world: World) -> None:
    h = world.harness
    run_into_crash(world, "weibo", "notified", stored=True)
    packages = [r for r in world.robot if "请发微博" in str(r["body"])]
    h.clock.advance(5 * 60)
    h.start()
    h.step_at(h.clock.now())
    assert h.state(WEIBO_POST) == st.ACCEPTED and [r for r in world.robot if "请发微博" in str(r["body"])] == packages


def test_simulate_drives_every_api_mode_through_the_fakes(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    from scheduler.simulation.replay import simulate

    for wechat_mode, weibo_mode in (("publish", "assisted"), ("mass_send", "api")):
        changes = {"wechat": {"mode": wechat_mode}, "weibo": {"mode": weibo_mode}}
        campaign = with_api(heihe, "http://unused", "http://unused", changes)
        three_days = Plan(tuple(p for p in heihe_plan.posts if p.slot.day.day in (7, 8, 9)), ())
        report = simulate(campaign, three_days, Renderer(campaign), faults=0.3, restarts=2, seed=5)
        assert (report.published, report.duplicates, report.lost) == (report.planned, 0, 0), (wechat_mode, weibo_mode, report)
        assert report.kills_mid_publish >= 1 and report.faults_injected > 0


def test_under_sustained_faults_every_wechat_post_goes_out_within_grace_with_one_cover_each(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One in five WeChat calls answers "system busy" for the whole month: uploads are reused, retries last the grace window."""
    plan = Plan(tuple(p for p in heihe_plan.posts if p.channel == "wechat"), ())
    clock = FakeClock(plan.posts[0].at - dt.timedelta(hours=1))
    with running(wechat_server(clock, fault_rate=0.2, seed=14)) as wechat:
        monkeypatch.setenv("QM_WECHAT_APPSECRET", SECRET)
        campaign = with_api(local_campaign(heihe, tmp_path), wechat.url, changes={"wechat": {"mode": "publish"}})
        assert campaign.wechat is not None
        h = Harness(campaign, plan, Renderer(campaign), clock.now(), Recorder())
        h.clock = clock
        made = make_channel(campaign, campaign.wechat, PosterFiles(campaign))
        made.clock = clock  # type: ignore[attr-defined]
        h.channels["wechat"] = made  # type: ignore[assignment]
        try:
            h.start()
            h.approve_all()
            h.run_until(plan.posts[-1].at + dt.timedelta(days=1))
            grace = campaign.wechat.grace_minutes * 60
            for post in plan.posts:
                assert h.state(post.id) == st.PUBLISHED, h.queue.get(post.id)
                taken = next(a.at for a in h.queue.history(post.id) if a.to_state == st.ACCEPTED)  # the platform took it
                assert taken <= post.at.timestamp() + grace
            assert wechat.injected >= len(plan.posts)  # the faults really happened (about one call in five)
            covers = [h.queue.get(p.id).receipt.data["thumb_media_id"] for p in plan.posts]  # type: ignore[union-attr]
            assert len(set(covers)) == len(plan.posts) == len(wechat.library.materials)  # one permanent cover per post, never two
            assert len(wechat.deliveries) == len(plan.posts)
        finally:
            h.close()
            made.close()
