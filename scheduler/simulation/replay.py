"""Replay a whole campaign through the real daemon on a fake clock, with faults and kills.

The daemon, queue, job store, reconciliation and lock are the production ones, on a real SQLite
file in a temporary folder; only the clock is fake and the scheduler is stepped (jumping straight
to the next due job). Channels are `FaultyChannel`s around a platform made by `platform` (by
default `FakePlatform`, and for channels on `publisher: api` the real WeChat / Weibo channel pointed
at a local fake server, see `fakes.platforms`). The
process is "killed" `restarts` times: the first kill lands after a delivery but before the
daemon records it, the second after a claim but before delivery, the rest while idle. Each
restart comes after a downtime shorter than the channels' grace windows. The mid-publish kills
land on publish calls early enough that every run reaches them; the report gives the restarts asked
for and those performed, and a run that performed fewer does not pass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from ..channels.base import Channel
from ..channels.fake import Crash, Faults, FaultyChannel, Ledger
from ..daemon import Daemon
from ..fakes.platforms import Platform, api_platforms
from ..fakes.server import FakeServer
from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..planning.planner import Plan
from ..poster.files import PosterFiles
from ..publishing import review, review_rules
from ..publishing import states as st
from ..publishing.db import open_db, sqlite_path
from ..publishing.queue import Queue
from ..rendering.payloads import Renderer
from ..report.lateness import LATE_AFTER
from ..runtime.clock import Clock, FakeClock
from ..runtime.stepped_scheduler import SteppedScheduler
from .figures import StatsPlatforms, collect, keep, play_screens
from .marker import REVIEWER

log = logging.getLogger("qm.simulate")


@dataclass(frozen=True)
class Report:
    planned: int
    published: int
    duplicates: int
    lost: int
    late: int
    failed: int
    wall_time: float
    restarts: int
    restarts_requested: int
    kills_mid_publish: int
    faults_injected: int
    max_late_seconds: float

    def to_json(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


def simulate(
    campaign: Campaign,
    plan: Plan,
    renderer: Renderer,
    *,
    faults: float = 0.1,
    restarts: int = 3,
    seed: int = 2016,
    platform: Platform | None = None,
    library: Library | None = None,
    keep_in: Path | None = None,
) -> Report:
    """`keep_in`: also play the screens, collect the statistics from fake servers, and keep the
    database and proof of play there (for `qm report`; needs `library`)."""
    began = time.perf_counter()
    rng = random.Random(seed)
    if not plan.posts:
        return Report(0, 0, 0, 0, 0, 0, 0.0, 0, restarts, 0, 0, 0.0)
    with tempfile.TemporaryDirectory(prefix="qm-simulate-") as tmp, contextlib.ExitStack() as stack:
        paths = dataclasses.replace(campaign.paths, state=Path(tmp), posters=Path(tmp) / "posters")
        # one review stage: `approve_all` approves each post in one step, under the rules the daemon records
        sim = dataclasses.replace(campaign, paths=paths, database_url="", review=review.DEFAULT_REVIEW)
        first, last = plan.posts[0].at, plan.posts[-1].at
        clock = FakeClock(first - dt.timedelta(hours=1))
        end = last + dt.timedelta(days=1)
        plan_faults = Faults(faults, rng, kill_on_call=_mid_publish_kills(restarts, len(plan.posts), rng))
        idle_kills = _idle_kills(restarts - len(plan_faults.kill_on_call), first, last, rng)
        ledger = Ledger()
        servers: list[FakeServer] = []
        if platform is None:  # channels on `publisher: api` talk to local fake servers, which fail now and then too
            platform, servers = stack.enter_context(api_platforms(sim, ledger, clock, fault_rate=faults / 4, seed=seed))
        figures = StatsPlatforms(sim, servers, clock) if keep_in is not None else None
        if figures is not None:
            stack.callback(figures.stop)
        lives = 0
        while True:
            lives += 1
            engine = open_db(sim.db_url)
            channels: dict[str, Channel] = {
                c.name: FaultyChannel(_registered(figures, platform(c, ledger, clock)), plan_faults, clock) for c in sim.channels
            }
            scheduler = SteppedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=sim.timezone)
            db_file = sqlite_path(sim.db_url)
            lock_file = db_file.with_name(db_file.name + ".lock") if db_file else None
            daemon = Daemon(
                sim, engine, channels, clock=clock, scheduler=scheduler, source=current_source(plan, renderer), lock_file=lock_file,
                pictures=PosterFiles(sim).unapproved,  # as `qm daemon`: a post's pictures checked against its approved version
            )  # fmt: skip
            daemon.start()
            if lives == 1:
                approve_all(daemon.queue, clock, sim)
            try:
                _run(daemon, scheduler, clock, end, idle_kills)
            except Crash:
                daemon.abandon()
                engine.dispose()
                clock.advance(rng.uniform(5, 40) * 60)  # downtime, inside the grace windows
                continue
            final = {p.id: p.state for p in daemon.queue.find()}
            daemon.stop()
            engine.dispose()
            break
        plan_faults.injected += sum(server.injected for server in servers)
        if figures is not None and keep_in is not None and library is not None:
            _keep_figures(sim, plan, library, figures, clock, keep_in)
    return report(plan, ledger, final, time.perf_counter() - began, (lives - 1, restarts), plan_faults)


def current_source(plan: Plan, renderer: Renderer) -> Callable[[], tuple[Plan, Renderer]]:
    """What each refill renders with, as `qm daemon` reads it again: a renderer keeps its templates' and brand's
    fingerprint for its life, so one is made anew when they changed (a layout edited while the simulation runs
    sends the post back to review, as the daemon's picture check does, instead of failing it). The plan and its
    items' words stay those the simulation started with."""
    current = renderer

    def source() -> tuple[Plan, Renderer]:
        nonlocal current
        fresh = Renderer(current.campaign)
        if fresh.fingerprint != current.fingerprint:
            fresh.env.bytecode_cache = current.env.bytecode_cache
            current = fresh
        return plan, current

    return source


def _registered(figures: StatsPlatforms | None, channel: Channel) -> Channel:
    return figures.wrap(channel) if figures is not None else channel


def _keep_figures(sim: Campaign, plan: Plan, library: Library, figures: StatsPlatforms, clock: FakeClock, keep_in: Path) -> None:
    """After the campaign: the walls' proof of play and the statistics job, then keep what `qm report` reads."""
    engine = open_db(sim.db_url)
    try:
        play_screens(sim, plan, library, engine)
        asked_at = sim.at(sim.end + dt.timedelta(days=2), dt.time(9, 0))  # every day of the window is ready
        clock.set(max(asked_at, clock.now()))
        collect(sim, engine, figures, clock)
    finally:
        engine.dispose()
    database = sqlite_path(sim.db_url)
    assert database is not None
    keep(database, sim.paths.state, keep_in)


def _run(daemon: Daemon, scheduler: SteppedScheduler, clock: FakeClock, end: dt.datetime, idle_kills: list[dt.datetime]) -> None:
    while True:
        daemon.step(clock.now())
        upcoming = scheduler.next_run_time()
        if upcoming is None or upcoming > end:
            return
        if idle_kills and idle_kills[0] <= upcoming:
            clock.set(max(idle_kills.pop(0), clock.now()))
            raise Crash("killed while idle")
        clock.set(max(upcoming, clock.now()))


def approve_all(queue: Queue, clock: Clock, campaign: Campaign) -> None:
    """Approve every post waiting, in one step (the simulation reviews in one stage), under `campaign`'s rules."""
    under = review_rules.of(campaign)
    for post in queue.find([st.PLANNED]):
        review.approve(queue, post.id, REVIEWER, clock.now().timestamp(), campaign.review, under=under)


def _mid_publish_kills(restarts: int, posts: int, rng: random.Random) -> dict[int, str]:
    """Publish call number -> kill. Within the first three quarters of the calls: a post already out
    when a restart reconciles it needs no call, so the last call numbers may never be made."""
    kinds = ["after", "before"][: max(0, restarts)]
    calls = sorted(rng.sample(range(2, max(posts * 3 // 4, 4)), len(kinds))) if kinds else []
    return dict(zip(calls, kinds, strict=True))


def _idle_kills(count: int, first: dt.datetime, last: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    span = (last - first).total_seconds()
    return sorted(first + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(max(0, count)))


def report(plan: Plan, ledger: Ledger, final: dict[str, str], wall: float, restarts: tuple[int, int], faults: Faults) -> Report:
    firsts = {p.id: (ledger.first(p.id), p.at.timestamp()) for p in plan.posts}
    # Late by the work summary's rule (`report.lateness`), by when the platforms really received each post
    late = [got - slot for got, slot in firsts.values() if got is not None and got - slot > LATE_AFTER]
    delivered = {pid for pid, (got, _) in firsts.items() if got is not None}
    reported = {pid for pid, state in final.items() if state in (st.FAILED, st.MISSED)}
    return Report(
        planned=len(plan.posts),
        published=len(delivered),
        duplicates=sum(len(times) - 1 for times in ledger.deliveries.values()),
        lost=sum(1 for p in plan.posts if p.id not in delivered and p.id not in reported),  # gone without a word
        late=len(late),
        failed=len(reported),
        wall_time=round(wall, 2),
        restarts=restarts[0],
        restarts_requested=restarts[1],
        kills_mid_publish=min(faults.kills, restarts[0]),
        faults_injected=faults.injected,
        max_late_seconds=round(max(late, default=0.0), 1),
    )


def passed(report: Report) -> bool:
    """Everything out once, nothing failed or missed, every restart asked for performed."""
    r = report
    return r.published == r.planned and not r.duplicates and not r.lost and not r.failed and r.restarts == r.restarts_requested
