"""The figures of a simulated campaign, so `qm report` can be tried end to end with no account.

StatsPlatforms   local fake WeChat / Weibo servers that learn of every article and Weibo post the
                 simulation delivers (for channels on the outbox too, whose receipts then carry
                 the platform ids a real one would), and answer the statistics APIs
play_screens     a simulated player per wall: each day's real playlist, played through its
                 on-hours, written as proof of play
collect          the daemon's statistics job, run once against those servers and logs
keep             the simulation's database and proof of play, copied where `qm report --db` finds them
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from ..channels.base import Channel, OutgoingPost
from ..channels.screen.stats import ScreenStats, log_file
from ..channels.wechat.config import WeChatConfig
from ..channels.wechat.stats import WeChatStats
from ..channels.weibo.config import WeiboConfig
from ..channels.weibo.stats import WeiboStats
from ..fakes.server import FakeServer
from ..fakes.wechat import FakeWeChat
from ..fakes.weibo import FakeWeibo
from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..planning.planner import Plan
from ..publishing import states as st
from ..publishing.queue import Queue
from ..runtime.clock import Clock
from ..screens.playlist import Playlist, make_playlist
from ..stats.collect import Collector, RunResult
from ..stats.sources import Source
from ..support.private_files import create
from ..support.values import Receipt
from .marker import mark

PLAYER = "模拟播放器"


class Registered(Channel):
    """A simulated delivery that the statistics server also learns of; the receipt names it there."""

    def __init__(self, inner: Channel, server: FakeWeChat | FakeWeibo, receipts: dict[str, Receipt]) -> None:
        self.inner, self.server, self.name = inner, server, inner.name
        self.reconcile_is_authoritative = inner.reconcile_is_authoritative
        self.receipts = receipts  # outlives a simulated crash, as the platform's records do

    def publish(self, post: OutgoingPost) -> Receipt:
        delivered = self.inner.publish(post).data  # keeps when the platform took it, as a real receipt does
        if isinstance(self.server, FakeWeChat):
            msg_data_id = self.server.add_article(str(post.payload.get("title", "")))
            receipt = Receipt("published", msg_data_id, data={**delivered, "msg_data_id": msg_data_id})
        else:
            ident = self.server.add_status(str(post.payload.get("text", "")))
            receipt = Receipt("published", ident, url=f"https://weibo.com/1234567890/{ident}", data={**delivered, "idstr": ident})
        self.receipts[post.id] = receipt
        return receipt

    def reconcile(self, post: OutgoingPost, receipt: Receipt | None) -> Receipt | None:
        found = self.inner.reconcile(post, receipt)
        return self.receipts.get(post.id, found) if found is not None else None


class StatsPlatforms:
    """Statistics servers for the channels that have no fake API server of their own."""

    def __init__(self, campaign: Campaign, api_servers: list[FakeServer], clock: Clock) -> None:
        now = lambda: clock.now().timestamp()  # noqa: E731
        self.wechat = next((s for s in api_servers if isinstance(s, FakeWeChat)), None)
        self.weibo = next((s for s in api_servers if isinstance(s, FakeWeibo)), None)
        self.own: list[FakeServer] = []
        self.receipts: dict[str, Receipt] = {}
        if campaign.wechat is not None and self.wechat is None:
            self.wechat = FakeWeChat(campaign.wechat.app_id or "wx-simulated", clock=now)
            self.own.append(self.wechat)
        if campaign.weibo is not None and self.weibo is None:
            self.weibo = FakeWeibo(clock=now)
            self.own.append(self.weibo)
        for server in self.own:
            server.start()

    def wrap(self, channel: Channel) -> Channel:
        """Deliveries on a channel without an API server of its own are registered with the statistics server."""
        server = {"wechat": self.wechat, "weibo": self.weibo}.get(channel.name)
        return Registered(channel, server, self.receipts) if server is not None and server in self.own else channel

    def sources(self, campaign: Campaign, clock: Clock) -> list[Source]:
        tz = campaign.timezone
        found: list[Source] = []
        if campaign.wechat is not None and self.wechat is not None:
            config: WeChatConfig = dataclasses.replace(campaign.wechat, api_base=self.wechat.url, app_id=self.wechat.app_id)
            found.append(WeChatStats(config, self.wechat.secret, tz, clock))
        if campaign.weibo is not None and self.weibo is not None:
            weibo: WeiboConfig = dataclasses.replace(campaign.weibo, api_base=self.weibo.url)
            found.append(WeiboStats(weibo, self.weibo.token, tz, clock))
        found += [ScreenStats(s, campaign.paths.state, tz, clock) for s in campaign.screens]
        return found

    def stop(self) -> None:
        for server in self.own:
            server.stop()


_STAMP = "\x00time"  # never in an id, a file name or a version
_QUOTED_STAMP = json.dumps(_STAMP)


def play_screens(campaign: Campaign, plan: Plan, library: Library, engine: Engine) -> int:
    """Proof of play of every wall on every day, as its player would have reported it; returns the lines written."""
    published = {p.id for p in Queue(engine).find([st.PUBLISHED])}
    shown = [p for p in plan.posts if p.id in published]
    written = 0
    for screen in campaign.screens:
        path = log_file(campaign.paths.state, screen.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for day in campaign.days():
                lines = day_lines(screen.id, make_playlist(campaign, screen, shown, library, day))
                out.write("".join(lines))
                written += len(lines)
    return written


def day_lines(screen_id: str, playlist: Playlist) -> list[str]:
    """One day of `playlist` played on wall `screen_id` from its start to its end, as JSON lines of proof of play."""
    slides, version = playlist.slides, playlist.version
    # Each slide's line is the same but for its time (shown and received): its JSON is made once,
    # around a stand-in for the time, and the time is put in for each showing.
    parts = [
        json.dumps(
            {
                "screen": screen_id,
                "version": version,
                "order": order,
                "file": f"slides/{slide.key}.png",
                "item": slide.text.id,
                "post": slide.post_id,
                "duration": slide.seconds,
                "shown_at": _STAMP,
                "received_at": _STAMP,
                "player": PLAYER,
            },
            ensure_ascii=False,
        ).split(_QUOTED_STAMP)
        for order, slide in enumerate(slides, start=1)
    ]
    lines: list[str] = []
    at, n = playlist.valid_from, 0
    while slides and at < playlist.valid_to:
        slide, (head, middle, tail) = slides[n % len(slides)], parts[n % len(slides)]
        n += 1
        if slide.start is not None and at < slide.start:
            if all(s.start is not None and at < s.start for s in slides):
                break
            continue
        if at + dt.timedelta(seconds=slide.seconds) > playlist.valid_to:
            break
        stamp = json.dumps(at.isoformat(timespec="milliseconds"))
        lines.append(f"{head}{stamp}{middle}{stamp}{tail}\n")
        at += dt.timedelta(seconds=slide.seconds)
    return lines


def collect(campaign: Campaign, engine: Engine, platforms: StatsPlatforms, clock: Clock) -> RunResult:
    sources = platforms.sources(campaign, clock)
    try:
        return Collector(campaign, engine).run(sources, clock.now())
    finally:
        for source in sources:
            source.close()


def keep(database: Path, state: Path, target: Path) -> Path:
    """Copy the simulation's database (a consistent snapshot) and proof of play to `target`; the database path."""
    target.mkdir(parents=True, exist_ok=True)
    saved = target / "qm.sqlite3"
    for old in (saved, saved.with_name(saved.name + "-wal"), saved.with_name(saved.name + "-shm")):
        old.unlink(missing_ok=True)
    create(saved)  # 600 like every queue database: `qm queue --db` opens it without a word about its permissions
    with sqlite3.connect(database) as source, sqlite3.connect(saved) as copy:
        source.backup(copy)
    mark(saved)
    proof = target / "proof-of-play"
    shutil.rmtree(proof, ignore_errors=True)
    if (state / "proof-of-play").is_dir():
        shutil.copytree(state / "proof-of-play", proof)
    return saved
