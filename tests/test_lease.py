"""The active daemon's lease on PostgreSQL: one holder, freed when the holder dies or is cut off, claims fenced on it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scheduler.channels.base import Channel
from scheduler.channels.fake import Crash, Faults, FaultyChannel
from scheduler.channels.outbox import OutboxChannel
from scheduler.cli.main import main
from scheduler.daemon import Daemon
from scheduler.daemon import lifecycle as daemon_module
from scheduler.inputs.campaign import Campaign, DaemonConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock, SharedClock
from scheduler.runtime.lease import DEFAULT_TIMEOUT, PgLease
from scheduler.runtime.lock import DaemonLock, DaemonRunning
from scheduler.runtime.stepped_scheduler import SteppedScheduler
from scheduler.simulation.failover import simulate_cluster
from scheduler.support.errors import InputError
from scheduler.views.daemon_status import gather, to_json, to_text

from .conftest import ROOT, run_qm
from .daemon_helpers import Harness, SpyChannel, killable_fills, local_campaign, one_day
from .pg_server import PgServer
from .test_daemon import EARLY, TZ, WEIBO, WEIBO_AT, Recorder
from .test_daemon_cli import API_FAKES
from .web_helpers import today_config

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

NOW = 1_472_700_000.0


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    return pg_engine


def _cut(engine: Engine, lease: PgLease) -> None:
    """Drop the lease holder's connection on the server side, as a network cut or an administrator would."""
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.pg_terminate_backend(lease.backend))).scalar()
    # pg_terminate_backend only signals: wait until the session has ended (and its advisory lock with it)
    alive = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.execute(alive, {"pid": lease.backend}).scalar():
                return
        time.sleep(0.02)
    raise AssertionError(f"backend {lease.backend} still alive 20 s after pg_terminate_backend")


def _scheduled_post(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            posts.insert().values(
                id="p1",
                channel="weibo",
                at=NOW,
                due=NOW,
                item="i",
                state="scheduled",
                version="v",
                approved_version="v",
                payload="{}",
                updated=NOW,
            )
        )


def test_one_holder_at_a_time_and_a_dead_holder_frees_the_lease(engine: Engine) -> None:
    first, second = DaemonLock(engine, None), DaemonLock(engine, None)
    first.acquire(NOW)
    with pytest.raises(DaemonRunning, match="另一个 qm 后台服务"):
        second.acquire(NOW + 1)
    first.abandon()  # the process died: its session ends, and with it the lease
    second.acquire(NOW + 2)
    assert second.lease is not None and second.lease.holds()
    second.release(NOW + 3)


def test_a_cut_off_holder_knows_it_and_cannot_claim(engine: Engine) -> None:
    _scheduled_post(engine)
    active, standby = DaemonLock(engine, None), DaemonLock(engine, None)
    active.acquire(NOW)
    assert active.lease is not None
    _cut(engine, active.lease)
    queue = Queue(engine)
    assert queue.claim("p1", "后台服务", NOW, fence=active.fence()) is None  # fenced before it even noticed
    assert not active.lease.holds()
    standby.acquire(NOW + 1)  # taken over at once
    claimed = queue.claim("p1", "后台服务", NOW + 1, fence=standby.fence())
    assert claimed is not None and claimed.attempts == 1
    standby.release(NOW + 2)


def test_the_configured_lease_timeout_sets_the_lease_and_its_keepalives(
    engine: Engine, heihe: Campaign, heihe_plan: Plan, tmp_path: Path
) -> None:
    campaign = dataclasses.replace(local_campaign(heihe, tmp_path, str(engine.url)), daemon=DaemonConfig(lease_timeout=12.0))
    built = Daemon(campaign, engine, {}, clock=FakeClock(EARLY), scheduler=SteppedScheduler(), source=lambda: (heihe_plan, Renderer(heihe)))
    lease = built.lock.lease
    assert lease is not None and lease.timeout == 12.0
    assert (
        lease.connect_args["tcp_user_timeout"] == 12_000 and lease.connect_args["keepalives_idle"] == 4
    )  # a silent peer: gone within 12 s
    assert "tcp_user_timeout=12000" in str(lease.connect_args["options"])  # the server gives up on this daemon as soon
    assert lease.try_take() and lease.holds()
    lease.release()
    default = DaemonLock(engine, None).lease
    assert default is not None and default.timeout == DEFAULT_TIMEOUT == 30.0


# -- active and standby daemons ---------------------------------------------------------------------


