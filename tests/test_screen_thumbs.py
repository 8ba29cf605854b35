"""The 电子屏 page's small pictures: each slide (and each poster of a day not built yet) is shown as a thumbnail
drawn once and kept under the picture's content, with a link to the full picture; a changed picture gets a new one.
The thumbnail routes find their files as the player's and the posters' routes do and need a login like the page.
Real SQLite, the real command line building full-size slides, the real console over loopback."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image

from scheduler.cli.context import Context
from scheduler.publishing import review
from scheduler.screens.build import current_folder, screens_root
from tests.web_helpers import Running

from .test_web_screens import DAY, REHEARSAL, build, console, screen_posts, section

THUMB_RE = re.compile(r'<a class="full" href="([^"]+)"[^>]*><img src="([^"]+)"')


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", REHEARSAL)
    return project()  # the slides at their real size (1920×1080 and 1080×1920), as the walls show them


@contextmanager
def built(config: Path) -> Iterator[tuple[Context, Running, httpx.Client]]:
    """The day's playlists built, and the console at 09:00 that day with an editor signed in."""
    ctx = Context(config)
    ctx.filled_queue()
    build(config)
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (running, client):
        yield ctx, running, client


def pictures(client: httpx.Client, day: dt.date = DAY, screen: str = "center") -> list[tuple[str, str]]:
    """(full picture, thumbnail) of each slide the page shows for the screen."""
    return THUMB_RE.findall(section(client.get(f"/screens/{day}").text, screen))


def test_the_page_shows_small_pictures_linking_to_the_slides(config: Path) -> None:
    ctx = Context(config)
    review.approve(ctx.filled_queue(), screen_posts(ctx)[0], "审核员甲", ctx.clock())
    build(config)
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        shown = pictures(client) + pictures(client, screen="station")
        assert len(shown) >= 6
        full_bytes = small_bytes = 0
        for full, small in shown:
            assert small == full.replace("/screen/", "/screens/thumb/", 1)
            slide, thumb = client.get(full), client.get(small)
            assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
            assert thumb.headers["cache-control"] == "no-store"  # asked again each page: never an old one
            with Image.open(io.BytesIO(thumb.content)) as image, Image.open(io.BytesIO(slide.content)) as big:
                assert max(image.size) == 480 and big.size[0] in (1920, 1080)
            full_bytes, small_bytes = full_bytes + len(slide.content), small_bytes + len(thumb.content)
        assert small_bytes * 4 < full_bytes  # a phone fetches a fraction of the slides' bytes
        kept = sorted((screens_root(ctx.campaign) / ".thumbs").iterdir())
        times = [p.stat().st_mtime_ns for p in kept]
        assert 0 < len(kept) <= len(shown)  # one a picture (two slides alike share one)
        assert [client.get(s).content for _, s in shown] and [p.stat().st_mtime_ns for p in kept] == times  # drawn once
        assert client.get(f"/screen/center/.thumbs/{kept[0].name}").status_code == 404  # the player routes never serve them


def test_a_changed_slide_gets_a_new_thumbnail(config: Path) -> None:
    with built(config) as (ctx, _, client):
        full, small = pictures(client)[0]
        before = client.get(small)
        folder = current_folder(screens_root(ctx.campaign), "center")
        assert folder is not None
        slide = folder / full.split("/", 4)[4]
        Image.new("RGB", (1920, 1080), (0, 200, 0)).save(slide)  # drawn again in place (same name)
        after = client.get(small)
        assert after.status_code == 200 and after.content != before.content
        with Image.open(io.BytesIO(after.content)) as image:
            red, green, blue = image.convert("RGB").getpixel((240, 135))
        assert green > 150 and red < 60 and blue < 60  # the new picture, not the thumbnail kept of the old one


def test_a_day_not_built_shows_small_pictures_of_its_posters(config: Path) -> None:
    ctx = Context(config)
    ctx.filled_queue()
    build(config)  # draws the day's slides into the posters folder too: the next day shows some of them
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        drawn = [(f, s) for f, s in pictures(client, DAY + dt.timedelta(days=1)) if f.startswith("/posters/file/")]
        html = section(client.get(f"/screens/{DAY + dt.timedelta(days=1)}").text, "center")
        assert '<span class="full"><img src="data:' in html and 'href="data:' not in html  # a placeholder opens nothing
        assert drawn
        for full, small in drawn:
            assert small == full.replace("/posters/file/", "/posters/thumb/", 1)
            assert client.get(small).headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    "path",
    [
        "/screens/thumb/center/%2e%2e/station/current/playlist.json",
        "/screens/thumb/center/..%2f..%2f..%2fconfig.yaml",
        "/screens/thumb/center/.lock",
        "/screens/thumb/center/current%2f..%2f..%2f.thumbs",
        "/screens/thumb/elsewhere/current/playlist.json",
        "/screens/thumb/center/%2fetc%2fpasswd",
        "/posters/thumb/..%2f..%2fconfig.yaml",
        "/posters/thumb/%2e%2e/state/screens/center/current/playlist.json",
    ],
)
def test_the_thumbnail_routes_serve_nothing_outside_their_folders(config: Path, path: str) -> None:
    with built(config) as (_, running, client):
        assert client.get(pictures(client)[0][1]).status_code == 200  # the route is there
        assert client.get(httpx.URL(running.url + path)).status_code == 404


def test_the_thumbnails_need_a_login(config: Path) -> None:
    with built(config) as (_, running, client):
        _, small = pictures(client)[0]
        with httpx.Client(base_url=running.url) as stranger:
            answer = stranger.get(small)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
