"""One daemon process of the failover simulation (`qm simulate --database … --nodes N`).

The simulation starts each node as `python -m scheduler.simulation.failover_node JOB`: the production daemon
(its own engine, job store and lease session) on the simulation's database, on the fake clock the
processes share (`clock.SharedClock`), stepped on command. Its channels are the real WeChat / Weibo
channels talking to the fake servers the simulation runs, and fake platforms for the rest.

Node and simulation speak JSON lines over the node's stdin and stdout. Commands come in (`start`,
`standby`, `beat`, `step`, `rejoin`, `stop`), each answered by one `reply`. While it works, the
node asks the simulation what only the simulation knows (`ask`): the fault of this call (one plan
for the whole cluster), which post the platform is about to receive, what the platforms received.
At a kill point the node asks to be killed and waits: the simulation kills it with SIGKILL there,
mid-publish or mid-poll, with its post claimed and its sessions open.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

from ..channels.base import Channel
from ..channels.fake import FaultyChannel, Ledger
from ..daemon import Daemon
from ..fakes.platforms import platform_maker
from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..poster.files import PosterFiles
from ..publishing.db import open_db
from ..rendering.payloads import Renderer
from ..runtime.clock import SharedClock
from ..runtime.stepped_scheduler import SteppedScheduler
from ..support.logs import setup_logging
from .replay import current_source


@dataclass(frozen=True)
class NodeJob:
    """What every node of one simulation shares, written once by the simulation."""

    campaign: Campaign  # its database_url is the simulation's database, its state a temporary folder
    plan: Plan
    clock: Path  # the shared clock's file
    urls: dict[str, str]  # channel -> the fake server it talks to
    secret: str  # made-up WeChat AppSecret and Weibo token the fake servers accept
    token: str


def write_message(stream: IO[str], message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, ensure_ascii=False) + "\n")
    stream.flush()


def read_message(stream: IO[str]) -> dict[str, Any] | None:
    """The next message, or None when the other end is gone."""
    line = stream.readline()
    return json.loads(line) if line else None


class Link:
    """The node's side of the conversation with the simulation."""

    def __init__(self, incoming: IO[str], outgoing: IO[str]) -> None:
        self.incoming, self.outgoing = incoming, outgoing

    def command(self) -> dict[str, Any]:
        message = read_message(self.incoming)
        if message is None:  # the simulation is gone: so is this node
            raise SystemExit(0)
        return message

    def reply(self, **fields: Any) -> None:
        write_message(self.outgoing, {"reply": True, **fields})

    def ask(self, what: str, **fields: Any) -> dict[str, Any]:
        write_message(self.outgoing, {"ask": what, **fields})
        return self.command()


class RemoteFaults:
    """The cluster's one fault plan, kept by the simulation (`channels.fake.FaultPlan`)."""

    def __init__(self, link: Link) -> None:
        self.link = link

    def on_publish(self) -> str | None:
        fault = self.link.ask("publish").get("fault")
        return str(fault) if fault else None

    def on_poll(self) -> bool:
        return bool(self.link.ask("poll").get("kill"))

    def rearm(self, kill: str) -> None:
        self.link.ask("rearm", kill=kill)

    def die(self, kind: str, why: str) -> NoReturn:
        """Ask to be killed here and wait for SIGKILL: nothing after this line runs."""
        write_message(self.link.outgoing, {"ask": "kill", "kind": kind, "why": why})
        while True:
            time.sleep(3600)


class RemoteLedger(Ledger):
    """What the platforms received, counted by the simulation across every node."""

    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link

    def deliver(self, post_id: str, at: float) -> int:
        return int(self.link.ask("deliver", post=post_id, at=at)["n"])

    def first(self, post_id: str) -> float | None:
        at = self.link.ask("first", post=post_id).get("at")
        return float(at) if at is not None else None


class RemoteLabel:
    """Names the post being sent to a fake server that runs in the simulation's process."""

    def __init__(self, link: Link, channel: str) -> None:
        self.link, self.channel, self._label = link, channel, ""

    @property
    def current_label(self) -> str:
        return self._label

    @current_label.setter
    def current_label(self, post_id: str) -> None:
        self._label = post_id
        self.link.ask("label", channel=self.channel, post=post_id)


def run(job: NodeJob, link: Link) -> None:
    campaign, plan = job.campaign, job.plan
    clock = SharedClock(job.clock)
    engine = open_db(campaign.db_url, lease_timeout=campaign.daemon.lease_timeout)
    make, made = platform_maker(campaign, job.urls, job.secret, job.token, lambda name: RemoteLabel(link, name))
    ledger, faults = RemoteLedger(link), RemoteFaults(link)
    channels: dict[str, Channel] = {c.name: FaultyChannel(make(c, ledger, clock), faults, clock) for c in campaign.channels}
    renderer, pictures = Renderer(campaign), PosterFiles(campaign).unapproved  # pictures checked as `qm daemon` does

    def build() -> Daemon:
        scheduler = SteppedScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=campaign.timezone)
        return Daemon(
            campaign, engine, channels, clock=clock, scheduler=scheduler, source=current_source(plan, renderer), pictures=pictures
        )

    daemon, active = build(), False
    while True:
        command = link.command()["command"]
        if command == "start":  # the first active daemon
            daemon.start()
            active = True
            link.reply()
        elif command == "standby":
            daemon.become_standby()
            link.reply()
        elif command == "beat":  # a standby's round: take the lease if it is free
            active = daemon.standby_beat()
            link.reply(took=active)
        elif command == "step":  # the active daemon: heartbeat, then the jobs due now
            daemon.step(clock.now())
            upcoming = None if daemon.lost_lease else daemon.scheduler.next_run_time()
            link.reply(lost=daemon.lost_lease, next=upcoming.timestamp() if upcoming else None)
        elif command == "rejoin":  # cut off and stopped: wait as a standby again, as `qm daemon` does
            daemon.stop()
            daemon, active = build(), False
            daemon.become_standby()
            link.reply()
        elif command == "stop":
            if active:
                daemon.stop()
            else:
                daemon.lock.release(clock.now().timestamp())
            for channel in made:
                channel.close()
            engine.dispose()
            link.reply()
            return


def main(argv: list[str]) -> int:
    outgoing = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed goes to the node's log, never into the conversation
    setup_logging(None, level=logging.WARNING)
    job = pickle.loads(Path(argv[1]).read_bytes())  # written by the simulation into its own private folder
    run(job, Link(sys.stdin, outgoing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
