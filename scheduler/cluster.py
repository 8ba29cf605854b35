"""Failover on PostgreSQL, proven on the fake clock: several daemons share one database, the active one is killed.

Each node is a production `Daemon` with its own engine, job-store connection and lease session on
a dedicated (empty) PostgreSQL database; only the active node steps its scheduler, as in
production only the lease holder runs one. The active node is killed `kills` times: once after a
delivery it had not recorded (mid-publish), once while asking the platform about an accepted post
(mid-poll), the rest while idle. A kill closes the node's sessions (the server frees the lease at
once, as for a dead process); with `cut`, the first idle kill instead drops the active node's lease
session with `pg_terminate_backend` while it goes on running, and its next heartbeat must find
the lease gone (its claims are fenced on the lease meanwhile). A machine that dies silently (no
connection reset) is noticed by TCP keepalives within the lease timeout; that wait is not simulated. Standbys try for the lease every `STANDBY_POLL` seconds of the fake clock; the
longest takeover gap is the fake time from the kill to a standby's start. A killed node comes back
as a standby after a short downtime.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy.engine import Engine

from . import daemon as daemon_module
from .campaign import Campaign
from .channels.base import Channel
from .channels.fake import Crash, Faults, FaultyChannel, Ledger
from .clock import FakeClock
from .daemon import Daemon
from .db import metadata, open_db, posts, shown
from .errors import InputError, RuntimeFailure
from .fakes.platforms import api_platforms
from .planner import Plan
from .render import Renderer
from .simulate import Report, approve_all, report
from .stepping import SteppedScheduler

DOWNTIME = 10 * 60.0  # a killed node is back (as a standby) this long after


@dataclass(frozen=True)
class ClusterReport:
    report: Report
    nodes: int
    kills: int
    kills_mid_publish: int
    kills_mid_poll: int
    cuts: int
    longest_takeover: float  # seconds of the fake clock from a kill to the next active daemon's start
    lease_timeout: float

    def to_json(self) -> dict[str, float | int]:
        return {**self.report.to_json(), **{k: v for k, v in dataclasses.asdict(self).items() if k != "report"}}


@dataclass
class Node:
    daemon: Daemon
    engine: Engine
    back_at: float = 0.0  # when a killed node returns


def simulate_cluster(
    campaign: Campaign,
    plan: Plan,
    renderer: Renderer,
    *,
    database_url: str,
    nodes: int = 3,
    kills: int = 3,
    faults: float = 0.1,
    cut: bool = False,
    seed: int = 2016,
) -> ClusterReport:
    began = time.perf_counter()
    rng = random.Random(seed)
    _require_empty(database_url)
    with tempfile.TemporaryDirectory(prefix="qm-cluster-") as tmp, contextlib.ExitStack() as stack:
        paths = dataclasses.replace(campaign.paths, state=Path(tmp), posters=Path(tmp) / "posters")
        sim = dataclasses.replace(campaign, paths=paths, database_url=database_url)
        first, last = plan.posts[0].at, plan.posts[-1].at
        clock = FakeClock(first - dt.timedelta(hours=1))
        kill_calls = sorted(rng.sample(range(2, max(len(plan.posts), 3)), 1)) if kills > 0 else []
        plan_faults = Faults(faults, rng, kill_on_call=dict.fromkeys(kill_calls, "after"))
        if kills > 1:
            plan_faults.kill_on_poll = {rng.randrange(1, 3)}
        idle = sorted(first + dt.timedelta(seconds=rng.uniform(0, (last - first).total_seconds())) for _ in range(max(0, kills - 2)))
        ledger = Ledger()
        platform, servers = stack.enter_context(api_platforms(sim, ledger, clock, fault_rate=faults / 4, seed=seed))
        channels: dict[str, Channel] = {c.name: FaultyChannel(platform(c, ledger, clock), plan_faults, clock) for c in sim.channels}

        def make() -> Node:
            engine = open_db(database_url)
            scheduler = SteppedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=sim.timezone)
            return Node(Daemon(sim, engine, channels, clock=clock, scheduler=scheduler, source=lambda: (plan, renderer)), engine)

        cluster = [make() for _ in range(nodes)]
        active = cluster[0]
        active.daemon.start()
        for node in cluster[1:]:
            node.daemon.become_standby()
        approve_all(active.daemon.queue, clock)
        end = last + dt.timedelta(days=1)
        longest, done_kills, cuts = 0.0, 0, 0
        while True:
            killed_at: float | None = None
            crashed = False
            try:
                active.daemon.step(clock.now())
            except Crash:
                killed_at, crashed = clock.now().timestamp(), True
            if killed_at is None:
                upcoming = active.daemon.scheduler.next_run_time()
                if upcoming is None or upcoming > end:
                    break
                if idle and idle[0] <= upcoming:
                    clock.set(max(idle.pop(0), clock.now()))
                    killed_at = clock.now().timestamp()
                else:
                    clock.set(max(upcoming, clock.now()))
                    continue
            done_kills += 1
            if cut and cuts == 0 and not crashed:  # an idle moment: the process lives on, cut off
                cuts += 1
                _cut(active)
                active.daemon.step(clock.now())  # still running: its next heartbeat finds the lease gone
                assert active.daemon.lost_lease
                active.daemon.stop()
            else:
                active.daemon.abandon()
            active.engine.dispose()
            active.back_at = killed_at + DOWNTIME
            standbys = [n for n in cluster if n is not active]
            taken: Node | None = None
            while taken is None:
                clock.advance(daemon_module.STANDBY_POLL)
                for node in standbys:
                    if node.daemon.standby_beat():
                        taken = node
                        break
            longest = max(longest, clock.now().timestamp() - killed_at)
            cluster[cluster.index(active)] = replacement = make()
            replacement.back_at = active.back_at
            active = taken
            replacement.daemon.become_standby()
        final = {p.id: p.state for p in active.daemon.queue.find()}
        active.daemon.stop()
        for node in cluster:
            if node is not active:
                node.daemon.lock.release(clock.now().timestamp())
            node.engine.dispose()
        plan_faults.injected += sum(server.injected for server in servers)
    _empty(database_url)
    result = report(plan, ledger, final, time.perf_counter() - began, (done_kills, kills), plan_faults)
    in_poll = plan_faults.kills_in_poll
    return ClusterReport(
        result, nodes, done_kills, plan_faults.kills - in_poll, in_poll, cuts, round(longest, 1), campaign.daemon.lease_timeout
    )


def _cut(node: Node) -> None:
    """Drop the node's lease session on the server, as a network cut would; the process runs on."""
    lease = node.daemon.lock.lease
    assert lease is not None and lease.backend is not None
    admin = sa.create_engine(node.engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.select(sa.func.pg_terminate_backend(lease.backend)))
    admin.dispose()


def _require_empty(url: str) -> None:
    try:
        engine = open_db(url, migrate_schema=False)
    except RuntimeFailure as exc:  # a URL given on the command line: bad input
        raise InputError(f"--database {exc}") from exc
    try:
        if engine.dialect.name != "postgresql":
            raise InputError(f"--database 必须是 PostgreSQL 地址（postgresql://…），而不是 {shown(url)}")
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("posts") and conn.execute(sa.select(sa.func.count()).select_from(posts)).scalar():
                raise InputError(f"数据库 {shown(url)} 里已有内容：模拟需要一个专用的空数据库（createdb qm_sim），模拟结束后会清空")
    except sa.exc.OperationalError as exc:
        raise InputError(f"无法连接 {shown(url)}：{exc.orig}") from exc
    finally:
        engine.dispose()
    _empty(url)


def _empty(url: str) -> None:
    engine = open_db(url, migrate_schema=False)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS apscheduler_jobs"))
        metadata.drop_all(conn)
    engine.dispose()
