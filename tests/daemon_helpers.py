"""A daemon on a fake clock, a real database (SQLite file or PostgreSQL) and a stepped scheduler, for tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import json
import logging
import logging.handlers
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from scheduler.channels.base import Channel, OutgoingPost
from scheduler.channels.fake import Crash, FakePlatform, Ledger
from scheduler.daemon import AheadHook, BackupHook, ChannelSource, Daemon, Source, StatsHook
from scheduler.daemon.context import PictureCheck
from scheduler.inputs.campaign import Campaign, ChannelConfig
from scheduler.planning.planner import Plan
from scheduler.publishing import review, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db, sqlite_path
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.runtime.stepped_scheduler import SteppedScheduler
from scheduler.support.notify import Delivery, Notice, Notifications
from scheduler.support.values import Receipt

DAY = dt.date(2016, 9, 2)


def local_campaign(campaign: Campaign, tmp_path: Path, database_url: str = "", **channel_changes: Any) -> Campaign:
    """The campaign with its state (outbox, and the database unless a URL is given) and posters under tmp_path."""
    paths = dataclasses.replace(campaign.paths, state=tmp_path / "state", posters=tmp_path / "posters")
    changed = dataclasses.replace(campaign, paths=paths, database_url=database_url)
    for name, changes in channel_changes.items():
        config = getattr(changed, name)
        changed = changed.with_channels(dataclasses.replace(config, **changes))
    return changed


def one_day(plan: Plan, day: dt.date = DAY) -> Plan:
    return Plan(tuple(p for p in plan.posts if p.slot.day == day), ())


class SpyChannel(Channel):
    """Counts calls, then delegates; `fail_with` raises instead of publishing."""

    def __init__(self, inner: Channel) -> None:
        self.inner = inner
        self.name = inner.name
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative
        self.published: list[str] = []
        self.reconciled: list[str] = []
        self.fail_with: list[BaseException] = []
        self.answer: Receipt | None = None  # when set, publish returns this receipt

    def publish(self, post: OutgoingPost) -> Receipt:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.published.append(post.id)
        receipt = self.inner.publish(post)
        return self.answer or receipt

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        self.reconciled.append(post.id)
        return self.inner.reconcile(post, receipt)

    def longest_attempt(self) -> float:
        return self.inner.longest_attempt()


class Recorder(Notifications):
    """Keeps each notice instead of sending it."""

    def __init__(self) -> None:
        super().__init__(())
        self.sent: list[Notice] = []

    def deliver(self, notice: Notice, told: Collection[str] = ()) -> Delivery:
        self.sent.append(notice)
        return Delivery(("recorder",), ())


def killable_fills(h: Harness) -> list[bool]:
    """Makes the daemon's fills die (`Crash`) while the list returned is not empty: a refresh killed midway."""
    armed: list[bool] = []

    def source() -> tuple[Plan, Renderer]:
        if armed:
            raise Crash("killed inside the morning refresh")
        return h.plan, h.renderer

    h.source = source
    return armed


