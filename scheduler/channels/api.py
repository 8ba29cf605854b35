"""What the WeChat and Weibo channels share: one HTTP connection pool, timeouts, and errors
translated at the boundary.

    UnclearOutcome (a TransientError)   the request may have reached the platform: a timeout while
                                        waiting for the answer, a dropped connection. For a call
                                        that publishes, only a later check can tell what happened.

URLs are never put in messages or logs: WeChat puts the access token in the query string.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from ..runtime.clock import Clock, SystemClock
from ..support import http_client
from ..support.redact import shown_url
from .base import Channel, OutgoingPost, TransientError


class UnclearOutcome(TransientError):
    """The request may or may not have taken effect."""


# One request's timeouts: httpx gives each phase (a pooled connection, connecting, sending the request,
# each wait for the answer) the channel's `timeout`; a request ends within about these many of them.
REQUEST_PHASES = 4


ImageFile = Callable[[OutgoingPost, str], Path]


class ApiChannel(Channel):
    platform = ""  # 微信 | 微博, for messages
    requests_after_checkpoint = 1  # requests a publish makes after its last checkpoint, the irrevocable one among them

    def __init__(self, name: str, api_base: str, timeout: float, images: ImageFile, clock: Clock | None = None) -> None:
        self.name = name
        self.api_base = api_base
        self.timeout = timeout
        self.images = images
        self.clock: Clock = clock or SystemClock()
        self.client = http_client.client(base_url=api_base, timeout=httpx.Timeout(timeout))

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        call = call_name(path)
        try:
            response = self.client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise TransientError(
                f"无法连接{self.platform}接口 {shown_url(self.api_base)}（{type(exc).__name__}）：检查网络、代理或 channels.{self.name}.api_base",
                self.name,
            ) from exc
        except httpx.TimeoutException as exc:
            raise UnclearOutcome(f"{self.platform}接口 {call} 在 {self.timeout:g} 秒内没有应答（请求可能已生效）", self.name) from exc
        except httpx.TransportError as exc:
            raise UnclearOutcome(f"{self.platform}接口 {call} 的连接中断（{type(exc).__name__}，请求可能已生效）", self.name) from exc
        if response.status_code >= 500:
            raise TransientError(f"{self.platform}接口 {call} 暂时不可用（HTTP {response.status_code}）", self.name, response.status_code)
        return response

    def longest_attempt(self) -> float:
        return self.requests_after_checkpoint * REQUEST_PHASES * self.timeout

    def answer(self, response: httpx.Response, call: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise UnclearOutcome(
                f"{self.platform}接口 {call} 的应答不是 JSON（HTTP {response.status_code}）：检查 api_base 是否指向正确的地址", self.name
            ) from exc
        if not isinstance(data, dict):
            raise UnclearOutcome(f"{self.platform}接口 {call} 的应答格式不对（HTTP {response.status_code}）", self.name)
        return data

    def image(self, post: OutgoingPost, ref: str) -> Path:
        return self.images(post, ref)

    def now(self) -> float:
        return self.clock.now().timestamp()

    def close(self) -> None:
        self.client.close()


API_PREFIXES = ("cgi-bin", "2")  # WeChat's /cgi-bin/..., Weibo's /2/...


def call_name(path: str) -> str:
    """An API call named in full as its documentation names it (`draft/add`, `statuses/share`), not `add`."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    while len(parts) > 1 and parts[0] in API_PREFIXES:
        parts.pop(0)
    return "/".join(parts).removesuffix(".json")
