"""Channels for the simulation: a fake platform that counts deliveries, and a fault injector.

`FakePlatform` is a platform with no idempotency of its own: every `publish` call delivers, so a
daemon that re-sent a post blindly would show up as a duplicate in its `Ledger`.
`FaultyChannel` wraps any channel (the fake platform, or later a real channel talking to a local
fake server) and injects transient errors, timeouts after delivery, and process kills.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NoReturn, Protocol

from ..runtime.clock import Clock
from ..support.values import Receipt, committed
from .base import Channel, OutgoingPost, TransientError


class Crash(BaseException):
    """The simulated process was killed. BaseException, so no `except Exception` in the daemon stops it."""


@dataclass
class Ledger:
    """What the platforms really received: post id -> delivery times (epoch seconds)."""

    deliveries: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def deliver(self, post_id: str, at: float) -> int:
        self.deliveries[post_id].append(at)
        return len(self.deliveries[post_id])

    def first(self, post_id: str) -> float | None:
        times = self.deliveries.get(post_id)
        return times[0] if times else None


# As long as a real platform's call may take (a Weibo post with the default `timeout: 15`: 4 phases of
# 15 s): the fake answers at once, but a daemon that took over cannot know that, so it waits as for a real one.
CALL_TIMEOUT = 60.0


class FakePlatform(Channel):
    reconcile_is_authoritative = True  # it can list what it received

    def __init__(self, name: str, ledger: Ledger, clock: Clock, timeout: float = CALL_TIMEOUT) -> None:
        self.name = name
        self.ledger = ledger
        self.clock = clock
        self.timeout = timeout  # how long a call may take: a daemon taking over waits this long (`longest_attempt`)

    def longest_attempt(self) -> float:
        return self.timeout

    def publish(self, post: OutgoingPost) -> Receipt:
        at = self.clock.now().timestamp()
        n = self.ledger.deliver(post.id, at)
        return Receipt("published", external_id=f"{self.name}-{post.id}-{n}", data={"published_at": at})

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        first = self.ledger.first(post.id)
        if first is None:
            return None
        return Receipt("published", external_id=f"{self.name}-{post.id}-1", data={"published_at": first})  # the platform knows when


class FaultPlan(Protocol):
    """Decides the fault of each call a `FaultyChannel` makes: `Faults` in the process itself, or
    one asking the simulation that started the process (the failover simulation's daemons)."""

    def on_publish(self) -> str | None:
        """The fault of the next publish call: a kill "before" / "after" delivery, "busy", "timeout", or None."""
        ...

    def on_poll(self) -> bool:
        """Whether asking the platform about an accepted post now is killed."""
        ...

    def rearm(self, kill: str) -> None:
        """A kill that could not happen (nothing was delivered to be killed after) goes to the next call."""
        ...

    def die(self, kind: str, why: str) -> NoReturn:
        """The process is killed here ("before", "after" or "poll")."""
        ...


@dataclass
class Faults:
    """Shared by every faulty channel of one simulation, so kills are counted across channels."""

    rate: float
    rng: random.Random
    kill_on_call: dict[int, str] = field(default_factory=dict)  # publish call number -> "before" | "after" delivery
    kill_on_poll: set[int] = field(default_factory=set)  # poll numbers (asking about an accepted post) that kill
    calls: int = 0
    polls: int = 0
    kills_in_poll: int = 0
    injected: int = 0
    kills: int = 0

    def on_publish(self) -> str | None:
        self.calls += 1
        kill = self.kill_on_call.pop(self.calls, None)
        if kill is not None:
            return kill
        roll = self.rng.random()
        if roll >= self.rate:
            return None
        self.injected += 1
        return "busy" if roll < self.rate / 2 else "timeout"

    def on_poll(self) -> bool:
        self.polls += 1
        if self.polls not in self.kill_on_poll:
            return False
        self.kill_on_poll.discard(self.polls)
        return True

    def rearm(self, kill: str) -> None:
        at = self.calls + 1
        while at in self.kill_on_call:
            at += 1
        self.kill_on_call[at] = kill

    def count_kill(self, kind: str) -> None:
        self.kills += 1
        self.kills_in_poll += kind == "poll"

    def die(self, kind: str, why: str) -> NoReturn:
        self.count_kill(kind)
        raise Crash(why)


class FaultyChannel(Channel):
    TIMEOUT_SECONDS = 10.0

    def __init__(self, inner: Channel, faults: FaultPlan, clock: Clock) -> None:
        self.inner = inner
        self.name = inner.name
        self.faults = faults
        self.clock = clock
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative

    def publish(self, post: OutgoingPost) -> Receipt:
        f = self.faults
        fault = f.on_publish()
        if fault == "before":
            f.die(fault, f"killed before delivering {post.id}")
        if fault == "after":
            try:
                self.inner.publish(post)
            except Exception:
                f.rearm(fault)  # nothing was delivered to be killed after: the next call gets the kill
                raise
            f.die(fault, f"killed after delivering {post.id}")
        if fault == "busy":
            raise TransientError("模拟故障：平台繁忙（HTTP 503）", self.name)
        receipt = self.inner.publish(post)
        if fault == "timeout":
            self.clock_advance(self.TIMEOUT_SECONDS)
            raise TransientError("模拟故障：请求超时（可能已送达）", self.name)
        return receipt

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        polling = receipt is not None and receipt.status == "accepted" and bool(committed(receipt))
        if polling and self.faults.on_poll():
            self.faults.die("poll", f"killed while polling {post.id}")
        return self.inner.reconcile(post, receipt)

    def longest_attempt(self) -> float:
        return self.inner.longest_attempt()

    def clock_advance(self, seconds: float) -> None:
        advance = getattr(self.clock, "advance", None)
        if advance is not None:
            advance(seconds)
