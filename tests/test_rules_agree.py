"""`qm check` and publishing agree: every limit and rule of every channel kind, driven at its
boundary through the check (`lint_post`, what `qm check` runs) and through the channel's own
pre-publish check, gives the same verdict, and the verdict the platform documents."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scheduler.channels import make_channel
from scheduler.channels.base import OutgoingPost, PermanentError, TransientError
from scheduler.channels.images import MB
from scheduler.channels.wechat.api import WeChatChannel
from scheduler.channels.wechat.rules import COVER_MAX, INLINE_MAX
from scheduler.channels.weibo.api import WeiboChannel
from scheduler.channels.weibo.assisted import AssistedChannel
from scheduler.channels.weibo.rules import IMAGE_MAX
from scheduler.inputs.campaign import Campaign, ChannelConfig
from scheduler.inputs.content import HEADLINE_MAX, LINE_MAX
from scheduler.planning.planner import Plan
from scheduler.poster.files import PosterFiles
from scheduler.rendering.lint import lint_post
from scheduler.rendering.payloads import RenderedPost, Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.support.notify import Notifications
from scheduler.support.values import IMAGE_SCHEME, ImageRef, poster_path

from .channel_helpers import RIP, SECRET, WEIBO_TOKEN, local, posters, with_api

PNG, GIF, BMP = b"\x89PNG\r\n\x1a\n", b"GIF89a", b"BM"
NOWHERE = "http://127.0.0.1:9"  # no call is made: the checks come first
INLINE = f"{IMAGE_SCHEME}inline/figure"


@dataclasses.dataclass
class Case:
    """A post of `channel` changed by `change`; `fits`: the documented verdict."""

    channel: str
    change: Callable[[Campaign, dict[str, Any], Path], dict[str, Any]]
    fits: bool
    config: dict[str, Any] = dataclasses.field(default_factory=dict)


def _set(**values: Any) -> Callable[[Campaign, dict[str, Any], Path], dict[str, Any]]:
    return lambda _campaign, payload, _folder: {**payload, **values}


def _html(chars: int) -> str:
    """An article body of exactly `chars` characters (and as many UTF-8 bytes)."""
    return "<p>" + "a" * (chars - 7) + "</p>"


def _weibo_text(length: int, url: str = "") -> Callable[[Campaign, dict[str, Any], Path], dict[str, Any]]:
    """A Weibo text of `length` by Weibo's count: Chinese characters weigh 1, a URL 10."""

    def change(campaign: Campaign, payload: dict[str, Any], _folder: Path) -> dict[str, Any]:
        assert campaign.weibo is not None
        link = url or campaign.weibo.link
        return {**payload, "text": "质" * (length - 10) + link}

    return change


def _image(which: str, head: bytes, size: int) -> Callable[[Campaign, dict[str, Any], Path], dict[str, Any]]:
    """The post's `which` image ("cover", "image", or the inline figure) replaced by a file of `size` bytes."""

    def change(_campaign: Campaign, payload: dict[str, Any], folder: Path) -> dict[str, Any]:
        ref = INLINE if which == "inline" else str(payload[which])
        (folder / "files").mkdir(exist_ok=True)
        target = folder / "files" / urllib.parse.quote(ref, safe="")
        target.write_bytes(head + b"\0" * (size - len(head)))
        extra = {"content": payload["content"] + f'<p><img src="{INLINE}" alt="图"></p>'} if which == "inline" else {}
        return {**payload, **extra, "_file": (ref, target)}

    return change