class Harness:
    """Start, crash and restart daemons over one database, on one fake clock."""

    def __init__(self, campaign: Campaign, plan: Plan, renderer: Renderer, start: dt.datetime, notifications: Notifications | None = None):
        self.campaign, self.plan, self.renderer = campaign, plan, renderer
        self.clock = FakeClock(start)
        self.ledger = Ledger()
        self.channels = {c.name: SpyChannel(FakePlatform(c.name, self.ledger, self.clock)) for c in campaign.channels}
        self.notifications = notifications
        self.engine = open_db(campaign.db_url)
        self.queue = Queue(self.engine)
        self.daemon: Daemon | None = None
        self.ahead: AheadHook | None = None  # the opt-in work-ahead hook (posters, playlists)
        self.stats: StatsHook | None = None  # the opt-in statistics job
        self.backups: BackupHook | None = None  # the opt-in nightly backup
        self.source: Source | None = None  # the plan and renderer the daemon's fills use (default: `plan` and `renderer`)
        self.pictures: PictureCheck | None = None  # whether a post's pictures are still its version's (`qm daemon`: the poster files)
        self.config: Callable[[], Campaign] | None = None  # config.yaml read again: the daemon takes up its channels (default: fixed)

    def start(self) -> Daemon:
        self.daemon = self.build()
        self.daemon.start()
        return self.daemon

    def build(self) -> Daemon:
        """A daemon process of its own (engine, scheduler, lock) over the shared database, not yet started."""
        engine = open_db(self.campaign.db_url)
        scheduler = SteppedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=self.campaign.timezone)
        db = sqlite_path(self.campaign.db_url)
        return Daemon(
            self.campaign,
            engine,
            dict(self.channels),
            clock=self.clock,
            scheduler=scheduler,
            source=self.source or (lambda: (self.plan, self.renderer)),
            notifications=self.notifications,
            lock_file=db.with_name(db.name + ".lock") if db else None,
            ahead=self.ahead,
            stats=self.stats,
            backups=self.backups,
            pictures=self.pictures,
            channel_source=ChannelSource(self.config, self.make_channel) if self.config else None,
        )

    def make_channel(self, campaign: Campaign, config: ChannelConfig) -> SpyChannel:
        """A channel config.yaml adds (or changes) while the daemon runs: on the fake platform, like the others."""
        self.channels[config.name] = SpyChannel(FakePlatform(config.name, self.ledger, self.clock))
        return self.channels[config.name]

    def crash(self) -> None:
        assert self.daemon is not None
        self.daemon.abandon()
        self.daemon.queue.engine.dispose()
        self.daemon = None

    def close(self) -> None:
        if self.daemon is not None:
            self.crash()
        self.engine.dispose()

    def fill(self) -> None:
        fill(self.queue, self.campaign, self.plan, self.renderer, self.now)

    def approve_all(self) -> None:
        for post in self.queue.find([st.PLANNED]):
            self.approve(post.id, "张科长")

    def approve(self, post_id: str, who: str) -> bool:
        """Approve under the campaign's rules, as its daemon recorded them (its auto-approve channels too)."""
        return review.approve(self.queue, post_id, who, self.now, self.campaign.review, under=review_rules.of(self.campaign))

    def step_at(self, when: dt.datetime) -> None:
        self.clock.set(when)
        assert self.daemon is not None
        self.daemon.step(when)

    def run_until(self, end: dt.datetime) -> None:
        """Step from job to job until nothing is due before `end`."""
        assert self.daemon is not None
        scheduler = self.daemon.scheduler
        assert isinstance(scheduler, SteppedScheduler)
        while True:
            self.daemon.step(self.clock.now())
            upcoming = scheduler.next_run_time()
            if upcoming is None or upcoming > end:
                return
            self.clock.set(max(upcoming, self.clock.now()))

    def logged_run(self, end: dt.datetime, post_id: str) -> list[tuple[str, dict[str, Any]]]:
        """Start, approve every post and run until `end`; the daemon's log events about `post_id` (name, fields)."""
        self.start()
        self.approve_all()
        catcher = logging.handlers.BufferingHandler(capacity=1_000_000)  # keeps every record
        logger = logging.getLogger("qm")
        logger.addHandler(catcher)
        level = logger.level
        logger.setLevel(logging.INFO)
        try:
            self.run_until(end)
        finally:
            logger.removeHandler(catcher)
            logger.setLevel(level)
        fields = [(r.getMessage(), r.__dict__.get("qm_fields", {})) for r in catcher.buffer]
        return [(name, f) for name, f in fields if f.get("post") == post_id]

    def state(self, post_id: str) -> str:
        post = self.queue.get(post_id)
        assert post is not None
        return post.state

    @property
    def now(self) -> float:
        return self.clock.now().timestamp()


class Robot(http.server.BaseHTTPRequestHandler):
    """A group-robot webhook: records each request and answers with the configured JSON."""

    received: list[dict[str, Any]]
    answer: dict[str, Any]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        self.server.received.append({"path": self.path, "body": body})  # type: ignore[attr-defined]
        data = json.dumps(self.server.answer).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def robot_server(answer: dict[str, Any] | None = None, handler: type[Robot] = Robot) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.received = []  # type: ignore[attr-defined]
    server.answer = answer or {"errcode": 0, "errmsg": "ok"}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=tok-SECRET-123", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
