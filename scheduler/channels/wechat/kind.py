"""The WeChat Official Account kind (微信公众号): an article with a cover; its publisher over the API
(`api.py`) besides the outbox; platform rules in `rules.py`; mass-send quotas in `quota.py`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...inputs.campaign import ChannelConfig
from ...support.values import IMAGE_SCHEME, ImageRef
from ..kinds import Kind
from .config import WeChatConfig, read_wechat
from .inliner import inliner

if TYPE_CHECKING:
    import datetime as dt

    from ...fakes.platforms import Simulated
    from ...inputs.campaign import Campaign
    from ...inputs.located_yaml import Mapping as YamlMapping
    from ...inputs.readers import Reader
    from ...planning.planner import Plan, PlannedPost
    from ...publishing.queue import Queue
    from ...rendering.payloads import RenderedPost
    from ...runtime.clock import Clock
    from ...stats.sources import Source
    from ...support.notify import Notice
    from ..timing import Postponed

_CLASS_ATTR = re.compile(r'\s(?:class|id)="[^"]*"')
_ATTR_VALUE = re.compile(r'="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.I | re.S)
INLINE = ("knowledge-card", "wechat-square")  # an article's picture when its template names no layout or size


class WeChatKind(Kind):
    name = "wechat"
    label = "微信公众号"
    template = "wechat/article.html.j2"
    short_label = "公众号"
    needs_body = True  # the article is the item's body
    publishers: Mapping[str, str] = {"api": "api"}  # api.py: the official HTTP API
    settings = (  # what rules.problems measures against: channels.wechat's keys in config.yaml
        ("标题超过", ("limits.title",)),
        ("作者超过", ("limits.author", "author")),  # the author's name is the config's own
        ("摘要超过", ("limits.digest",)),
        ("正文须少于", ("limits.content",)),
        ("原文链接（content_source_url）超过", ("source_url",)),
    )

    def read(self, r: Reader, channels: YamlMapping, window: tuple[dt.date, dt.date] | None) -> tuple[ChannelConfig, ...]:
        config = read_wechat(r, channels, window)
        return (config,) if config else ()

    def render(
        self, run: Callable[[dict[str, Any]], str], post: PlannedPost, channel: ChannelConfig, base: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[ImageRef, ...]]:
        from ...rendering.markdown import to_html
        from ...rendering.picture_choice import chosen

        assert isinstance(channel, WeChatConfig)
        item = post.item
        images: list[ImageRef] = []

        def image(role: str, layout: object = None, size: object = None) -> str:
            """{{ image('card') }}, {{ image('card', layout='mdj-card', size='wechat-square') }}: a poster of the item."""
            ref = f"{IMAGE_SCHEME}{item.id}/{role}"
            images.append(ImageRef(ref, item.id, *chosen(base["campaign"], item.area, role, layout, size, INLINE)))
            return ref

        html = run({**base, "wechat": channel, "body_html": to_html(item.body), "image": image})
        content = _escape_attr_brackets(_CLASS_ATTR.sub("", inliner().inline(html)))
        cover = ImageRef(f"{IMAGE_SCHEME}{item.id}/cover", item.id, "launch" if item.is_launch else "knowledge-card", "wechat-cover")
        payload = {
            "title": item.title,
            "author": channel.author,
            "digest": item.summary[: channel.digest_max],
            "content": _body_only(content),
            "content_source_url": channel.source_url,
            "cover": cover.ref,
        }
        return payload, (cover, *images)

    def problems(self, config: ChannelConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
        from . import rules

        assert isinstance(config, WeChatConfig)
        return rules.problems(config, payload, files)

    def advice(self, config: ChannelConfig, payload: Mapping[str, Any]) -> list[str]:
        """What WeChat would quietly strip (not refuse): worth fixing, not a platform rule."""
        content = str(payload.get("content", ""))
        out = []
        if "<style" in content or ' class="' in content:
            out.append("正文含有 <style> 或 class，公众号只保留行内样式")
        if "<script" in content:
            out.append("正文含有脚本，公众号会过滤")
        for img in _IMG.findall(content):
            alt = _ALT.search(img)
            if not alt or not alt.group(2).strip():
                out.append("正文图片没有替代文字（alt），读屏软件的用户不知道图上写了什么")
                break
        return out

    def texts(self, payload: Mapping[str, Any]) -> list[str]:
        return [str(payload["title"]), str(payload["digest"]), _TAGS.sub("", str(payload["content"]))]

    def preview(
        self, campaign: Campaign, post: PlannedPost, rendered: RenderedPost, src: Callable[[ImageRef], str], meta: str, findings: str
    ) -> str:
        from markupsafe import Markup, escape  # previews only: `qm plan` does not load it

        p = rendered.payload
        cover = next(img for img in rendered.images if img.ref == p["cover"])
        content = str(p["content"])
        for image in rendered.images:
            content = content.replace(image.ref, src(image))
        return (
            f'<div class="phone"><div class="meta">{meta}</div>'
            f'<img class="cover" src="{src(cover)}" alt="封面">'
            f'<h3 class="title">{escape(p["title"])}</h3><div class="by">{escape(p["author"])}　{escape(campaign.name)}</div>'
            f"{Markup(content)}{findings}</div>"
        )

    def notices(self, campaign: Campaign, config: ChannelConfig, today: dt.date, queue: Queue | None) -> dict[str, Notice]:
        from . import warnings

        assert isinstance(config, WeChatConfig)
        return {} if queue is None else warnings.notices(campaign, config, queue)

    def postponements(self, campaign: Campaign, config: ChannelConfig, plan: Plan) -> list[Postponed]:
        assert isinstance(config, WeChatConfig)
        if config.mode != "mass_send":
            return []  # only mass sends have a quota: `qm plan` then loads none of the quota code
        from .quota import planned

        return planned(config, plan, campaign.timezone, campaign.end)

    def postponement(self, campaign: Campaign, config: ChannelConfig, queue: Queue, post_id: str) -> Postponed | None:
        """A mass send the account has no quota left for moves to the next slot with room."""
        from . import warnings

        assert isinstance(config, WeChatConfig)
        return next((issue for issue in warnings.queued(campaign, config, queue) if issue.post_id == post_id), None)

    def stats_source(self, campaign: Campaign, config: ChannelConfig, env: Mapping[str, str], clock: Clock | None) -> Source | None:
        """The data APIs, for the articles published over the API (outbox posts have no platform ids)."""
        from ...inputs.secrets import read_secret

        assert isinstance(config, WeChatConfig)
        secret = read_secret(env, config.app_secret_env) if config.publisher == "api" else ""
        if not secret:
            return None
        from .stats import WeChatStats

        return WeChatStats(config, secret, campaign.timezone, clock)

    def simulated(self, config: ChannelConfig) -> Simulated | None:
        from .simulated import SimulatedWeChat

        assert isinstance(config, WeChatConfig)
        return SimulatedWeChat(config)


def _escape_attr_brackets(html: str) -> str:
    """The inliner writes < and > inside quoted attribute values as they are (valid HTML, but an alt
    text quoting `<script>` then reads like a tag to any naive filter downstream): escape them."""
    return _ATTR_VALUE.sub(lambda m: '="' + m.group(1).replace("<", "&lt;").replace(">", "&gt;") + '"', html)


def _body_only(html: str) -> str:
    """css_inline returns a whole document; WeChat wants the fragment."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    return (match.group(1) if match else html).strip()


KIND = WeChatKind()
