"""A primary that is frozen (SIGSTOP, a hung process, a paused virtual machine) keeps its TCP connection, so TCP
keepalives never end its lease session. The lease session asks the server to end it when it stays silent for the
lease timeout (`idle_session_timeout`): a standby takes over, and the primary, once it wakes, claims nothing."""

from __future__ import annotations

import datetime as dt
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.daemon import stuck_primary
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.runtime import lease as lease_module
from scheduler.runtime.lock import STANDBY, DaemonLock
from scheduler.support.notify import FAILURE, Notice
from scheduler.views.daemon_status import gather, to_json, to_text
from scheduler.views.pause_notes import local_time

from .conftest import ROOT, run_qm
from .daemon_helpers import Harness
from .pg_server import PgServer
from .test_clock_skew import _claims, _post_due
from .test_daemon import TZ
from .test_lease import live_roles, pg_harness, real_daemons  # noqa: F401  (fixture)

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

NOW = 1_800_000_000.0
TIMEOUT = 3.0  # daemon.lease_timeout (10 s at least in config.yaml; shorter here to keep the test short)

# A primary: takes the lease, beats every second, and once it finds the lease gone tries to claim the post with
# the fence it had while it held the lease (a publish job that evaluated it before the beat noticed).
PRIMARY = """
import sys, time
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.runtime.lock import STANDBY, DaemonLock
from scheduler.support.notify import FAILURE, Notice
from scheduler.views.daemon_status import gather, to_json, to_text
from scheduler.views.pause_notes import local_time
engine = open_db(sys.argv[1])
lock = DaemonLock(engine, None, float(sys.argv[2]))
lock.acquire(float(sys.argv[3]))
fence = lock.fence()
print("held", flush=True)
while lock.holds():
    time.sleep(1)
claimed = Queue(engine).claim("p1", "后台服务", float(sys.argv[3]), fence=fence)
print("lost", "claimed" if claimed else "nothing", flush=True)
"""


