"""The kiosk player in a real headless Chromium, against the real server on loopback.

Slides last 1 s; the page's clock is set with `?at=` so on-hours edges come in seconds, not hours.
"No blank frame" is measured in the page: a requestAnimationFrame watcher counts frames in which a
slide should be on screen but the visible layer has no loaded image (window.qm.blankFrames).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan
from scheduler.screens.build import Built
from scheduler.screens.serve import ScreenServer
from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api
from tests.screen_helpers import build_into, local, playlist, serving, small_screen

NOON = "2016-09-08T12:00:00+08:00"

need_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS, viewport={"width": 960, "height": 540}
        )
        yield context
        context.close()


@pytest.fixture
def campaign(heihe: Campaign, tmp_path: Path) -> Campaign:
    return small_screen(local(heihe, tmp_path))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    yield page
    page.close()


@pytest.fixture
def quick(campaign: Campaign, heihe_plan: Plan, library: Library) -> Callable[[int], Built]:
    """Build the launch-day playlist cut to `count` slides of 1 s each, and make it current."""
    return lambda count: build_into(campaign, playlist(campaign, heihe_plan, library, seconds=1, count=count))


def open_player(page: Any, server: ScreenServer, at: str = NOON) -> None:
    page.goto(f"{server.url}/screen/center/?poll=300&at={quote(at)}")


def shown(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.qm.shown"))


def wait_shown(page: Any, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    page.wait_for_function(f"window.qm.shown.length >= {count}", timeout=timeout * 1000)
    return shown(page)


def gaps(entries: list[dict[str, Any]]) -> list[float]:
    times = [datetime.fromisoformat(e["shown_at"].replace("Z", "+00:00")).timestamp() for e in entries]
    return [b - a for a, b in itertools.pairwise(times)]


def _complete_lines(path: Path) -> list[str]:
    """The lines written whole so far (none while the file does not exist)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return text.splitlines()[: text.count("\n")]


def test_shows_the_first_slide_at_the_screen_size_then_advances_after_its_duration(
    campaign: Campaign, quick: Callable[[int], Built], page: Any
) -> None:
    built = quick(3)
    with serving(campaign) as server:
        open_player(page, server)
        page.wait_for_function("window.qm.started", timeout=10000)
        first = page.evaluate(
            """() => { const img = document.querySelector('img.front'); const box = img.getBoundingClientRect();
                 return {order: window.qm.order, w: img.naturalWidth, h: img.naturalHeight, bw: box.width, bh: box.height, src: img.src}; }"""
        )
        assert (first["order"], first["w"], first["h"], first["bw"], first["bh"]) == (1, 960, 540, 960, 540)
        launch_first = sorted(p.name for p in (built.folder / "slides").glob("01-publicity-launch-*.png"))
        assert len(launch_first) == 1 and first["src"].endswith(f"/screen/center/{built.version}/slides/{launch_first[0]}")
        entries = wait_shown(page, 4)
        proof = campaign.paths.state / "proof-of-play" / "center.jsonl"
        deadline = time.monotonic() + 10  # the player reports each slide on its next poll
        while len(_complete_lines(proof)) < 4 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    assert [e["order"] for e in entries[:4]] == [1, 2, 3, 1]
    assert all(0.95 <= g <= 1.8 for g in gaps(entries[:4]))
    assert page.evaluate("window.qm.blankFrames") == 0
    logged = [json.loads(line) for line in _complete_lines(proof)]
    assert [(r["order"], r["version"]) for r in logged[:4]] == [(e["order"], built.version) for e in entries[:4]]


def test_a_new_playlist_is_taken_at_the_end_of_a_slide_without_a_blank_frame(
    campaign: Campaign, quick: Callable[[int], Built], page: Any
) -> None:
    old = quick(3)
    with serving(campaign) as server:
        open_player(page, server)
        wait_shown(page, 2)
        new = quick(5)
        page.wait_for_function(f"window.qm.version === {json.dumps(new.version)}", timeout=10000)
        entries = wait_shown(page, len(shown(page)) + 2)
    switch = next(i for i, e in enumerate(entries) if e["version"] == new.version)
    assert entries[switch - 1]["version"] == old.version and entries[switch]["order"] == 1
    assert gaps(entries[switch - 1 : switch + 1])[0] >= 0.95  # the old slide ran its full duration first
    assert page.evaluate("window.qm.blankFrames") == 0


