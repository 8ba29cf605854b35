"""Campaigns, playlists and servers for the screen tests: real files under tmp_path, real HTTP on loopback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scheduler.channels.screen.config import ScreenConfig
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.build import Built, build, screens_root
from scheduler.screens.playlist import Playlist, make_playlist
from scheduler.screens.serve import ScreenServer

LAUNCH = dt.date(2016, 9, 8)


def local(campaign: Campaign, tmp_path: Path) -> Campaign:
    """The campaign with its state and posters under tmp_path."""
    paths = dataclasses.replace(campaign.paths, state=tmp_path / "state", posters=tmp_path / "posters")
    return dataclasses.replace(campaign, paths=paths, database_url="")


def small_screen(campaign: Campaign, width: int = 960, height: int = 540) -> Campaign:
    """The campaign's first screen at a small size: quick to draw, and a browser window fits it."""
    screen = dataclasses.replace(campaign.screens[0], width=width, height=height)
    return dataclasses.replace(campaign, channels=(*(c for c in campaign.channels if c.kind != "screen"), screen))


def playlist(
    campaign: Campaign, plan: Plan, library: Library, day: dt.date = LAUNCH, seconds: int | None = None, count: int = 0
) -> Playlist:
    """A day's playlist; `seconds` sets every slide's duration, `count` keeps only the first slides."""
    screen: ScreenConfig = campaign.screens[0]
    made = make_playlist(campaign, screen, plan.on(day), library, day)
    slides = made.slides[:count] if count else made.slides
    if seconds is not None:
        slides = tuple(dataclasses.replace(s, seconds=seconds, start=None) for s in slides)
    return dataclasses.replace(made, slides=slides)


def build_into(campaign: Campaign, made: Playlist) -> Built:
    return build(campaign, made, screens_root(campaign), workers=1)


@contextmanager
def serving(campaign: Campaign, host: str = "127.0.0.1") -> Iterator[ScreenServer]:
    server = ScreenServer(campaign, host, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(5)


def player_cookie(server: ScreenServer, screen: str = "center") -> str:
    """The cookie the player page hands its player (`qm_player=<token>`), as a browser would send it back."""
    status, headers, _ = exchange(server, "GET", f"/screen/{screen}/")
    assert status == 200
    return next(v for k, v in headers if k.lower() == "set-cookie").split(";")[0]


def exchange(
    server: ScreenServer, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    host, port = server.address
    conn = http.client.HTTPConnection("127.0.0.1" if host == "::" else str(host), port, timeout=5)  # IPv4 to a dual-stack one
    conn.request(method, path, body or None, headers or {})
    response = conn.getresponse()
    answer = (response.status, response.getheaders(), response.read())
    conn.close()
    return answer


def report(
    server: ScreenServer, body: bytes, cookie: str = "", kind: str = "application/json", screen: str = "center"
) -> tuple[int, bytes]:
    """POST proof of play as the player page does (JSON, with the page's cookie when given)."""
    headers = {"Content-Type": kind, **({"Cookie": cookie} if cookie else {})}
    status, _, answer = exchange(server, "POST", f"/screen/{screen}/played", body, headers)
    return status, answer