@pytest.fixture
def url(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


def _take_within(lock: DaemonLock, seconds: float) -> float:
    """How long the standby `lock` took to take the lease (trying as often as a standby does), or fail."""
    start = time.monotonic()
    while not lock.try_acquire(NOW + 1):
        assert time.monotonic() - start < seconds, f"the lease was not freed within {seconds:.0f} s"
        time.sleep(0.2)
    return time.monotonic() - start


def test_a_frozen_primary_loses_its_lease_and_claims_nothing_when_it_wakes(url: str) -> None:
    engine = open_db(url)
    _post_due(engine, NOW)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", PRIMARY, url, str(TIMEOUT), str(NOW)]
    primary = subprocess.Popen(command, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert primary.stdout is not None and primary.stdout.readline().strip() == "held"
        standby = DaemonLock(engine, None, TIMEOUT)
        assert not standby.try_acquire(NOW)
        primary.send_signal(signal.SIGSTOP)  # frozen: its socket stays open, the kernel answers keepalives
        took = _take_within(standby, TIMEOUT + 10)
        assert took <= TIMEOUT + 2
        assert Queue(engine).claim("p1", "后台服务", NOW + 1, fence=standby.fence()) is not None
        primary.send_signal(signal.SIGCONT)  # it wakes: its next beat finds the lease gone, its claim is fenced
        out, err = primary.communicate(timeout=30)
        assert out.strip() == "lost nothing", err
        assert _claims(engine) == 1
        standby.release(NOW + 2)
    finally:
        if primary.poll() is None:
            primary.send_signal(signal.SIGCONT)
            primary.kill()
            primary.wait(10)
        engine.dispose()


def test_a_slow_primary_that_does_not_beat_for_longer_than_the_timeout_keeps_its_lease(url: str) -> None:
    """A heartbeat held up by a long sweep (a slow webhook or channel on the main thread) is not a frozen process."""
    engine = open_db(url)
    primary, standby = DaemonLock(engine, None, TIMEOUT), DaemonLock(engine, None, TIMEOUT)
    primary.acquire(NOW)
    assert primary.lease is not None and primary.lease.ends_frozen is True
    time.sleep(TIMEOUT * 2)  # nothing asked on the main thread meanwhile
    assert not standby.try_acquire(NOW + 1)
    assert primary.holds()
    primary.release(NOW + 2)
    engine.dispose()


def test_a_server_without_idle_session_timeout_still_runs_and_says_it_cannot_end_a_frozen_primary(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL before 14 has no `idle_session_timeout`: the lease works as before; only a frozen primary is not ended."""
    monkeypatch.setattr(lease_module, "IDLE_SETTING", "qm_no_such_setting")
    engine = open_db(url)
    primary, standby = DaemonLock(engine, None, TIMEOUT), DaemonLock(engine, None, TIMEOUT)
    primary.acquire(NOW)
    assert primary.lease is not None and primary.lease.ends_frozen is False and primary.holds()
    assert not standby.try_acquire(NOW + 1)
    primary.release(NOW + 2)
    assert standby.try_acquire(NOW + 3)
    standby.release(NOW + 4)
    engine.dispose()


@pytest.mark.parametrize("old_server", [False, True], ids=["heartbeat-hung", "before-14"])
def test_a_standby_tells_staff_once_when_the_lease_holder_stops_beating(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, old_server: bool
) -> None:
    """The lease still held (a server before 14, or a process whose heartbeat hangs while the rest runs) but the
    holder's heartbeat unchanged as long as the standby watches it: nobody takes over, so staff are told, once."""
    if old_server:
        monkeypatch.setattr(lease_module, "IDLE_SETTING", "qm_no_such_setting")
    h: Harness = request.getfixturevalue("pg_harness")
    primary = h.start()
    h.step_at(h.clock.now())
    standby = h.build()
    logged: list[str] = []  # the standby's events (recorded where it logs them: a logger's state is the test run's)
    monkeypatch.setattr(stuck_primary, "event", lambda logger, name, *args, **fields: logged.append(name))
    standby.become_standby()
    assert not standby.standby_beat()
    assert logged.count("frozen_undetectable") == int(old_server)  # the standby's log says it cannot be detected there

    def stuck_notices() -> list[Notice]:
        return [n for n in h.notifications.sent if "没有心跳" in n.title]  # type: ignore[union-attr]

    for _ in range(11):  # 55 s of the standby's rounds: within what a slow heartbeat may take
        h.clock.advance(5)
        assert not standby.standby_beat()
    assert stuck_notices() == []
    for _ in range(30):  # the holder's heartbeat still unchanged: told once, not at every round
        h.clock.advance(5)
        assert not standby.standby_beat()
    [notice] = stuck_notices()
    text = notice.title + "".join(notice.lines)
    assert notice.kind == FAILURE and f"进程 {primary.lock.pid}" in text and "本机" in text and f"kill -9 {primary.lock.pid}" in text
    assert ("低于 PostgreSQL 14" in text) is old_server
    h.step_at(h.clock.now())  # it beats again: a later stop would be told anew
    h.clock.advance(5)
    assert not standby.standby_beat() and len(stuck_notices()) == 1
    standby.lock.release(h.now)


def test_status_of_a_standby_that_took_over_says_when_it_took_over_besides_when_it_started(url: str) -> None:
    engine = open_db(url)
    primary, standby = DaemonLock(engine, None), DaemonLock(engine, None)
    primary.acquire(NOW)
    standby.register(NOW + 5, STANDBY)
    assert not standby.try_acquire(NOW + 10)
    primary.abandon()
    assert standby.try_acquire(NOW + 100)
    status = gather(engine, NOW + 101)
    assert f"启动于 {local_time(NOW + 5, TZ)}，接管于 {local_time(NOW + 100, TZ)}，最近心跳 1 秒前" in to_text(status, TZ, {}, 2027)
    assert to_json(status, TZ, {})["daemon"]["took_over"] == dt.datetime.fromtimestamp(NOW + 100, TZ).isoformat(timespec="seconds")
    standby.release(NOW + 102)
    restarted = DaemonLock(engine, None)  # started as the primary: it took nothing over
    restarted.acquire(NOW + 200)
    assert "接管于" not in to_text(gather(engine, NOW + 201), TZ, {}, 2027)
    restarted.release(NOW + 202)
    engine.dispose()


def test_real_daemons_a_standby_takes_over_from_a_frozen_primary_which_stands_by_when_it_wakes(tmp_path: Path, pg_server: PgServer) -> None:
    name = pg_server.create_database()
    url = pg_server.url(name)
    cfg, env, spawn = real_daemons(tmp_path, url, "daemon:\n  lease_timeout: 10\n")
    engine = open_db(url)
    roles = functools.partial(live_roles, engine)
    first = spawn()
    second: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: roles().get(first.pid) == "active" or first.poll() is not None, 60)
        assert first.poll() is None, first.communicate()
        second = spawn()
        _wait_for(lambda: roles().get(second.pid) == "standby", 30)  # type: ignore[union-attr]
        first.send_signal(signal.SIGSTOP)  # frozen: its process and its socket are there, it does nothing
        frozen = time.monotonic()
        _wait_for(lambda: roles().get(second.pid) == "active", 40)  # type: ignore[union-attr]
        took = time.monotonic() - frozen
        assert took <= 10 + 5 + 3  # the lease timeout, a standby's 5 s between tries, a little slack
        text = run_qm("-c", cfg, "status", cwd=cfg.parent, env=env).stdout
        assert f"运行中（主服务，进程 {second.pid}" in text and "接管于" in text
        first.send_signal(signal.SIGCONT)  # it wakes: its next heartbeat finds the lease gone, it waits as a standby
        _wait_for(lambda: roles().get(first.pid) == "standby", 40)
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
        assert "event=lease_lost" in err and "失去了主服务租约" in out and "转为备用" in out
        second.communicate(timeout=30)
        print(f"takeover after SIGSTOP: {took:.1f} s")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                proc.wait(10)
        engine.dispose()
        pg_server.drop_database(name)


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)
