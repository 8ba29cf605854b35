"""Render planned posts into channel payloads with the Jinja2 templates in `templates/`.

One template per channel kind, which the kind names (`channels/kinds/`): the kind turns a planned
post into its payload; this module loads the templates and runs them in the sandbox.
    wechat/article.html.j2   article body (CSS inlined, classes removed: WeChat keeps inline styles only)
    weibo/post.txt.j2        post text
    screen/slide.html.j2     a slide: headline and one line
Image references in articles are placeholders (`qm-image:<item>/<role>`) that a channel replaces
with uploaded URLs, and a preview replaces with local files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import jinja2

from ..channels.kinds import Kind, kind_named, kinds
from ..inputs.campaign import Campaign
from ..planning.planner import PlannedPost
from ..support.errors import Problem, TemplateError
from ..support.file_digest import file_digest
from ..support.values import ImageRef
from .picture_look import Looks, brand_files
from .sandbox import LinkOutside, NotUtf8, template_env
from .sandbox import render as render_sandboxed
from .template_budget import OutOfTime
from .template_errors import file_problem, render_problem, syntax_message
from .versions import version_of

BUILTIN_KINDS = ("wechat", "weibo", "screen")
# Seconds each template may render in all in one run (a command, a build, a refresh of the queue: the renders of
# one Renderer within RUN_WINDOW seconds): a template a little under a render's own budget for each of 200 posts
# would otherwise hold a check for half an hour. Rendering every post takes well under a second.
RUN_SECONDS, RUN_WINDOW = 10.0, 60.0


PostInputs = tuple[dt.datetime, object, str, object, str]  # see Renderer.inputs


class Stored(Protocol):
    """What a queued post (`publishing.queue.Post`) offers to be checked as rendered; rendering never imports the queue."""

    @property
    def id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def at(self) -> float: ...
    @property
    def item(self) -> str: ...
    @property
    def area(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def images(self) -> tuple[ImageRef, ...]: ...


@dataclass(frozen=True)
class RenderedPost:
    post_id: str
    channel: str
    at: str  # ISO 8601 with offset
    item: str
    area: str
    payload: dict[str, Any]
    images: tuple[ImageRef, ...] = field(default=())
    pictures: str = ""  # what the pictures show (versions.picture_identity)
    before_look: str = ""  # the same without their look, as an earlier qm counted it ("" when they have no look: picture_look)
    derived: frozenset[str] = frozenset()  # payload fields its kind computes from the others (Kind.derived)

    @cached_property  # normalising a long article takes a while; a rendering does not change
    def version(self) -> str:
        """Changes when the words or the pictures of the post do (see versions.py)."""
        return version_of(self.payload, self.pictures, self.derived)

    @property
    def earlier_version(self) -> str:
        """The version an earlier qm gave this rendering, before the pictures' look counted ("" when it is the same)."""
        return version_of(self.payload, self.before_look, self.derived) if self.before_look else ""

    def take_version(self, version: str) -> None:
        """Use the version an earlier run computed from exactly this payload, pictures and derived fields (`version_cache`)."""
        self.__dict__["version"] = version  # where the cached property keeps it

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
        self._since: dict[str, float] = {}  # kind -> when its template's run began (monotonic)
        self._left: dict[str, float] = {}  # kind -> seconds its template may still render in this run
        self._too_slow: dict[str, TemplateError] = {}  # kind -> why its template is no longer run
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
        for path in sorted(p for p in root.rglob("*") if p.is_file()):  # poster layouts too: their text is in the version
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        for path in brand_files(self.campaign.brand, self.campaign.posters.photo):  # the logo and the photograph: their look
            h.update(str(path).encode() + b"\0" + file_digest(path).encode())
        return h.hexdigest()

    def inputs(self, post: PlannedPost) -> PostInputs:
        """Everything `render(post)` depends on, first the slot's time: equal inputs, equal payload.
        The content item itself (compared field by field: an edit anywhere in it counts)."""
        return (post.at, post.slot, post.reason, post.item, self.fingerprint)

    def _kinds(self) -> list[Kind]:
        """Every built-in kind (their templates are always checked) and every configured one."""
        configured = {c.kind for c in self.campaign.channels}
        return [k for k in kinds() if k.name in configured or k.name in BUILTIN_KINDS]

    @cached_property
    def _looks(self) -> Looks:
        return Looks(self.campaign)

    @cached_property
    def _templates(self) -> dict[str, jinja2.Template]:
        return {kind.name: self._load(kind.template) for kind in self._kinds()}

    def check_templates(self) -> list[Problem]:
        problems = []
        for name in (kind.template for kind in self._kinds()):
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
        except (NotUtf8, LinkOutside) as exc:  # the template itself, or one it extends
            raise TemplateError(problems=[file_problem(exc)]) from exc

    def render(self, post: PlannedPost) -> RenderedPost:
        channel = self.campaign.channel(post.channel)
        kind = kind_named(channel.kind) if channel is not None else None
        if channel is None or kind is None:
            raise TemplateError(f"未知渠道 {post.channel}")
        base: dict[str, Any] = {"campaign": self.campaign, "brand": self.campaign.brand, "item": post.item, "post": post}
        payload, images = kind.render(lambda context: self._run(kind, context, post), post, channel, base)
        return self._result(post, payload, images, kind.derived)

    def as_stored(self, post: Stored) -> RenderedPost:
        """A post as the publishing queue keeps it (its words as rendered when it was queued), for checks and previews."""
        at = dt.datetime.fromtimestamp(post.at, self.campaign.timezone).isoformat()
        return RenderedPost(post.id, post.channel, at, post.item, post.area, post.payload, post.images, derived=self.derived(post.channel))

    def derived(self, channel_name: str) -> frozenset[str]:
        """The payload fields the channel's kind computes from the others (left out of versions)."""
        channel = self.campaign.channel(channel_name)
        kind = kind_named(channel.kind) if channel is not None else None
        return kind.derived if kind is not None else frozenset()

    def _run(self, kind: Kind, context: dict[str, Any], post: PlannedPost) -> str:
        """Render the kind's template within what is left of its time in this run (`RUN_SECONDS`): a template
        slow for every post stops once, at its line, and is not run again in the run (its error is raised at once)."""
        start = time.monotonic()
        if start - self._since.get(kind.name, -RUN_WINDOW) >= RUN_WINDOW:  # a new run: a command takes seconds
            self._since[kind.name], self._left[kind.name] = start, RUN_SECONDS
            self._too_slow.pop(kind.name, None)
        if kind.name in self._too_slow:
            raise self._too_slow[kind.name]
        template, left = self._templates[kind.name], self._left[kind.name]
        late = f"模板合计渲染了 {RUN_SECONDS:g} 秒（每条内容通常只要几毫秒），暂停渲染这个模板：检查循环和计算是否过大"
        try:
            return render_sandboxed(template, context, left, late)
        except Exception as exc:  # a template is the user's code: whatever fails in it is reported against its line
            problem = render_problem(
                exc, context, self.campaign.paths.templates, kind.template, f"渲染 {post.id} 时出错", "修改模板后用 qm check 检查"
            )
            error = TemplateError(problems=[problem])
            if isinstance(exc, OutOfTime):
                self._too_slow[kind.name] = error
            raise error from exc
        finally:
            self._left[kind.name] = left - (time.monotonic() - start)

    def _result(self, post: PlannedPost, payload: dict[str, Any], images: tuple[ImageRef, ...], derived: frozenset[str]) -> RenderedPost:
        pictures, before = self._looks.identity(post.item, images)
        return RenderedPost(
            post.id, post.channel, post.at.isoformat(), post.item.id, post.item.area, payload, images, pictures, before, derived
        )
