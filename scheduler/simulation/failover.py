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

The processes and their conversation are in `cluster`, the dedicated database (empty before and
after, the lease seen and cut from outside) in `failover_db`; this module runs the simulation.
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

from .. import daemon as daemon_module
from ..channels.fake import Faults, Ledger
from ..fakes.platforms import fake_servers
from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..publishing.db import open_db
from ..publishing.queue import Queue
from ..rendering.payloads import Renderer
from ..runtime.clock import SharedClock
from ..runtime.lock import STALE_AFTER
from ..support.errors import RuntimeFailure
from . import failover_db
from .cluster import Cluster, Node, expect
from .failover_node import NodeJob
from .replay import Report, approve_all, report


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
    left: str = ""  # the database could not be emptied after the run: why, and what to do (said on stderr)

    def to_json(self) -> dict[str, float | int]:
        return {**self.report.to_json(), **{k: v for k, v in dataclasses.asdict(self).items() if k not in ("report", "left")}}


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
    failover_db.require_empty(database_url)
    left: list[str] = []  # what emptying the database after the run found wrong
    with tempfile.TemporaryDirectory(prefix="qm-cluster-") as tmp, contextlib.ExitStack() as stack:
        # last, once every process is gone, however the run ends (quiet about a server gone while the run fails)
        stack.push(lambda failed, _exc, _tb: left.append(failover_db.empty_after(database_url, failed is not None)))
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
        expect(active.send("start"))
        for node in members[1:]:
            expect(node.send("standby"))
        approve_all(Queue(engine), clock, sim)
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
                failover_db.cut(engine)
                lost = active.send("step")  # still running: its next heartbeat finds the lease gone
                if lost is None or not lost["lost"]:
                    raise RuntimeFailure("切断数据库连接后，原主服务没有发现自己失去了租约")
                expect(active.send("rejoin"))  # and it waits as a standby again
            elif answer is not None:
                active.kill()  # idle
            if active.proc.poll() is not None:
                members[members.index(active)] = replacement = cluster.spawn()
                stack.callback(replacement.close)
                expect(replacement.send("standby"))
            failover_db.wait_lease_freed(engine)
            taken: Node | None = None
            while taken is None:
                clock.advance(daemon_module.STANDBY_POLL)
                taken = next((n for n in standbys if expect(n.send("beat"))["took"]), None)
            longest = max(longest, clock.now().timestamp() - killed_at)
            active = taken
        final = {p.id: p.state for p in Queue(engine).find()}
        for node in members:
            node.stop()
        plan_faults.injected += sum(server.injected for server in servers.servers.values())
        processes = cluster.started
    result = report(plan, ledger, final, time.perf_counter() - began, (done_kills, kills), plan_faults)
    in_poll = plan_faults.kills_in_poll
    return ClusterReport(
        result,
        nodes,
        done_kills,
        plan_faults.kills - in_poll,
        in_poll,
        cuts,
        round(longest, 1),
        sim.daemon.lease_timeout,
        processes,
        "".join(left),
    )


def _beat_standbys(standbys: list[Node]) -> None:
    for node in standbys:
        if expect(node.send("beat"))["took"]:
            raise RuntimeFailure(f"备用服务（进程 {node.proc.pid}）在主服务仍持有租约时接管了：租约失效")
