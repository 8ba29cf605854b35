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

from ..campaign import Campaign
from ..clock import Clock, SystemClock
from ..content import ContentItem, load_library
from ..errors import QmError
from .base import Channel, OutgoingPost, PermanentError, TransientError


class UnclearOutcome(TransientError):
    """The request may or may not have taken effect."""


ImageFile = Callable[[OutgoingPost, str], Path]


class ApiChannel(Channel):
    platform = ""  # 微信 | 微博, for messages

    def __init__(self, name: str, api_base: str, timeout: float, images: ImageFile, clock: Clock | None = None) -> None:
        self.name = name
        self.api_base = api_base
        self.timeout = timeout
        self.images = images
        self.clock: Clock = clock or SystemClock()
        # trust_env=False: a proxy is configured as api_base, never picked up silently from the environment
        self.client = httpx.Client(base_url=api_base, timeout=httpx.Timeout(timeout), trust_env=False)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        call = path.rsplit("/", 1)[-1].removesuffix(".json")
        try:
            response = self.client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise TransientError(
                f"无法连接{self.platform}接口 {self.api_base}（{type(exc).__name__}）：检查网络、代理或 channels.{self.name}.api_base",
                self.name,
            ) from exc
        except httpx.TimeoutException as exc:
            raise UnclearOutcome(f"{self.platform}接口 {call} 在 {self.timeout:g} 秒内没有应答（请求可能已生效）", self.name) from exc
        except httpx.TransportError as exc:
            raise UnclearOutcome(f"{self.platform}接口 {call} 的连接中断（{type(exc).__name__}，请求可能已生效）", self.name) from exc
        if response.status_code >= 500:
            raise TransientError(f"{self.platform}接口 {call} 暂时不可用（HTTP {response.status_code}）", self.name, response.status_code)
        return response

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


class PosterFiles:
    """A post's image files: the rendered poster, drawn now if nobody ran `qm posters` for it."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._items: dict[str, ContentItem] | None = None

    def __call__(self, post: OutgoingPost, ref: str) -> Path:
        path = post.images.get(ref)
        if path is not None and path.is_file():
            return path
        image = next((i for i in post.refs if i.ref == ref), None)
        if image is None:
            raise PermanentError(f"{post.id} 引用的图片 {ref} 不在排期里（重新运行 qm queue 刷新队列后再审核）", post.channel)
        from .. import poster  # drawing pulls in Pillow and fonts: only when a poster is missing

        try:
            if self._items is None:
                self._items = {item.id: item for item in load_library(self.campaign.paths.content).items}
            return poster.ensure(self.campaign, self._items[image.item], image)
        except (QmError, KeyError, OSError) as exc:
            raise PermanentError(f"{post.id} 的图片 {ref} 无法生成：{exc}（先运行 qm posters 检查）", post.channel) from exc
