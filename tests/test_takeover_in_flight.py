"""A standby takes over while the cut-off active is still inside a publish: the post goes out once.

The active's process lives on after its lease session is cut: a platform call it had started may
still land. Its checkpoints are fenced on the lease, so it stops before an irrevocable call; and the
daemon that took over waits out the channel's timeouts before it judges the post "not sent".
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.channels.api import ImageFile
from scheduler.channels.base import OutgoingPost
from scheduler.channels.fake import CALL_TIMEOUT, FakePlatform
from scheduler.channels.wechat.api import WeChatChannel
from scheduler.channels.weibo.assisted import AssistedChannel
from scheduler.daemon import Daemon
from scheduler.daemon import lifecycle as daemon_module
from scheduler.daemon.outcomes import CHECKPOINT_LIMIT
from scheduler.fakes.wechat import FakeWeChat
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.runtime.lock import DaemonLock
from scheduler.runtime.lock_tables import daemons
from scheduler.views.daemon_status import gather, to_json, to_text

from .channel_helpers import SECRET, WECHAT_AT, WECHAT_POST, configured, posters, running, wechat_server, with_api
from .daemon_helpers import Harness, Recorder, local_campaign, one_day
from .pg_server import PgServer
from .test_daemon import EARLY, TZ, WEIBO, WEIBO_AT
from .test_lease import _cut, _standby, _stop_standbys, engine, pg_harness  # noqa: F401  (fixtures)
from .test_races import Gate, _values, reads_post

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

CALL = 30.0  # the slowest the fake platform's call may be (its timeout)


def test_a_standby_waits_out_the_cut_off_actives_call_and_the_post_goes_out_once(pg_harness: Harness) -> None:  # noqa: F811
    h = pg_harness
    gate = Gate(FakePlatform("weibo", h.ledger, h.clock, timeout=CALL))  # the active's call is slow (a big upload)
    h.channels["weibo"] = gate  # type: ignore[assignment]
    active = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    standby, thread, took = _standby(h, {"weibo": FakePlatform("weibo", h.ledger, h.clock, timeout=CALL)})
    publisher = _publish_and_cut(h, active, gate.entered, WEIBO)  # claimed, inside the platform call
    thread.join(20)
    assert took == [True]
    h.daemon = standby
    h.step_at(WEIBO_AT + dt.timedelta(seconds=2))  # the call may still land: the post is not judged yet
    assert h.state(WEIBO) == st.PUBLISHING and h.ledger.first(WEIBO) is None
    gate.opened.set()  # the old active's call completes, and it records the outcome
    publisher.join(10)
    assert h.state(WEIBO) == st.PUBLISHED
    h.step_at(WEIBO_AT + dt.timedelta(seconds=CALL + 20))
    active.stop()
    assert len(h.ledger.deliveries[WEIBO]) == 1 and h.state(WEIBO) == st.PUBLISHED
    assert [e.to_state for e in h.queue.history(WEIBO)].count(st.SCHEDULED) == 1  # never rescheduled as "not sent"


def _taken_over_mid_call(h: Harness) -> tuple[Daemon, Daemon, Gate, threading.Thread]:
    """Every fake at its defaults: the active is inside its (slow) Weibo call when it is cut off, and the standby,
    with a fake platform of its own machine, has taken over (the harness's daemon now)."""
    gate = Gate(h.channels["weibo"])
    h.channels["weibo"] = gate  # type: ignore[assignment]
    active = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    standby, thread, took = _standby(h, {"weibo": FakePlatform("weibo", h.ledger, h.clock)})
    publisher = _publish_and_cut(h, active, gate.entered, WEIBO)
    thread.join(20)
    assert took == [True]
    h.daemon = standby
    return active, standby, gate, publisher


def test_with_the_fake_platforms_defaults_a_standby_still_waits_and_the_post_goes_out_once(pg_harness: Harness) -> None:  # noqa: F811
    """The plain scenario: every fake as it comes (no timeout set), the active's call merely slow."""
    h = pg_harness
    active, _standby_daemon, gate, publisher = _taken_over_mid_call(h)
    h.step_at(WEIBO_AT + dt.timedelta(seconds=2))  # a real platform's call could still be under way: nothing judged
    assert h.state(WEIBO) == st.PUBLISHING and h.ledger.first(WEIBO) is None
    gate.opened.set()
    publisher.join(10)
    h.step_at(WEIBO_AT + dt.timedelta(minutes=5))
    active.stop()
    assert len(h.ledger.deliveries[WEIBO]) == 1 and h.state(WEIBO) == st.PUBLISHED


def test_an_active_call_that_outlasts_the_standbys_wait_is_recorded_and_the_standby_does_not_send_again(pg_harness: Harness) -> None:  # noqa: F811
    """The cut-off active's call stalls longer than the standby waits: the standby finds nothing on the channel
    and schedules the post again; the old call lands just as the standby's publish job has read the post."""
    h = pg_harness
    active, standby, gate, publisher = _taken_over_mid_call(h)
    landed: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not landed and reads_post(WEIBO)(statement, parameters) and h.state(WEIBO) == st.SCHEDULED:
            landed.append(True)  # the standby judged it not sent; its publish job has just read it
            gate.opened.set()
            publisher.join(10)

    sa.event.listen(standby.queue.engine, "after_cursor_execute", after)
    h.step_at(WEIBO_AT + dt.timedelta(seconds=CALL_TIMEOUT + CHECKPOINT_LIMIT + 1))
    sa.event.remove(standby.queue.engine, "after_cursor_execute", after)
    active.stop()
    post = h.queue.get(WEIBO)
    assert landed and len(h.ledger.deliveries[WEIBO]) == 1 and post is not None and post.state == st.PUBLISHED
    assert post.attempts == 1  # never claimed again: a channel that knows a post only by its receipt would send it twice
    assert "第 1 次发布的平台应答在这条内容重新排入发布之后才到" in h.queue.history(WEIBO)[-1].why


@pytest.fixture
def wechat_pg(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Harness, FakeWeChat]]:
    monkeypatch.setattr(daemon_module, "STANDBY_POLL", 0.05)
    name = pg_server.create_database()
    clock = FakeClock(EARLY)
    with running(wechat_server(clock)) as server:
        campaign = with_api(local_campaign(heihe, tmp_path, pg_server.url(name)), wechat=server.url)
        h = Harness(campaign, one_day(heihe_plan), Renderer(heihe), EARLY, Recorder())
        h.clock = clock
        yield h, server
        _stop_standbys()
        h.close()
    pg_server.drop_database(name)


