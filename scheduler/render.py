"""Render planned posts into channel payloads with the Jinja2 templates in `templates/`.

One template set per channel kind:
    wechat/article.html.j2   article body (CSS inlined, classes removed: WeChat keeps inline styles only)
    weibo/post.txt.j2        post text
    screen/slide.html.j2     a slide: headline and one line
Image references in articles are placeholders (`qm-image:<item>/<role>`) that a channel replaces
with uploaded URLs, and a preview replaces with local files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import css_inline
import jinja2

from .campaign import Campaign, ScreenConfig, WeChatConfig, WeiboConfig
from .errors import Problem, TemplateError
from .limits import weibo_length
from .markup import to_html
from .planner import PlannedPost
from .sandbox import render as render_sandboxed
from .sandbox import template_env, template_line
from .template_messages import not_utf8, render_message, syntax_message
from .values import IMAGE_SCHEME, ImageRef

TEMPLATES = {"wechat": "wechat/article.html.j2", "weibo": "weibo/post.txt.j2", "screen": "screen/slide.html.j2"}
_CLASS_ATTR = re.compile(r'\s(?:class|id)="[^"]*"')
_ATTR_VALUE = re.compile(r'="([^"]*)"')
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


PostInputs = tuple[dt.datetime, object, str, object, str]  # see Renderer.inputs


@dataclass(frozen=True)
class RenderedPost:
    post_id: str
    channel: str
    at: str  # ISO 8601 with offset
    item: str
    area: str
    payload: dict[str, Any]
    images: tuple[ImageRef, ...] = field(default=())

    @property
    def version(self) -> str:
        """Hash of the payload: changes whenever what would be published changes."""
        blob = json.dumps(self.payload, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.post_id,
            "channel": self.channel,
            "at": self.at,
            "item": self.item,
            "area": self.area,
            "version": self.version,
            "payload": self.payload,
            "images": [img.__dict__ for img in self.images],
        }


class Renderer:
    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.env = template_env(
            campaign.paths.templates,
            autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @cached_property
    def fingerprint(self) -> str:
        """Changes with anything besides the post that a rendering reads: the config and the templates."""
        h = hashlib.sha256(repr(self.campaign).encode())
        root = self.campaign.paths.templates
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".yaml"):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        return h.hexdigest()

    def inputs(self, post: PlannedPost) -> PostInputs:
        """Everything `render(post)` depends on, first the slot's time: equal inputs, equal payload.
        The content item itself (compared field by field: an edit anywhere in it counts)."""
        return (post.at, post.slot, post.reason, post.item, self.fingerprint)

    @cached_property
    def _templates(self) -> dict[str, jinja2.Template]:
        return {kind: self._load(name) for kind, name in TEMPLATES.items()}

    def check_templates(self) -> list[Problem]:
        problems = []
        for name in TEMPLATES.values():
            try:
                self._load(name)
            except TemplateError as exc:
                problems += exc.problems
        return problems

    def _load(self, name: str) -> jinja2.Template:
        path = self.campaign.paths.templates / name
        try:
            return self.env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(problems=[Problem("模板文件不存在", str(path), "从项目的 templates/ 复制一份")]) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(
                problems=[
                    Problem(syntax_message(exc.message), f"{path}:{exc.lineno}", "检查 {{ }} 和 {% %} 是否成对，改好后用 qm check 检查")
                ]
            ) from exc
        except UnicodeDecodeError as exc:
            raise TemplateError(problems=[not_utf8(path, exc)]) from exc

    def render(self, post: PlannedPost) -> RenderedPost:
        kind = post.slot.channel.split(":", 1)[0]
        channel = self.campaign.channel(post.channel)
        base: dict[str, Any] = {"campaign": self.campaign, "brand": self.campaign.brand, "item": post.item, "post": post}
        if isinstance(channel, WeChatConfig):
            return self._wechat(post, channel, base)
        if isinstance(channel, WeiboConfig):
            return self._weibo(post, channel, base)
        if isinstance(channel, ScreenConfig):
            return self._screen(post, channel, base)
        raise TemplateError(f"未知渠道 {post.channel}（{kind}）")

    def _run(self, kind: str, context: dict[str, Any], post: PlannedPost) -> str:
        template = self._templates[kind]
        try:
            return render_sandboxed(template, context)
        except Exception as exc:  # a template is the user's code: whatever fails in it is reported against its line
            where = f"{self.campaign.paths.templates / TEMPLATES[kind]}:{template_line(exc)}"
            message = f"渲染 {post.id} 时出错：{render_message(exc, context)}"
            raise TemplateError(problems=[Problem(message, where, "修改模板后用 qm check 检查")]) from exc

    def _wechat(self, post: PlannedPost, channel: WeChatConfig, base: dict[str, Any]) -> RenderedPost:
        item = post.item
        images: list[ImageRef] = []

        def image(role: str) -> str:
            ref = f"{IMAGE_SCHEME}{item.id}/{role}"
            images.append(ImageRef(ref, item.id, "knowledge-card", "wechat-square"))
            return ref

        html = self._run("wechat", {**base, "wechat": channel, "body_html": to_html(item.body), "image": image}, post)
        content = _escape_attr_brackets(_CLASS_ATTR.sub("", _INLINER.inline(html)))
        cover = ImageRef(f"{IMAGE_SCHEME}{item.id}/cover", item.id, "launch" if item.is_launch else "knowledge-card", "wechat-cover")
        payload = {
            "title": item.title,
            "author": channel.author,
            "digest": item.summary[: channel.digest_max],
            "content": _body_only(content),
            "content_source_url": channel.source_url,
            "cover": cover.ref,
        }
        return self._result(post, payload, (cover, *images))

    def _weibo(self, post: PlannedPost, channel: WeiboConfig, base: dict[str, Any]) -> RenderedPost:
        text = " ".join(self._run("weibo", {**base, "weibo": channel}, post).split())
        image = ImageRef(
            f"{IMAGE_SCHEME}{post.item.id}/square", post.item.id, "slogan" if post.item.is_slogan else "knowledge-card", "square"
        )
        payload = {"text": text, "length": weibo_length(text), "image": image.ref, "image_alt": post.item.alt, "mode": channel.mode}
        return self._result(post, payload, (image,))

    def _screen(self, post: PlannedPost, channel: ScreenConfig, base: dict[str, Any]) -> RenderedPost:
        item = post.item
        context = {**base, "screen": channel, "headline": item.headline, "line": item.line}
        html = self._run("screen", context, post)
        size = f"{channel.width}x{channel.height}"
        image = ImageRef(f"{IMAGE_SCHEME}{item.id}/{channel.id}", item.id, screen_layout(post), size)
        payload = {
            "headline": item.headline,
            "line": item.line,
            "screen": channel.id,
            "size": size,
            "html": html.strip(),
            "image": image.ref,
        }
        return self._result(post, payload, (image,))

    def _result(self, post: PlannedPost, payload: dict[str, Any], images: tuple[ImageRef, ...]) -> RenderedPost:
        return RenderedPost(post.id, post.channel, post.at.isoformat(), post.item.id, post.item.area, payload, images)


def _escape_attr_brackets(html: str) -> str:
    """The inliner writes < and > inside quoted attribute values as they are (valid HTML, but an alt
    text quoting `<script>` then reads like a tag to any naive filter downstream): escape them."""
    return _ATTR_VALUE.sub(lambda m: '="' + m.group(1).replace("<", "&lt;").replace(">", "&gt;") + '"', html)


def _body_only(html: str) -> str:
    """css_inline returns a whole document; WeChat wants the fragment."""
    match = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    return (match.group(1) if match else html).strip()


def screen_layout(post: PlannedPost) -> str:
    """The poster layout a screen shows this post with (the playlist's slide, the preview's picture)."""
    if post.reason in ("launch", "preview"):
        return "launch"  # the launch poster: date and time of the event on it
    return "slogan" if post.item.is_slogan else "screen-slide"
