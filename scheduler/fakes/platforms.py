"""Platforms for `qm simulate`: channels on `publisher: api` run for real against local fake servers.

Each channel's kind says how (`Kind.simulated`, in `channels/<kind>/simulated.py`): the real WeChat /
Weibo channel is built as the daemon would build it, with its `api_base` pointed at a fake server on
127.0.0.1 and made-up credentials. The server reports every delivery to the simulation's `Ledger`
under the id of the post being published when it arrived, so a post the daemon sent twice shows up
as a duplicate. Weibo's assisted mode goes to simulated staff who post each package they receive
and confirm it. Other channels use `FakePlatform`.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..channels.base import Channel, OutgoingPost
from ..channels.fake import FakePlatform, Ledger
from ..channels.images import PostImages
from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign, ChannelConfig
from ..poster.files import PosterFiles
from ..runtime.clock import Clock
from ..support.values import Receipt
from .server import FakeServer

if TYPE_CHECKING:
    from ..channels.api import ImageFile  # a type only: no HTTP client for a simulation on the outbox

Platform = Callable[[ChannelConfig, Ledger, Clock], Channel]


class Labeller(Protocol):
    """Where the post being published is named: a fake server (or simulated staff) in this process,
    or the failover simulation's parent, which runs the servers its daemon processes talk to."""

    current_label: str


@dataclass(frozen=True)
class Stand:
    """What the simulation hands a channel's own publisher: its fake server ("" when it has none),
    made-up credentials, the post's image files, the simulated clock and the ledger of deliveries."""

    url: str
    secret: str
    token: str
    images: ImageFile
    clock: Clock
    ledger: Ledger


class Simulated(Protocol):
    """How a kind's channel runs in the simulation (`Kind.simulated`)."""

    def server(self, secret: str, token: str, now: Callable[[], float], fault_rate: float, seed: int) -> FakeServer | None:
        """The fake platform server its publisher talks to, or None (it needs none)."""
        ...

    def channel(self, stand: Stand) -> Channel | None:
        """Its own publisher against the stand-in; None: the counting `FakePlatform` stands in for it."""
        ...


class Labelled(Channel):
    """Tells the platform (a fake server, simulated staff) which post the next calls belong to, so
    its deliveries can be counted."""

    def __init__(self, inner: Channel, platform: Labeller) -> None:
        self.inner, self.platform, self.name = inner, platform, inner.name
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative

    def publish(self, post: OutgoingPost) -> Receipt:
        self.platform.current_label = post.id
        return self.inner.publish(post)

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        self.platform.current_label = post.id
        return self.inner.reconcile(post, receipt)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Servers:
    """The fake API servers of a simulation (channel name -> server) and the made-up credentials they take."""

    secret: str
    token: str
    servers: dict[str, FakeServer]

    def urls(self) -> dict[str, str]:
        return {name: server.url for name, server in self.servers.items()}


@contextlib.contextmanager
def fake_servers(campaign: Campaign, ledger: Ledger, clock: Clock, fault_rate: float = 0.0, seed: int = 0) -> Iterator[Servers]:
    """A local fake server for each channel whose kind runs one (those on `publisher: api`), reporting deliveries to `ledger` (stopped on exit)."""
    now = lambda: clock.now().timestamp()  # noqa: E731
    found = Servers(secrets.token_hex(16), secrets.token_hex(16), {})
    for config in campaign.channels:
        simulated = kind_of(config).simulated(config)
        server = simulated.server(found.secret, found.token, now, fault_rate, seed) if simulated is not None else None
        if server is not None:
            found.servers[config.name] = server
    for server in found.servers.values():
        server.on_delivery = ledger.deliver
        server.start()
    try:
        yield found
    finally:
        for server in found.servers.values():
            server.stop()


def platform_maker(
    campaign: Campaign, urls: dict[str, str], secret: str, token: str, labels: Callable[[str], Labeller]
) -> tuple[Platform, list[Channel]]:
    """A platform maker whose channels on `publisher: api` talk to the fake servers at `urls`; the
    channels it made (to close). `labels(channel)` is where that channel names the post it sends."""
    made: list[Channel] = []

    def make(config: ChannelConfig, ledger: Ledger, clock: Clock) -> Channel:
        simulated = kind_of(config).simulated(config)
        url = urls.get(config.name, "")
        stand = Stand(url, secret, token, PostImages(PosterFiles(campaign)), clock, ledger)
        inner = simulated.channel(stand) if simulated is not None else None
        if inner is None:
            return FakePlatform(config.name, ledger, clock)
        if not url:
            return inner  # no server to tell: it counts its deliveries itself (simulated staff)
        made.append(inner)
        return Labelled(inner, labels(config.name))

    return make, made


@contextlib.contextmanager
def api_platforms(
    campaign: Campaign, ledger: Ledger, clock: Clock, fault_rate: float = 0.0, seed: int = 0
) -> Iterator[tuple[Platform, list[FakeServer]]]:
    """A platform maker for the simulation, and the fake servers it started (stopped on exit)."""
    with fake_servers(campaign, ledger, clock, fault_rate, seed) as found:
        make, made = platform_maker(campaign, found.urls(), found.secret, found.token, found.servers.__getitem__)
        try:
            yield make, list(found.servers.values())
        finally:
            for channel in made:
                channel.close()