def _slow_active(h: Harness) -> tuple[Daemon, threading.Event, threading.Event, Callable[[], WeChatChannel]]:
    """The active daemon, started; its real WeChat channel reads its first image slowly (a big poster drawn, a
    slow disk). Also: how to make a WeChat channel as another machine's daemon has it."""
    source = posters(h.campaign)
    config = configured(h.campaign, "wechat", mode="publish", timeout=2.0)
    slow_images, entered, opened = _slow(source)
    h.channels["wechat"] = WeChatChannel(config, SECRET, slow_images, h.clock)  # type: ignore[assignment]
    active = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    return active, entered, opened, lambda: WeChatChannel(config, SECRET, source, h.clock)


def _publish_and_cut(h: Harness, active: Daemon, entered: threading.Event, post_id: str = WECHAT_POST) -> threading.Thread:
    """At its slot the active claims the post and is inside its publish when its lease session is cut:
    the process and its publish live on."""
    h.clock.set(WECHAT_AT if post_id == WECHAT_POST else WEIBO_AT)
    publisher = threading.Thread(target=active.publish, args=(post_id,))
    publisher.start()
    assert entered.wait(10) and h.state(post_id) == st.PUBLISHING
    assert active.lock.lease is not None
    _cut(h.engine, active.lock.lease)
    return publisher


def _slow(source: ImageFile) -> tuple[ImageFile, threading.Event, threading.Event]:
    """Images read slowly (a big poster drawn, a slow disk): until the test opens the gate."""
    entered, opened = threading.Event(), threading.Event()

    def slow_images(post: OutgoingPost, ref: str) -> Path:
        entered.set()
        assert opened.wait(20)
        return source(post, ref)

    return slow_images, entered, opened