@pytest.fixture
def pg_harness(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    monkeypatch.setattr(daemon_module, "STANDBY_POLL", 0.05)
    name = pg_server.create_database()
    h = Harness(local_campaign(heihe, tmp_path, pg_server.url(name)), one_day(heihe_plan), Renderer(heihe), EARLY, Recorder())
    yield h
    _stop_standbys()
    h.close()
    pg_server.drop_database(name)


STANDBYS: list[tuple[threading.Event, threading.Thread]] = []


def _stop_standbys() -> None:
    for stop, thread in STANDBYS:
        stop.set()
        thread.join(20)
    STANDBYS.clear()


def _standby(h: Harness, channels: dict[str, Channel] | None = None) -> tuple[Daemon, threading.Thread, list[bool]]:
    """A second daemon process waiting for the lease on a thread of its own (with `channels` of its own machine)."""
    standby, stop, took = h.build(), threading.Event(), []
    standby.channels.update(channels or {})
    thread = threading.Thread(target=lambda: took.append(standby.start(standby=stop)))
    thread.start()
    STANDBYS.append((stop, thread))
    _wait_for(lambda: standby.lock.row_id is not None)  # waiting as a standby (or already taken over): listed in qm status
    return standby, thread, took


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_standby_takes_over_when_the_active_dies_mid_publish_and_reconciles(pg_harness: Harness) -> None:
    h = pg_harness
    h.channels["weibo"] = SpyChannel(FaultyChannel(h.channels["weibo"], Faults(0.0, random.Random(1), kill_on_call={1: "after"}), h.clock))
    h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    standby, thread, took = _standby(h)
    _wait_for(lambda: len(gather(h.engine, h.now).daemons) == 2)
    status = gather(h.engine, h.now)
    assert [(d.role, d.alive(h.now)) for d in status.daemons] == [("active", True), ("standby", True)]
    text = to_text(status, TZ, {}, 2016)
    assert "运行中（主服务" in text and "备用服务：进程" in text
    assert {d["role"] for d in to_json(status, TZ, {})["daemons"]} == {"active", "standby"}

    with pytest.raises(Crash):  # the active dies after the platform took the post, before it recorded that
        h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.PUBLISHING and took == []  # still the active's lease until it is gone
    h.crash()
    thread.join(20)
    assert took == [True]
    h.daemon = standby  # took over: reconciled the post left in `publishing`, as a restart does
    assert h.state(WEIBO) == st.PUBLISHED and len(h.ledger.deliveries[WEIBO]) == 1
    h.run_until(dt.datetime(2016, 9, 2, 23, 0, tzinfo=TZ))
    assert all(len(times) == 1 for times in h.ledger.deliveries.values())
    assert {h.state(p.id) for p in h.plan.posts if p.at >= WEIBO_AT} == {st.PUBLISHED}


def test_a_cut_off_active_daemon_stops_at_once_and_a_standby_takes_over(pg_harness: Harness) -> None:
    h = pg_harness
    h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    active = h.daemon
    assert active is not None and active.lock.lease is not None
    standby, thread, took = _standby(h)
    _cut(h.engine, active.lock.lease)  # the process lives on; its database session is gone
    thread.join(20)
    assert took == [True]
    h.step_at(WEIBO_AT)  # the old active's next heartbeat finds the lease gone: it publishes nothing
    assert active.lost_lease and not active.scheduler.running and h.ledger.first(WEIBO) is None
    assert any("失去了与数据库的租约" in n.title for n in h.notifications.sent)  # type: ignore[union-attr]
    h.daemon = standby
    h.step_at(WEIBO_AT + dt.timedelta(seconds=1))
    assert h.state(WEIBO) == st.PUBLISHED and len(h.ledger.deliveries[WEIBO]) == 1
    active.stop()


# -- the outbox after a takeover: each machine's own folder, or one on shared storage ------------------


def _outbox_takeover(h: Harness, active: Path, standby: Path, kill: str) -> Daemon:
    """The active daemon writes to the outbox `active`, the standby to `standby` (the same folder when
    shared); the active is killed `kill` ("before" | "after") writing WEIBO, and the standby takes over."""
    h.channels = {name: OutboxChannel(name, active) for name in h.channels}  # type: ignore[misc]
    h.channels["weibo"] = FaultyChannel(h.channels["weibo"], Faults(0.0, random.Random(1), kill_on_call={1: kill}), h.clock)  # type: ignore[assignment]
    h.start()
    h.approve_all()
    h.step_at(h.clock.now())
    daemon, thread, took = _standby(h, {name: OutboxChannel(name, standby) for name in h.channels})
    _wait_for(lambda: len(gather(h.engine, h.now).daemons) == 2)
    with pytest.raises(Crash):
        h.step_at(WEIBO_AT)
    assert h.state(WEIBO) == st.PUBLISHING
    h.crash()
    thread.join(20)
    assert took == [True]
    h.daemon = daemon
    return daemon


def test_a_standby_with_an_outbox_of_its_own_does_not_publish_again_what_the_active_wrote_in_its_own(
    pg_harness: Harness, tmp_path: Path
) -> None:
    h = pg_harness
    machine_a, machine_b = tmp_path / "a" / "outbox", tmp_path / "b" / "outbox"
    _outbox_takeover(h, machine_a, machine_b, "after")  # the post is in machine A's outbox; the database does not know it
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.FAILED  # the standby cannot see machine A's folder: a person checks
    assert f"本机（{socket.gethostname()}）另一个状态目录的发件箱 {machine_a / 'weibo' / WEIBO}" in post.last_error
    assert f"qm confirm {WEIBO}" in post.last_error and f"qm retry {WEIBO}" in post.last_error
    assert any(WEIBO in n.title and "发布失败" in n.title for n in h.notifications.sent)  # type: ignore[union-attr]
    assert (machine_a / "weibo" / WEIBO / "metadata.json").is_file() and not (machine_b / "weibo" / WEIBO).exists()
    h.run_until(dt.datetime(2016, 9, 2, 23, 0, tzinfo=TZ))  # the rest of the day goes out from machine B
    assert (machine_b / "weibo" / "20160902-weibo-1800" / "metadata.json").is_file()
    assert h.state(WEIBO) == st.FAILED and not (machine_b / "weibo" / WEIBO).exists()


@pytest.mark.parametrize(("kill", "shared"), [("after", True), ("before", True), ("before", False)])
def test_a_standby_that_can_see_the_outbox_or_knows_nothing_was_written_publishes_the_post_once(
    pg_harness: Harness, tmp_path: Path, kill: str, shared: bool
) -> None:
    h = pg_harness
    machine_a = tmp_path / "share" / "outbox"  # e.g. both machines' state folder on one network share
    machine_b = machine_a if shared else tmp_path / "b" / "outbox"
    _outbox_takeover(h, machine_a, machine_b, kill)
    h.run_until(WEIBO_AT + dt.timedelta(minutes=1))
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PUBLISHED
    written = [folder for folder in {machine_a / "weibo" / WEIBO, machine_b / "weibo" / WEIBO} if folder.is_dir()]
    assert written == [machine_b / "weibo" / WEIBO]  # one folder: the standby's (the shared one)
    assert post.receipt is not None and post.receipt.url == written[0].resolve().as_uri()
    assert [e.to_state for e in h.queue.history(WEIBO)].count(st.PUBLISHED) == 1


def real_daemons(tmp_path: Path, url: str, more: str = "") -> tuple[Path, dict[str, str], Callable[[], subprocess.Popen[str]]]:
    """A campaign running today (its daemon has jobs to come, whatever the date) on the database `url`, with `more`
    config.yaml lines: its config.yaml, the environment to run qm in, and how to start a `qm daemon` process on it."""
    cfg = today_config(tmp_path, 3)
    cfg.write_text(cfg.read_text(encoding="utf-8") + f'database: "{url}"\n' + more, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def spawn() -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "scheduler", "-c", str(cfg), "daemon"]
        return subprocess.Popen(command, cwd=cfg.parent, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    return cfg, env, spawn


def live_roles(engine: Engine) -> dict[int, str]:
    """The role of each daemon process whose heartbeat is fresh, by pid."""
    return {d.pid: d.role for d in gather(engine, time.time()).daemons if d.alive(time.time())}


def test_real_daemons_on_postgresql_a_standby_takes_over_from_a_killed_active(tmp_path: Path, pg_server: PgServer) -> None:
    name = pg_server.create_database()
    url = pg_server.url(name)
    cfg, env, spawn = real_daemons(tmp_path, url)
    engine = open_db(url)
    roles = functools.partial(live_roles, engine)
    first = spawn()
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: roles().get(first.pid) == "active" and bool(gather(engine, time.time()).next_jobs))
        second = spawn()
        _wait_for(lambda: roles().get(second.pid) == "standby")  # type: ignore[union-attr]
        text = run_qm("-c", cfg, "status", cwd=cfg.parent, env=env).stdout
        assert f"运行中（主服务，进程 {first.pid}" in text and f"备用服务：进程 {second.pid}" in text
        first.kill()  # the machine dies: no clean stop
        first_out, first_err = first.communicate(timeout=10)
        # it found the lease free: it never waited, nor said "another daemon publishes" (there was none) or "took over"
        assert "qm 后台服务已启动" in first_out and "备用" not in first_out
        assert "event=standby" not in first_err and "另一个后台服务" not in first_err and "event=took_over" not in first_err
        killed = time.monotonic()
        _wait_for(lambda: roles().get(second.pid) == "active")  # type: ignore[union-attr]
        gap = time.monotonic() - killed
        assert gap < DEFAULT_TIMEOUT + 5
        text = run_qm("-c", cfg, "status", cwd=cfg.parent, env=env).stdout
        assert f"运行中（进程 {second.pid}" in text  # the one it took over from is dead: no standby, no "主服务"
        assert f"原主服务（已被接管）：进程 {first.pid} 已意外终止" in text  # this machine sees its process gone at once
        second.send_signal(signal.SIGTERM)
        out, err = second.communicate(timeout=30)
        assert second.returncode == 0, err
        assert "另一个后台服务正在负责发布，本服务作为备用等待接管" in out and "qm 后台服务已启动" in out
        assert "event=standby" in err and "event=took_over" in err
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        engine.dispose()
        pg_server.drop_database(name)


# -- failover proven by simulation ------------------------------------------------------------------


@pytest.mark.parametrize("cut", [False, True], ids=["killed", "cut-off"])
def test_failover_simulation_three_daemon_processes_killed_mid_publish_and_mid_poll(pg_server: PgServer, cut: bool) -> None:
    campaign = load_campaign(API_FAKES)
    full = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    days = sorted({p.slot.day for p in full.posts})[:4]
    plan = Plan(tuple(p for p in full.posts if p.slot.day in days), ())
    name = pg_server.create_database()
    try:
        result = simulate_cluster(
            campaign, plan, Renderer(campaign), database_url=pg_server.url(name), nodes=3, kills=3, faults=0.1, cut=cut
        )
    finally:
        pg_server.drop_database(name)
    r = result.report
    assert r.planned == len(plan.posts) and r.published == r.planned and r.duplicates == 0 and r.lost == 0 and r.failed == 0
    assert result.kills == 3 and result.kills_mid_publish >= 1 and result.kills_mid_poll >= 1 and result.cuts == int(cut)
    assert result.processes == 3 + result.kills - result.cuts  # each SIGKILLed process replaced by a new one; a cut one lives on
    assert 0 < result.longest_takeover <= result.lease_timeout + 5
    assert r.faults_injected > 0


def test_qm_simulate_with_a_database_reports_the_failover_of_daemon_processes(
    project: Callable[..., Path], pg_server: PgServer, capsys: pytest.CaptureFixture[str]
) -> None:
    short = project(
        lambda t: t.replace("start: 2027-09-01", "start: 2027-09-06").replace("end: 2027-09-30", "end: 2027-09-09"), config=API_FAKES
    )
    name = pg_server.create_database()
    url = pg_server.url(name)
    try:
        code = main(["-c", str(short), "simulate", "--database", url, "--nodes", "3", "--kill-active", "3", "--faults", "0.1", "--cut"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "3 个后台服务进程共用一个 PostgreSQL 数据库和模拟时钟，主服务被杀掉（SIGKILL）3 次（第一次是切断数据库连接）" in out
        assert "重复 0 条，丢失 0 条" in out and "结论：不丢不重，按时接管。" in out
        code = main(["-c", str(short), "simulate", "--database", url, "--json", "--kill-active", "2", "--seed", "7"])
        figures = json.loads(capsys.readouterr().out)
        assert code == 0 and figures["processes"] == 5 and figures["kills_mid_publish"] == figures["kills_mid_poll"] == 1
        assert figures["published"] == figures["planned"] > 0 and figures["duplicates"] == figures["lost"] == 0
    finally:
        pg_server.drop_database(name)
    code = main(["-c", str(short), "simulate", "--database", "sqlite:///x.sqlite3"])
    assert code == 2 and "--database 必须是 PostgreSQL 地址" in capsys.readouterr().err


def test_a_shared_clock_is_one_time_for_every_process(tmp_path: Path) -> None:
    clock = SharedClock(tmp_path / "clock", dt.datetime(2027, 9, 7, 20, 0, tzinfo=dt.UTC))
    read = [
        sys.executable,
        "-c",
        "import sys; from pathlib import Path; from scheduler.runtime.clock import SharedClock as C; "
        "c = C(Path(sys.argv[1])); print(c.now().isoformat()); c.advance(90)",
        str(tmp_path / "clock"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    assert subprocess.run(read, capture_output=True, text=True, env=env, check=True).stdout.strip() == "2027-09-07T20:00:00+00:00"
    assert clock.now() == dt.datetime(2027, 9, 7, 20, 1, 30, tzinfo=dt.UTC)  # moved by the other process
    clock.close()


def test_failover_simulation_refuses_a_database_in_use(pg_server: PgServer, heihe: Campaign, heihe_plan: Plan) -> None:
    name = pg_server.create_database()
    url = pg_server.url(name)
    try:
        engine = open_db(url)
        _scheduled_post(engine)
        engine.dispose()
        with pytest.raises(InputError, match="专用的空数据库"):
            simulate_cluster(heihe, heihe_plan, Renderer(heihe), database_url=url)
        engine = open_db(url)
        assert Queue(engine).get("p1") is not None  # left as it was
        engine.dispose()
    finally:
        pg_server.drop_database(name)


def test_a_failover_simulation_that_stops_with_an_error_still_empties_its_database(
    pg_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database is emptied after the simulation whatever its end: one that stopped half-way (here a killed
    primary's lease seemingly never freed) must not leave the next run refused as "已有内容"."""
    from scheduler.simulation import failover_db
    from scheduler.support.errors import RuntimeFailure

    def never_freed(engine: Engine) -> None:
        raise RuntimeFailure("被杀掉的主服务的租约 30 秒后仍未被数据库释放")

    monkeypatch.setattr(failover_db, "wait_lease_freed", never_freed)
    campaign = load_campaign(API_FAKES)
    full = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    plan = Plan(tuple(p for p in full.posts if p.slot.day == full.posts[0].slot.day), ())
    name = pg_server.create_database()
    url = pg_server.url(name)
    try:
        with pytest.raises(RuntimeFailure, match="仍未被数据库释放"):
            simulate_cluster(campaign, plan, Renderer(campaign), database_url=url, nodes=2, kills=1, faults=0.0)
        failover_db.require_empty(url)  # the next run may start
        engine = open_db(url, migrate_schema=False)
        with engine.connect() as conn:
            assert not sa.inspect(conn).has_table("posts")
        engine.dispose()
    finally:
        pg_server.drop_database(name)


def test_a_database_that_could_not_be_emptied_after_a_run_that_succeeded_is_said() -> None:
    """Its tables left, the next run would refuse it: said after a run that succeeded; a run that fails says its own
    error (the server gone, emptying fails too: that would only hide it)."""
    from scheduler.simulation import failover_db

    with socket.socket() as free:  # a port nothing listens on: the server is gone
        free.bind(("127.0.0.1", 0))
        url = f"postgresql://qm@127.0.0.1:{free.getsockname()[1]}/qm_sim"
    assert failover_db.empty_after(url, failing=True) == ""
    said = failover_db.empty_after(url, failing=False)
    assert said.startswith("模拟已完成，但没能清空数据库") and "Traceback" not in said
    assert "127.0.0.1" in said and "dropdb 后重新 createdb" in said


def test_a_standby_taking_over_a_morning_refresh_cut_short_sends_the_reviewers_list_once(pg_harness: Harness) -> None:
    """The 06:00 job is moved to tomorrow as it is handed over, before it runs: the active killed inside its
    refresh left the day's list of posts to review unsent, and nobody would send it. The daemon taking over
    refreshes the queue as it starts anyway, and sends the list; a daemon starting later that day does not again."""
    h = pg_harness
    armed = killable_fills(h)
    h.start()
    h.step_at(h.clock.now())
    standby, thread, took = _standby(h)
    armed.append(True)
    morning = dt.datetime(2016, 9, 2, 6, 0, tzinfo=TZ)
    with pytest.raises(Crash):
        h.step_at(morning)
    armed.clear()
    h.crash()
    thread.join(20)
    assert took == [True]
    h.daemon = standby
    h.step_at(morning + dt.timedelta(seconds=5))
    listed = [n for n in h.notifications.sent if n.title.startswith("【待审核】")]  # type: ignore[union-attr]
    assert len(listed) == 1 and WEIBO in "".join(listed[0].lines)
    h.crash()
    h.start()  # a restart the same day: already sent
    h.step_at(morning + dt.timedelta(minutes=5))
    assert len([n for n in h.notifications.sent if n.title.startswith("【待审核】")]) == 1  # type: ignore[union-attr]
