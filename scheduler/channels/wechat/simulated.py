"""WeChat in `qm simulate`: the real API publisher, pointed at the local fake WeChat server."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ...fakes.platforms import Stand
from ...fakes.wechat import FakeWeChat
from ..base import Channel
from .api import WeChatChannel
from .config import WeChatConfig


class SimulatedWeChat:
    def __init__(self, config: WeChatConfig) -> None:
        self.config = config

    def server(self, secret: str, token: str, now: Callable[[], float], fault_rate: float, seed: int) -> FakeWeChat | None:
        c = self.config
        if c.publisher != "api":
            return None
        return FakeWeChat(c.app_id, secret, account_type=c.account_type, clock=now, title_max=c.title_max, fault_rate=fault_rate, seed=seed)

    def channel(self, stand: Stand) -> Channel | None:
        if not stand.url:
            return None
        return WeChatChannel(dataclasses.replace(self.config, api_base=stand.url), stand.secret, stand.images, stand.clock)