def _cases() -> dict[str, Case]:
    wechat_limits = (("title", 32), ("author", 16), ("digest", 128))
    cases: dict[str, Case] = {}
    for key, limit in wechat_limits:
        for n in (limit - 1, limit, limit + 1):
            cases[f"wechat-{key}-{n}"] = Case("wechat", _set(**{key: "质" * n}), n <= limit)
    cases["wechat-title-empty"] = Case("wechat", _set(title=" "), False)
    for n in (19999, 20000, 20001):  # "< 20,000 characters"
        cases[f"wechat-content-{n}-chars"] = Case("wechat", _set(content=_html(n)), n < 20000)
    for n in (MB - 1, MB, MB + 1):  # "< 1 MB", with the character limit out of the way
        cases[f"wechat-content-{n}-bytes"] = Case("wechat", _set(content=_html(n)), n < MB, {"content_max": 10 * MB})
    for n in (1023, 1024, 1025):  # "≤ 1 KB"
        url = "https://www.example.gov.cn/" + "a" * (n - 27)
        cases[f"wechat-source-url-{n}"] = Case("wechat", _set(content_source_url=url), n <= 1024)
    cases["wechat-no-cover"] = Case("wechat", _set(cover=""), False)
    for n in (COVER_MAX - 1, COVER_MAX, COVER_MAX + 1):  # cover "≤ 10 MB"
        cases[f"wechat-cover-{n}-bytes"] = Case("wechat", _image("cover", PNG, n), n <= 10 * MB)
    cases["wechat-cover-bmp"] = Case("wechat", _image("cover", BMP, 1000), True)
    for n in (INLINE_MAX - 1, INLINE_MAX, INLINE_MAX + 1):  # in-article "< 1 MB"
        cases[f"wechat-inline-{n}-bytes"] = Case("wechat", _image("inline", PNG, n), n < MB)
    cases["wechat-inline-gif"] = Case("wechat", _image("inline", GIF, 1000), False)

    for mode in ("api", "assisted"):
        for n in (139, 140, 141):  # "≤ 140"
            cases[f"weibo-{mode}-length-{n}"] = Case(f"weibo-{mode}", _weibo_text(n), n <= 140)
        cases[f"weibo-{mode}-safe-subdomain"] = Case(f"weibo-{mode}", _weibo_text(100, "https://news.www.example.gov.cn/x"), True)
        cases[f"weibo-{mode}-unsafe-domain"] = Case(f"weibo-{mode}", _weibo_text(100, "https://evil.example.com/x"), False)
        cases[f"weibo-{mode}-lookalike-domain"] = Case(f"weibo-{mode}", _weibo_text(100, "https://evilwww.example.gov.cn/x"), False)
        cases[f"weibo-{mode}-no-url"] = Case(f"weibo-{mode}", _set(text="质量月，我们在行动。"), False)
        # topics: refused by statuses/share, fine when staff post by hand
        cases[f"weibo-{mode}-topic"] = Case(
            f"weibo-{mode}", _set(text="欢迎参与#质量月#讨论 https://www.example.gov.cn/zlyue"), mode != "api"
        )
        for n in (IMAGE_MAX - 1, IMAGE_MAX, IMAGE_MAX + 1):  # picture "< 5 MB"
            cases[f"weibo-{mode}-image-{n}-bytes"] = Case(f"weibo-{mode}", _image("image", PNG, n), n < 5 * MB)
        cases[f"weibo-{mode}-image-bmp"] = Case(f"weibo-{mode}", _image("image", BMP, 1000), False)

    for key, limit in (("headline", HEADLINE_MAX), ("line", LINE_MAX)):
        for n in (limit - 1, limit, limit + 1):
            cases[f"screen-{key}-{n}"] = Case("screen", _set(**{key: "质" * n}), n <= limit)
    return cases


CASES = _cases()


def _campaign(heihe: Campaign, tmp_path: Path, case: Case) -> Campaign:
    campaign = local(heihe, tmp_path)
    if case.channel == "wechat":
        campaign = with_api(campaign, wechat=NOWHERE, changes={"wechat": {"mode": "publish", **case.config}})
    elif case.channel.startswith("weibo"):
        mode = case.channel.removeprefix("weibo-")
        campaign = with_api(campaign, weibo=NOWHERE, changes={"weibo": {"mode": mode, "token_expires": None}})
    return campaign


def _post(campaign: Campaign, plan: Plan, case: Case, tmp_path: Path) -> tuple[RenderedPost, OutgoingPost]:
    """The case's post as the check sees it and as the channel receives it, sharing its image files."""
    name = "screen:center" if case.channel == "screen" else case.channel.split("-")[0]
    planned = next(p for p in plan.posts if p.channel == name and not p.item.is_launch)
    rendered = Renderer(campaign).render(planned)
    drawn = PosterFiles(campaign)  # the posters as the channels take them (a file drawn from other inputs is drawn again)
    files = {img.ref: drawn(img) for img in rendered.images}
    payload = case.change(campaign, dict(rendered.payload), tmp_path)
    refs = rendered.images
    if "_file" in payload:
        ref, source = payload.pop("_file")
        image = next((i for i in refs if i.ref == ref), None) or ImageRef(ref, "inline", "figure", "x")
        refs = (*(i for i in refs if i.ref != ref), image)
        target = poster_path(campaign.paths.posters, image)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
        files[ref] = target
    checked = dataclasses.replace(rendered, payload=payload, images=refs)
    outgoing = OutgoingPost(rendered.post_id, rendered.channel, planned.at, rendered.item, "v1", payload, files, refs=refs)
    return checked, outgoing


def _publish_verdict(campaign: Campaign, case: Case, post: OutgoingPost, clock: FakeClock) -> bool:
    """True when the channel's pre-publish check lets the post through."""
    config: ChannelConfig | None = campaign.channel(post.channel)
    try:
        if case.channel == "wechat":
            assert campaign.wechat is not None
            WeChatChannel(campaign.wechat, SECRET, posters(campaign), clock)._checked_files(post)
        elif case.channel == "weibo-api":
            assert campaign.weibo is not None and campaign.weibo.rip == RIP
            WeiboChannel(campaign.weibo, WEIBO_TOKEN, posters(campaign), clock)._checked(post)
        elif case.channel == "weibo-assisted":
            assert campaign.weibo is not None
            with pytest.raises(TransientError, match="没有送达"):  # no staff to reach: a post that fits is retried, not refused
                AssistedChannel(campaign.weibo, Notifications((), env={}), posters(campaign), clock).publish(post)
        else:
            assert config is not None
            make_channel(campaign, config, PosterFiles(campaign).__call__).publish(post)  # the rules, not the approval
    except PermanentError:
        return False
    return True


@pytest.mark.parametrize("name", list(CASES))
def test_check_and_publish_agree(name: str, heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> None:
    case = CASES[name]
    campaign = _campaign(heihe, tmp_path, case)
    checked, outgoing = _post(campaign, heihe_plan, case, tmp_path)
    findings = [f.reason for f in lint_post(campaign, checked)]
    published = _publish_verdict(campaign, case, outgoing, FakeClock(outgoing.at))
    assert (not findings) == published, (findings, published)
    assert published is case.fits, findings