def test_real_wechat_a_cut_off_active_submits_nothing_and_the_standby_publishes_once(
    wechat_pg: tuple[Harness, FakeWeChat], caplog: pytest.LogCaptureFixture
) -> None:
    h, server = wechat_pg
    active, entered, opened, own_channel = _slow_active(h)
    standby_channel = own_channel()
    standby, thread, took = _standby(h, {"wechat": standby_channel})
    with caplog.at_level(logging.INFO, logger="qm"):
        publisher = _publish_and_cut(h, active, entered)
        thread.join(20)
        assert took == [True]
        h.daemon = standby
        h.step_at(WECHAT_AT + dt.timedelta(seconds=2))  # within the old call's timeouts: not judged yet
        assert h.state(WECHAT_POST) == st.PUBLISHING and server.calls["submit"] == 0
        waits = standby_channel.longest_attempt()
        assert waits == 4 * 4 * 2.0  # token and submit, twice when the token is refused; each 4 phases of 2 s
        h.step_at(WECHAT_AT + dt.timedelta(seconds=waits + 1))  # its last checkpoint may have been slow to commit
        assert h.state(WECHAT_POST) == st.PUBLISHING and server.calls["submit"] == 0
        h.step_at(WECHAT_AT + dt.timedelta(seconds=waits + CHECKPOINT_LIMIT + 1))  # the old call is over: not sent, so sent now
        assert server.calls["submit"] == 1 and h.state(WECHAT_POST) == st.ACCEPTED
        opened.set()  # the old active goes on: its first checkpoint is refused, it calls nothing irrevocable
        publisher.join(20)
    active.stop()
    post = h.queue.get(WECHAT_POST)
    assert server.calls["submit"] == 1 and len(server.deliveries) == 1
    assert post is not None and post.state == st.ACCEPTED and post.receipt is not None and post.receipt.data.get("publish_id")
    stopped = [r for r in caplog.records if r.getMessage() == "publish_stopped"]
    assert len(stopped) == 1 and "失去租约" in stopped[0].__dict__["qm_fields"]["why"]
    assert not [r for r in caplog.records if r.exc_info]  # a clear event, no traceback


def test_real_wechat_a_checkpoint_whose_commit_hung_while_the_lease_was_lost_is_not_followed_by_the_call(
    wechat_pg: tuple[Harness, FakeWeChat], caplog: pytest.LogCaptureFixture
) -> None:
    """The checkpoint before freepublish/submit passed the lease check, then its commit hung (a slow disk, a lost
    packet) for longer than a takeover allows for it; meanwhile the lease was lost. The submit must not follow."""
    h, server = wechat_pg
    config = configured(h.campaign, "wechat", mode="publish", timeout=2.0)
    h.channels["wechat"] = WeChatChannel(config, SECRET, posters(h.campaign), h.clock)  # type: ignore[assignment]
    active = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    lease = active.lock.lease
    assert lease is not None
    hung: list[bool] = []

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        marks_submit = statement.lstrip().upper().startswith("UPDATE POSTS") and "submitting" in str(_values(parameters))
        if marks_submit and not hung:  # stored, not yet committed: the commit hangs, the lease is lost meanwhile
            hung.append(True)
            h.clock.advance(CHECKPOINT_LIMIT + 1)
            _cut(h.engine, lease)

    sa.event.listen(active.queue.engine, "after_cursor_execute", after)
    with caplog.at_level(logging.INFO, logger="qm"):
        h.clock.set(WECHAT_AT)
        active.publish(WECHAT_POST)
    active.stop()
    assert hung and server.calls["add"] == 1 and server.calls["submit"] == 0  # the draft, but no submit
    assert h.state(WECHAT_POST) == st.PUBLISHING  # for whoever holds the lease now: after its wait, a person checks
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == ["checkpoint_slow", "publish_stopped"]


def test_real_wechat_an_active_that_lost_its_lease_stops_at_its_next_checkpoint(
    wechat_pg: tuple[Harness, FakeWeChat], caplog: pytest.LogCaptureFixture
) -> None:
    h, server = wechat_pg
    active, entered, opened, _own = _slow_active(h)
    with caplog.at_level(logging.INFO, logger="qm"):
        publisher = _publish_and_cut(h, active, entered)  # nobody has taken over yet: the post is still this attempt's
        opened.set()
        publisher.join(20)
    active.stop()
    assert server.calls["submit"] == 0 and server.calls["add"] == 0
    assert h.state(WECHAT_POST) == st.PUBLISHING  # left for whoever takes over: it asks the channel after the wait
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == ["publish_stopped"]


