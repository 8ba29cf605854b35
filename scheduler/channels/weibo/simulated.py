"""Weibo in `qm simulate`: the real API publisher, pointed at the local fake Weibo server; in assisted
mode, simulated staff on duty who post each package they receive and confirm it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection

from ...fakes.platforms import Labelled, Stand
from ...fakes.weibo import FakeWeibo
from ...runtime.clock import Clock
from ...support.notify import ASSISTED, Delivery, Notice, Notifications
from ...support.values import Receipt
from ..base import Channel, OutgoingPost
from ..fake import Ledger
from .api import WeiboChannel
from .assisted import AssistedChannel
from .config import WeiboConfig
from .rules import safe_domains


class SimulatedStaff(Notifications):
    """Staff on duty: post each package they are sent at once (a second package is a second post)."""

    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        super().__init__(())
        self.ledger, self.clock = ledger, clock
        self.current_label = ""

    def deliver(self, notice: Notice, told: Collection[str] = ()) -> Delivery:
        if notice.kind == ASSISTED and notice.title.startswith("【请发微博】"):
            self.ledger.deliver(self.current_label, self.clock.now().timestamp())
        return Delivery(("值班人员",), ())


class ConfirmingDesk(Labelled):
    """Assisted posting whose staff confirm (as with `qm confirm`) before the daemon next looks."""

    def __init__(self, inner: AssistedChannel, staff: SimulatedStaff) -> None:
        super().__init__(inner, staff)
        self.staff = staff

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        if receipt is not None and self.staff.ledger.first(post.id) is not None:  # posted (by whichever daemon's staff)
            return Receipt("published", url=f"https://weibo.com/0/{post.id}", data={**receipt.data, "confirmed_by": "模拟值班员"})
        return super().reconcile(post, receipt)


class SimulatedWeibo:
    def __init__(self, config: WeiboConfig) -> None:
        self.config = config

    def server(self, secret: str, token: str, now: Callable[[], float], fault_rate: float, seed: int) -> FakeWeibo | None:
        c = self.config
        if c.publisher != "api" or c.mode != "api":
            return None
        return FakeWeibo(token, safe_domains=safe_domains(c), clock=now, fault_rate=fault_rate, seed=seed)

    def channel(self, stand: Stand) -> Channel | None:
        c = self.config
        if c.publisher == "api" and c.mode == "assisted":
            staff = SimulatedStaff(stand.ledger, stand.clock)
            return ConfirmingDesk(AssistedChannel(c, staff, stand.images, stand.clock), staff)
        if not stand.url:
            return None
        local = dataclasses.replace(c, api_base=stand.url, token_expires=None)  # the fake's token does not expire
        return WeiboChannel(local, stand.token, stand.images, stand.clock)