def test_keeps_playing_the_last_good_playlist_when_the_server_stops(campaign: Campaign, quick: Callable[[int], Built], page: Any) -> None:
    built = quick(3)
    with serving(campaign) as server:
        open_player(page, server)
        before = len(wait_shown(page, 2))
        server.shutdown()
        entries = wait_shown(page, before + 4)
    assert page.evaluate("window.qm.online") is False
    assert {e["version"] for e in entries} == {built.version}
    assert [e["order"] for e in entries[before:]][:3] == [((entries[before - 1]["order"] + n) % 3) + 1 for n in range(3)]
    assert page.evaluate("window.qm.blankFrames") == 0
    saved = json.loads(page.evaluate("localStorage.getItem('qm-playlist-center')"))
    assert saved["version"] == built.version


def test_black_outside_on_hours_and_slides_from_the_first_second_of_them(
    campaign: Campaign, quick: Callable[[int], Built], page: Any
) -> None:
    quick(3)
    black = "getComputedStyle(document.getElementById('black')).display === 'block' && window.qm.black"
    with serving(campaign) as server:
        open_player(page, server, at="2016-09-08T06:59:58.500+08:00")
        page.wait_for_timeout(800)
        assert page.evaluate(black) and not page.evaluate("window.qm.started")
        page.wait_for_function("window.qm.started && !window.qm.black", timeout=5000)
        assert shown(page)[0]["shown_at"] >= "2016-09-07T23:00:00"  # 07:00 in Heihe is 23:00 UTC the day before

        open_player(page, server, at="2016-09-08T21:29:58+08:00")
        page.wait_for_function("window.qm.started && !window.qm.black", timeout=5000)
        page.wait_for_function(black, timeout=5000)
        count = len(shown(page))
        page.wait_for_timeout(1500)
        assert page.evaluate(black) and len(shown(page)) == count  # nothing more is shown after 21:30

        open_player(page, server, at="2016-09-08T23:00:00+08:00")
        page.wait_for_timeout(1500)
        assert page.evaluate(black) and shown(page) == []
        pixel = page.screenshot(clip={"x": 480, "y": 270, "width": 1, "height": 1})
    assert Image.open(BytesIO(pixel)).convert("RGB").getpixel((0, 0)) == (0, 0, 0)


def test_a_paused_screen_goes_black_within_a_poll_and_plays_again_when_resumed(
    campaign: Campaign, heihe_plan: Plan, library: Library, page: Any
) -> None:
    """A pause must not wait for the slide on screen to end (10 s here): the empty playlist is taken at once."""
    slow = playlist(campaign, heihe_plan, library, seconds=10, count=3)
    build_into(campaign, slow)
    with serving(campaign) as server:
        page.goto(f"{server.url}/screen/center/?poll=300&at={quote(NOON)}")
        wait_shown(page, 1)
        paused = build_into(campaign, dataclasses.replace(slow, slides=(), paused="全国哀悼日"))
        started = time.monotonic()
        page.wait_for_function("window.qm.black === true", timeout=5000)
        assert time.monotonic() - started < 5  # well before the 10 s slide would have ended
        before = len(shown(page))
        page.wait_for_timeout(1500)
        assert len(shown(page)) == before and page.evaluate("window.qm.black") is True  # nothing shown while paused
        saved = json.loads(page.evaluate("localStorage.getItem('qm-playlist-center')"))
        assert saved["version"] == paused.version  # a player restarted offline stays black too
        resumed = build_into(campaign, playlist(campaign, heihe_plan, library, seconds=1, count=3))
        page.wait_for_function(f"window.qm.version === {json.dumps(resumed.version)}", timeout=10000)
