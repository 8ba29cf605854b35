"""Real channels talking real HTTP to the fake platform servers on loopback, on a fake clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scheduler.channels.base import OutgoingPost
from scheduler.channels.images import PostImages
from scheduler.fakes.server import FakeServer
from scheduler.fakes.wechat import FakeWeChat
from scheduler.fakes.weibo import FakeWeibo
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.poster.files import PosterFiles
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.support.values import poster_path

TZ = dt.timezone(dt.timedelta(hours=8))
APP_ID = "wx-test-app"
SECRET = "appsecret-S3cr3tValue-9f8e7d6c"  # never to be seen in any output
WEIBO_TOKEN = "2.00WeiboTOKEN-a1b2c3d4e5f6"
RIP = "203.0.113.7"
WECHAT_POST = "20160902-wechat-2000"
WECHAT_AT = dt.datetime(2016, 9, 2, 20, 0, tzinfo=TZ)
WEIBO_POST = "20160902-weibo-1000"
WEIBO_AT = dt.datetime(2016, 9, 2, 10, 0, tzinfo=TZ)


def epoch(clock: FakeClock) -> float:
    return clock.now().timestamp()


@contextmanager
def running(server: FakeServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wechat_server(clock: FakeClock, **options: Any) -> FakeWeChat:
    return FakeWeChat(APP_ID, SECRET, clock=lambda: epoch(clock), **options)


def weibo_server(clock: FakeClock, **options: Any) -> FakeWeibo:
    return FakeWeibo(WEIBO_TOKEN, clock=lambda: epoch(clock), **options)


def fake_server(platform: str, clock: FakeClock) -> FakeServer:
    return wechat_server(clock) if platform == "wechat" else weibo_server(clock)


STARTS = {"wechat": WECHAT_AT, "weibo": WEIBO_AT}


def with_api(campaign: Campaign, wechat: str = "", weibo: str = "", changes: dict[str, dict[str, Any]] | None = None) -> Campaign:
    """The campaign with its WeChat / Weibo channels on `publisher: api` against these base URLs."""
    if wechat:
        config = dataclasses.replace(campaign.wechat, publisher="api", api_base=wechat, app_id=APP_ID, **(changes or {}).get("wechat", {}))  # type: ignore[type-var]
        campaign = campaign.with_channels(config)
    if weibo:
        config = dataclasses.replace(
            campaign.weibo, publisher="api", api_base=weibo, rip=RIP, **{"mode": "api", **(changes or {}).get("weibo", {})}
        )  # type: ignore[type-var]
        campaign = campaign.with_channels(config)
    return campaign


def configured(campaign: Campaign, name: str, **changes: Any) -> Any:
    """The campaign's WeChat or Weibo config with some fields changed."""
    config = getattr(campaign, name)
    assert config is not None
    return dataclasses.replace(config, **changes)


def outgoing(campaign: Campaign, plan: Plan, post_id: str, checkpoints: list[dict[str, Any]] | None = None, **payload: Any) -> OutgoingPost:
    """One planned post as the daemon hands it to a channel; `payload` overrides rendered fields."""
    planned = next(p for p in plan.posts if p.id == post_id)
    rendered = Renderer(campaign).render(planned)
    images = {img.ref: poster_path(campaign.paths.posters, img) for img in rendered.images}
    log = checkpoints if checkpoints is not None else []
    progress = log[-1] if log else {}
    return OutgoingPost(
        rendered.post_id,
        rendered.channel,
        planned.at,
        rendered.item,
        rendered.version,
        {**rendered.payload, **payload},
        images,
        refs=rendered.images,
        progress=dict(progress),
        checkpoint=log.append,
        landed=log.append,
    )


def posters(campaign: Campaign, *, as_approved: bool = False) -> PostImages:
    """The posters a channel is given: drawn from the files as they are, or `as_approved` as `qm daemon` gives
    them (only as the post's version was approved: `PosterFiles.approved`; a payload changed here is refused)."""
    files = PosterFiles(campaign)
    return PostImages(files if as_approved else files.__call__)


def local(campaign: Campaign, tmp_path: Path) -> Campaign:
    paths = dataclasses.replace(campaign.paths, state=tmp_path / "state", posters=tmp_path / "posters")
    return dataclasses.replace(campaign, paths=paths, database_url="")
