"""The Weibo kind (新浪微博): one text with a picture; publishers `api.py` (the API, or with
`mode: assisted` staff who post by hand, `assisted.py`) besides the outbox; rules in `rules.py`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...inputs.campaign import ChannelConfig
from ...support.values import IMAGE_SCHEME, ImageRef
from ..kinds import Kind
from .config import WeiboConfig, read_weibo

if TYPE_CHECKING:
    import datetime as dt

    from markupsafe import Markup

    from ...fakes.platforms import Simulated
    from ...inputs.campaign import Campaign
    from ...inputs.located_yaml import Mapping as YamlMapping
    from ...inputs.readers import Reader
    from ...planning.planner import PlannedPost
    from ...publishing.queue import Queue
    from ...rendering.payloads import RenderedPost
    from ...runtime.clock import Clock
    from ...stats.sources import Source
    from ...support.notify import Notice


class WeiboKind(Kind):
    name = "weibo"
    derived = frozenset({"length"})  # weibo_length(text)
    label = "微博"
    template = "weibo/post.txt.j2"
    publishers: Mapping[str, str] = {"api": "api"}  # api.py: `mode: api` posts through statuses/share, `mode: assisted` through staff
    settings = (("微博超过", ("length_max",)),)  # what rules.problems measures against: channels.weibo's keys

    def read(self, r: Reader, channels: YamlMapping, window: tuple[dt.date, dt.date] | None) -> tuple[ChannelConfig, ...]:
        config = read_weibo(r, channels, window)
        return (config,) if config else ()

    def render(
        self, run: Callable[[dict[str, Any]], str], post: PlannedPost, channel: ChannelConfig, base: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
        from ...rendering.text_measures import weibo_length

        assert isinstance(channel, WeiboConfig)
        text = " ".join(run({**base, "weibo": channel}).split())
        item = post.item
        image = ImageRef(f"{IMAGE_SCHEME}{item.id}/square", item.id, "slogan" if item.is_slogan else "knowledge-card", "square")
        payload = {"text": text, "length": weibo_length(text), "image": image.ref, "image_alt": item.alt, "mode": channel.mode}
        return payload, (image,)

    def problems(self, config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
        from . import rules

        assert isinstance(config, WeiboConfig)
        return rules.problems(config, payload, files)

    def advice(self, config: ChannelConfig, payload: Mapping[str, Any]) -> list[str]:
        if not str(payload.get("image_alt", "")).strip():
            return ["微博配图没有替代文字（image_alt），读屏软件的用户不知道图上写了什么"]
        return []

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        return [str(payload["text"])]

    def summary(self, payload: Mapping[str, Any]) -> str:
        return f"（{payload['length']} 字）"

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        from markupsafe import escape  # previews only: `qm plan` does not load it

        p = rendered.payload
        image = rendered.images[0]
        return (
            f'<div class="card"><div class="who">{escape(p.get("author") or campaign.organizer)}</div>'
            f'<div class="text">{whole_numbers(escape(p["text"]))}</div><img src="{src(image)}" alt="{escape(p.get("image_alt") or "配图")}">'
            f'<div class="meta">{meta}｜按微博计数 {p["length"]} 字｜{_how_sent(campaign.channel(post.channel), p["mode"])}</div>{findings}</div>'
        )

    def notices(self, campaign: Campaign, config: ChannelConfig, today: dt.date, queue: Queue | None) -> dict[str, Notice]:
        from .warnings import token_notice

        assert isinstance(config, WeiboConfig)
        notice = token_notice(config, today)
        return {} if notice is None else {f"token:{config.name}:{today}": notice}

    def stats_source(self, campaign: Campaign, config: ChannelConfig, env: Mapping[str, str], clock: Clock | None) -> Source | None:
        """Reposts, comments and likes, for the posts made through the API (not by staff, not the outbox)."""
        from ...inputs.secrets import read_secret

        assert isinstance(config, WeiboConfig)
        token = read_secret(env, config.access_token_env) if config.publisher == "api" and config.mode == "api" else ""
        if not token:
            return None
        from .stats import WeiboStats

        return WeiboStats(config, token, campaign.timezone, clock)

    def simulated(self, config: ChannelConfig) -> Simulated | None:
        from .simulated import SimulatedWeibo

        assert isinstance(config, WeiboConfig)
        return SimulatedWeibo(config)


KIND = WeiboKind()


PHONE = re.compile(r"(?<![\d-])\d{3,4}-\d{7,8}(?![\d-])|(?<!\d)\d{5,}(?!\d)")  # 0453-3522315, 12315


def whole_numbers(text: Markup) -> Markup:
    """Escaped text with its telephone numbers kept on one line: a phone's line does not end in “0453-”."""
    from markupsafe import Markup

    return Markup(PHONE.sub(lambda m: f'<span style="white-space:nowrap">{m.group(0)}</span>', str(text)))


def _how_sent(config: ChannelConfig | None, mode: str) -> str:
    """How the post really goes out: into the outbox (publisher: outbox, whatever the mode its text follows),
    through the API, or by staff (mode: assisted)."""
    if config is None or config.publisher == "outbox":
        return "写入发件箱"
    return "接口发布" if mode == "api" else "人工发布"
