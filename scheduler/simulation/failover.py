"""Failover on PostgreSQL, proven on the fake clock: daemon processes share one database, the active one is killed.

Each node is an operating-system process (`cluster_node`) running the production `Daemon` with its
own engine, job store and lease session on a dedicated (empty) PostgreSQL database. The processes
share one fake clock (`clock.SharedClock`, a memory-mapped file) and the fake WeChat / Weibo servers
this process runs, so every delivery, by whichever node, lands in one `Ledger`. The simulation
steps the active node from job to job and keeps the one fault plan of the cluster (each node asks
it what to inject on each call); only the active node steps its scheduler, as in production only
the lease holder runs one.

The active node is killed `kills` times with SIGKILL: once after a delivery it had not recorded
(mid-publish), once while asking the platform about an accepted post (mid-poll), the rest while
idle. The operating system closes a killed process's sockets and the server frees its lease. With
`cut`, the first idle kill instead drops the active node's lease session with
`pg_terminate_backend` while the process runs on: its next heartbeat must find the lease gone (its
claims are fenced on the lease meanwhile), and it waits as a standby again, as `qm daemon` does. A
machine that dies silently (no connection reset) is noticed by TCP keepalives within the lease
timeout; that wait is not simulated.

Standbys try for the lease every `STANDBY_POLL` seconds of the fake clock (the fake clock stands
still while the server frees a dead session's lease, a matter of milliseconds); the longest
takeover gap is the fake time from a kill to a standby's start. A killed node is replaced by a new
process, a standby.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .. import daemon as daemon_module
from ..channels.fake import Faults, Ledger
from ..fakes.platforms import Servers, fake_servers
from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..publishing.db import metadata, open_db, posts, shown
from ..publishing.queue import Queue
from ..rendering.payloads import Renderer
from ..runtime.clock import SharedClock
from ..runtime.lease import LEASE_KEY
from ..runtime.lock import STALE_AFTER
from ..support.errors import InputError, RuntimeFailure
from .failover_node import NodeJob, read_message, write_message
from .replay import Report, approve_all, report

LEASE_FREED_WITHIN = 30.0  # real seconds: a dead session's lease is freed in milliseconds; longer is a failure


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
    processes: int  # daemon processes started in all (a killed one is replaced by a new one)

    def to_json(self) -> dict[str, float | int]:
        return {**self.report.to_json(), **{k: v for k, v in dataclasses.asdict(self).items() if k != "report"}}


class Node:
    """A daemon process, and this side of its conversation: its questions are answered while it works."""

    def __init__(self, job: Path, log: Path, cluster: Cluster) -> None:
        self.cluster = cluster
        self.log = log
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scheduler.simulation.failover_node", str(job)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                encoding="utf-8",
                env=env,
            )

    def send(self, command: str) -> dict[str, Any] | None:
        """The node's reply, or None when it asked to be killed (and was)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        write_message(self.proc.stdin, {"command": command})
        while True:
            message = read_message(self.proc.stdout)
            if message is None:
                self.proc.wait(30)
                tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeFailure(f"模拟的后台服务进程 {self.proc.pid} 意外退出（退出码 {self.proc.returncode}）：{tail}")
            if message.get("reply"):
                return message
            if message["ask"] == "kill":
                self.cluster.faults.count_kill(str(message["kind"]))
                self.kill()
                return None
            write_message(self.proc.stdin, self.cluster.answer(message))

    def kill(self) -> None:
        """SIGKILL: no clean stop, no goodbye to the database."""
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        """A clean stop: the node lets go of the lease (or its standby row) and exits."""
        _expect(self.send("stop"))
        self.proc.wait(30)
        self.close()

    def close(self) -> None:
        """However the simulation ends, no node outlives it."""
        if self.proc.poll() is None:
            self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class Cluster:
    """The simulation's side: the fault plan, the ledger and the fake servers every node shares."""

    def __init__(self, folder: Path, job: NodeJob, faults: Faults, ledger: Ledger, servers: Servers) -> None:
        self.folder, self.faults, self.ledger, self.servers = folder, faults, ledger, servers
        self.job = folder / "job.pickle"
        self.job.write_bytes(pickle.dumps(job))
        self.started = 0

    def spawn(self) -> Node:
        self.started += 1
        return Node(self.job, self.folder / f"node-{self.started}.log", self)

    def answer(self, question: dict[str, Any]) -> dict[str, Any]:
        what = question["ask"]
        if what == "publish":
            return {"fault": self.faults.on_publish()}
        if what == "poll":
            return {"kill": self.faults.on_poll()}
        if what == "rearm":
            self.faults.rearm(str(question["kill"]))
            return {}
        if what == "deliver":
            return {"n": self.ledger.deliver(str(question["post"]), float(question["at"]))}
        if what == "first":
            return {"at": self.ledger.first(str(question["post"]))}
        if what == "label":
            self.servers.servers[str(question["channel"])].current_label = str(question["post"])
            return {}
        raise RuntimeFailure(f"模拟的后台服务进程提出了未知的请求：{what}")


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
    """`renderer` is unused: each node renders for itself (the plan is what they share)."""
    began = time.perf_counter()
    rng = random.Random(seed)
    _require_empty(database_url)
    with tempfile.TemporaryDirectory(prefix="qm-cluster-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        paths = dataclasses.replace(campaign.paths, state=folder / "state", posters=folder / "posters")
        sim = dataclasses.replace(campaign, paths=paths, database_url=database_url)
        first, last = plan.posts[0].at, plan.posts[-1].at
        clock = SharedClock(folder / "clock", first - dt.timedelta(hours=1))
        stack.callback(clock.close)
        kill_calls = sorted(rng.sample(range(2, max(len(plan.posts), 3)), 1)) if kills > 0 else []
        plan_faults = Faults(faults, rng, kill_on_call=dict.fromkeys(kill_calls, "after"))
        if kills > 1:
            plan_faults.kill_on_poll = {rng.randrange(1, 3)}
        idle = sorted(first + dt.timedelta(seconds=rng.uniform(0, (last - first).total_seconds())) for _ in range(max(0, kills - 2)))
        ledger = Ledger()
        servers = stack.enter_context(fake_servers(sim, ledger, clock, fault_rate=faults / 4, seed=seed))
        engine = open_db(database_url, lease_timeout=sim.daemon.lease_timeout)
        stack.callback(engine.dispose)
        job = NodeJob(sim, plan, clock.path, servers.urls(), servers.secret, servers.token)
        cluster = Cluster(folder, job, plan_faults, ledger, servers)
        members = [cluster.spawn() for _ in range(nodes)]
        for node in members:
            stack.callback(node.close)
        active = members[0]
        _expect(active.send("start"))
        for node in members[1:]:
            _expect(node.send("standby"))
        approve_all(Queue(engine), clock)
        end = last + dt.timedelta(days=1)
        longest, done_kills, cuts = 0.0, 0, 0
        standbys_beat = clock.now()
        while True:
            answer = active.send("step")
            killed_at: float | None = None if answer is not None else clock.now().timestamp()
            if answer is not None:
                if answer["lost"]:
                    raise RuntimeFailure("主服务在没有被切断的情况下失去了租约")
                upcoming = dt.datetime.fromtimestamp(answer["next"], dt.UTC) if answer["next"] is not None else None
                if upcoming is None or upcoming > end:
                    break
                if idle and idle[0] <= upcoming:
                    clock.set(max(idle.pop(0), clock.now()))
                    killed_at = clock.now().timestamp()
                else:
                    clock.set(max(upcoming, clock.now()))
                    if clock.now() - standbys_beat >= dt.timedelta(seconds=STALE_AFTER / 2):
                        standbys_beat = clock.now()
                        _beat_standbys([n for n in members if n is not active])  # they live on, and never take a held lease
                    continue
            assert killed_at is not None
            done_kills += 1
            standbys = [n for n in members if n is not active]
            if cut and cuts == 0 and answer is not None:  # an idle moment: the process lives on, cut off
                cuts += 1
                _cut(engine)
                lost = active.send("step")  # still running: its next heartbeat finds the lease gone
                if lost is None or not lost["lost"]:
                    raise RuntimeFailure("切断数据库连接后，原主服务没有发现自己失去了租约")
                _expect(active.send("rejoin"))  # and it waits as a standby again
            elif answer is not None:
                active.kill()  # idle
            if active.proc.poll() is not None:
                members[members.index(active)] = replacement = cluster.spawn()
                stack.callback(replacement.close)
                _expect(replacement.send("standby"))
            _wait_lease_freed(engine)
            taken: Node | None = None
            while taken is None:
                clock.advance(daemon_module.STANDBY_POLL)
                taken = next((n for n in standbys if _expect(n.send("beat"))["took"]), None)
            longest = max(longest, clock.now().timestamp() - killed_at)
            active = taken
        final = {p.id: p.state for p in Queue(engine).find()}
        for node in members:
            node.stop()
        plan_faults.injected += sum(server.injected for server in servers.servers.values())
        processes = cluster.started
    _empty(database_url)
    result = report(plan, ledger, final, time.perf_counter() - began, (done_kills, kills), plan_faults)
    in_poll = plan_faults.kills_in_poll
    return ClusterReport(
        result, nodes, done_kills, plan_faults.kills - in_poll, in_poll, cuts, round(longest, 1), sim.daemon.lease_timeout, processes
    )


def _expect(answer: dict[str, Any] | None) -> dict[str, Any]:
    if answer is None:
        raise RuntimeFailure("模拟的后台服务进程在不该被杀掉的时候要求被杀掉")
    return answer


def _beat_standbys(standbys: list[Node]) -> None:
    for node in standbys:
        if _expect(node.send("beat"))["took"]:
            raise RuntimeFailure(f"备用服务（进程 {node.proc.pid}）在主服务仍持有租约时接管了：租约失效")


def _lease_holder(engine: Engine) -> int | None:
    """The server process of the session holding the lease, if any."""
    locks = sa.table("pg_locks", sa.column("locktype"), sa.column("classid"), sa.column("objid"), sa.column("pid"), sa.column("granted"))
    query = sa.select(locks.c.pid).where(
        locks.c.locktype == "advisory", locks.c.classid == LEASE_KEY[0], locks.c.objid == LEASE_KEY[1], locks.c.granted.is_(True)
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _wait_lease_freed(engine: Engine) -> None:
    deadline = time.monotonic() + LEASE_FREED_WITHIN
    while _lease_holder(engine) is not None:
        if time.monotonic() > deadline:
            raise RuntimeFailure(f"被杀掉的主服务的租约 {LEASE_FREED_WITHIN:.0f} 秒后仍未被数据库释放")
        time.sleep(0.01)


def _cut(engine: Engine) -> None:
    """Drop the lease holder's session on the server, as a network cut would; the process runs on."""
    holder = _lease_holder(engine)
    if holder is None:
        raise RuntimeFailure("要切断主服务的数据库连接，却没有找到持有租约的会话")
    with engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_terminate_backend(holder)))


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