def test_assisted_weibo_a_cut_off_active_sends_staff_no_package(pg_harness: Harness, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    h = pg_harness
    slow_images, entered, opened = _slow(posters(h.campaign))
    staff = Recorder()
    h.channels["weibo"] = AssistedChannel(configured(h.campaign, "weibo", mode="assisted"), staff, slow_images, h.clock)  # type: ignore[assignment]
    active = h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    publisher = _publish_and_cut(h, active, entered, WEIBO)
    with caplog.at_level(logging.INFO, logger="qm"):
        opened.set()
        publisher.join(20)
    active.stop()
    assert not [n for n in staff.sent if "请发微博" in n.title]  # whoever holds the lease now asks staff, once
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == ["publish_stopped"]


def test_real_wechat_while_waiting_out_the_old_call_the_standby_asks_the_platform_once_a_minute(
    wechat_pg: tuple[Harness, FakeWeChat],
) -> None:
    """The old active was killed on another machine right after WeChat took the post (its publish_id on
    record, the post still `publishing`); WeChat's freepublish/get is busy all the while."""
    h, server = wechat_pg
    config = configured(h.campaign, "wechat", mode="publish", timeout=15.0)  # the default: a wait of 240 s
    h.channels["wechat"] = WeChatChannel(config, SECRET, posters(h.campaign), h.clock)  # type: ignore[assignment]
    h.fill()
    h.approve_all()
    h.clock.set(WECHAT_AT)
    assert h.queue.advance(WECHAT_POST, st.APPROVED, st.SCHEDULED, "后台服务", "排入发布计划", h.now)
    assert h.queue.claim(WECHAT_POST, "后台服务", h.now) is not None
    taken = json.dumps({"status": "accepted", "external_id": "", "url": "", "data": {"publish_id": "2247483999"}})
    assert h.queue.save_receipt(WECHAT_POST, taken, state=st.PUBLISHING)
    with h.engine.begin() as conn:  # the old active, on another machine: whether it still runs cannot be seen
        conn.execute(daemons.insert().values(host="another-machine", pid=4242, role="active", started=1.0, heartbeat=2.0))
    server.fail_next("get", status=503, times=100)
    h.start()
    for beat in range(16):  # a heartbeat every 15 s through the wait
        h.step_at(WECHAT_AT + dt.timedelta(seconds=15 * beat))
    asked = [r for r in server.log if r.call == "get" and r.json.get("publish_id") == "2247483999"]
    assert len(asked) == 4  # at 0, 60, 120 and 180 s: not on each of the 16 heartbeats
    assert h.state(WECHAT_POST) == st.PUBLISHING  # nothing judged before the wait is over


def _gone_pid() -> int:
    """The process id of a process of this machine that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(20)
    return child.pid


@pytest.mark.parametrize(
    ("host", "dead", "waits"),
    [
        ("here", True, False),  # a daemon restarted on the machine where the old one crashed: its calls died with it
        ("here", False, True),  # the old process still runs (cut off from the database)
        ("elsewhere", True, True),  # another machine's daemon: whether it runs cannot be seen from here
    ],
)
def test_a_postgresql_daemon_waits_only_when_the_old_holder_may_still_be_running(
    engine: Engine,  # noqa: F811
    tmp_path: Path,
    host: str,
    dead: bool,
    waits: bool,
) -> None:
    where = socket.gethostname() if host == "here" else "another-machine"
    with engine.begin() as conn:
        conn.execute(
            daemons.insert().values(host=where, pid=_gone_pid() if dead else os.getpid(), role="active", started=1.0, heartbeat=2.0)
        )
    lock = DaemonLock(engine, None)
    lock.acquire(3.0)
    assert lock.holder_may_live() is waits
    lock.release(4.0)
    assert DaemonLock(engine, tmp_path / "db.sqlite3.lock").holder_may_live() is False  # SQLite: a file lock outlives no holder


def test_status_says_at_once_that_old_daemons_of_this_machine_ended_and_counts_the_older_ones_in_one_line(pg_engine: Engine) -> None:
    """After a daemon on this machine was killed again and again (PostgreSQL: each next one took over), its process
    is seen gone at once, not shown alive for a minute, and the list does not grow by a line a kill."""
    here, now = socket.gethostname(), 1_800_000_000.0
    killed = [_gone_pid() for _ in range(4)]
    with pg_engine.begin() as conn:
        for n, pid in enumerate(killed):  # the last killed beat 39 s ago: "alive" by its heartbeat alone
            conn.execute(daemons.insert().values(host=here, pid=pid, role="former", started=now - 900, heartbeat=now - 39 - 100 * (3 - n)))
    lock = DaemonLock(pg_engine, None)
    lock.acquire(now)
    status = gather(pg_engine, now + 1)
    shown, listed = to_text(status, TZ, {}, 2027), to_json(status, TZ, {})["daemons"]
    assert f"原主服务（已被接管）：进程 {killed[-1]} 已意外终止（主机 {here}，" in shown
    assert "另有 3 个更早的旧进程已停止或无响应" in shown and "无响应的原主服务" not in shown
    assert not any(str(pid) in shown for pid in killed[:-1])
    assert {d["pid"]: d["alive"] for d in listed if d["pid"] in killed} == dict.fromkeys(killed, False)
    lock.release(now + 2)
