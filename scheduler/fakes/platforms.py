"""Platforms for `qm simulate`: channels on `publisher: api` run for real against local fake servers.

The real WeChat / Weibo channel is built as the daemon would build it, with its `api_base` pointed
at a fake server on 127.0.0.1 and made-up credentials. The server reports every delivery to the
simulation's `Ledger` under the id of the post being published when it arrived, so a post the
daemon sent twice shows up as a duplicate. Weibo's assisted mode goes to simulated staff who post
each package they receive and confirm it. Other channels use `FakePlatform`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from ..channels.base import Channel, OutgoingPost
from ..channels.fake import FakePlatform, Ledger
from ..channels.images import PostImages
from ..channels.wechat.api import WeChatChannel
from ..channels.weibo.api import WeiboChannel
from ..channels.weibo.assisted import AssistedChannel
from ..channels.weibo.rules import safe_domains
from ..inputs.campaign import Campaign, ChannelConfig, WeChatConfig, WeiboConfig
from ..poster.files import PosterFiles
from ..runtime.clock import Clock
from ..support.notify import ASSISTED, Notice, Notifications
from ..support.values import Receipt
from .server import FakeServer
from .wechat import FakeWeChat
from .weibo import FakeWeibo

Platform = Callable[[ChannelConfig, Ledger, Clock], Channel]


class SimulatedStaff(Notifications):
    """Staff on duty: post each package they are sent at once (a second package is a second post)."""

    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        super().__init__(())
        self.ledger, self.clock = ledger, clock
        self.current_label = ""

    def send(self, notice: Notice) -> int:
        if notice.kind == ASSISTED and notice.title.startswith("【请发微博】"):
            self.ledger.deliver(self.current_label, self.clock.now().timestamp())
        return 1


class Labeller(Protocol):
    """Where the post being published is named: a fake server (or simulated staff) in this process,
    or the failover simulation's parent, which runs the servers its daemon processes talk to."""

    current_label: str


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


class ConfirmingDesk(Labelled):
    """Assisted posting whose staff confirm (as with `qm confirm`) before the daemon next looks."""

    def __init__(self, inner: AssistedChannel, staff: SimulatedStaff) -> None:
        super().__init__(inner, staff)
        self.staff = staff

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        if receipt is not None and self.staff.ledger.first(post.id) is not None:  # posted (by whichever daemon's staff)
            return Receipt("published", url=f"https://weibo.com/0/{post.id}", data={**receipt.data, "confirmed_by": "模拟值班员"})
        return super().reconcile(post, receipt)


@dataclass
class Servers:
    """The fake API servers of a simulation (channel name -> server) and the made-up credentials they take."""

    secret: str
    token: str
    servers: dict[str, FakeWeChat | FakeWeibo]

    def urls(self) -> dict[str, str]:
        return {name: server.url for name, server in self.servers.items()}


@contextlib.contextmanager
def fake_servers(campaign: Campaign, ledger: Ledger, clock: Clock, fault_rate: float = 0.0, seed: int = 0) -> Iterator[Servers]:
    """A local fake server for each channel on `publisher: api`, reporting deliveries to `ledger` (stopped on exit)."""
    now = lambda: clock.now().timestamp()  # noqa: E731
    found = Servers(secrets.token_hex(16), secrets.token_hex(16), {})
    for config in campaign.channels:
        if isinstance(config, WeChatConfig) and config.publisher == "api":
            found.servers[config.name] = FakeWeChat(
                config.app_id,
                found.secret,
                account_type=config.account_type,
                clock=now,
                title_max=config.title_max,
                fault_rate=fault_rate,
                seed=seed,
            )
        elif isinstance(config, WeiboConfig) and config.publisher == "api" and config.mode == "api":
            found.servers[config.name] = FakeWeibo(
                found.token, safe_domains=safe_domains(config), clock=now, fault_rate=fault_rate, seed=seed
            )
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
        url = urls.get(config.name)
        if isinstance(config, WeiboConfig) and config.publisher == "api" and config.mode == "assisted":
            staff = SimulatedStaff(ledger, clock)
            return ConfirmingDesk(AssistedChannel(config, staff, PostImages(PosterFiles(campaign)), clock), staff)
        if url is None:
            return FakePlatform(config.name, ledger, clock)
        inner: Channel
        if isinstance(config, WeChatConfig):
            inner = WeChatChannel(dataclasses.replace(config, api_base=url), secret, PostImages(PosterFiles(campaign)), clock)
        else:
            assert isinstance(config, WeiboConfig)
            local = dataclasses.replace(config, api_base=url, token_expires=None)  # the fake's token does not expire
            inner = WeiboChannel(local, token, PostImages(PosterFiles(campaign)), clock)
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
