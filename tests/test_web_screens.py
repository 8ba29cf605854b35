"""The console's 电子屏 page: each screen's playlist of a day as `qm screen build` wrote it (same slides, same order,
its pictures), the posts kept off it, whether the player has it, a pause, a day outside the campaign. Real SQLite,
the real command line building the playlist files, the real console over loopback."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.cli.context import Context
from scheduler.publishing import review
from scheduler.screens.build import current_folder, screens_root
from scheduler.web.app import Console, create_app
from scheduler.web.server import Server
from tests.web_helpers import Running, http_login

from .conftest import run_qm

REHEARSAL = "2027-06-01T09:00:00+08:00"
DAY = dt.date(2027, 9, 3)
XSS = "<script>alert(1)</script>"
SLIDE_RE = re.compile(  # the link to the full picture ("" for a placeholder), the order, the title
    r'<li class="slide">\s*(?:<a class="full" href="([^"]+)"|<span class="full")[^>]*><img [^>]*>.*?<span class="num">(\d+)</span>(.*?)</p>',
    re.S,
)


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", REHEARSAL)
    small = {"1920x1080": "480x270", "1080x1920": "270x480"}  # quick to draw: the page shows them small anyway
    return project(lambda text: re.sub(r"size: (1920x1080|1080x1920)", lambda m: f"size: {small[m[1]]}", text))


@contextmanager
def console(config: Path, at: dt.datetime) -> Iterator[tuple[Running, httpx.Client]]:
    """`qm web` over the project at `config`, its clock at `at`, and a client signed in as an editor (the lowest role)."""
    ctx = Context(config)
    web = Console(ctx.campaign, ctx.engine, clock=at.timestamp)
    running = Running(web, Server(create_app(web), "127.0.0.1", 0))  # as `qm web` starts it
    running.server.start()
    try:
        with httpx.Client(base_url=running.url) as client:
            running.add_user("王编辑", "editor")
            http_login(client, "王编辑")
            yield running, client
    finally:
        running.server.shutdown()
        ctx.engine.dispose()


def build(config: Path, day: dt.date = DAY) -> None:
    done = run_qm("screen", "build", "--date", day.isoformat(), "-c", config, env={**os.environ})
    assert done.returncode == 0, done.stderr


def written(ctx: Context, screen: str = "center") -> dict[str, Any]:
    folder = current_folder(screens_root(ctx.campaign), screen)
    assert folder is not None
    document: dict[str, Any] = json.loads((folder / "playlist.json").read_text(encoding="utf-8"))
    return document


def section(html: str, screen: str) -> str:
    start = html.index(f'id="screen-{screen}"')
    end = html.find('<section class="screen"', start)
    return html[start : end if end > 0 else len(html)]


def shown_slides(html: str) -> list[tuple[str, int, str]]:
    return [(src, int(n), unescape(title).strip()) for src, n, title in SLIDE_RE.findall(html)]


def screen_posts(ctx: Context, day: dt.date = DAY, screen: str = "center") -> list[str]:
    name = next(s.name for s in ctx.campaign.screens if s.id == screen)
    return [p.id for p in ctx.plan.on(day) if p.channel == name]


def test_the_page_lists_the_slides_the_build_wrote_in_its_order_with_their_pictures(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    featured = screen_posts(ctx)
    assert len(featured) >= 2
    review.approve(queue, featured[0], "审核员甲", ctx.clock())
    build(config)
    document = written(ctx)
    morning = ctx.campaign.at(DAY, dt.time(9, 0))
    with console(config, morning) as (_, client):
        answer = client.get(f"/screens/{DAY}")
        assert answer.status_code == 200
        html = section(answer.text, "center")
        slides = shown_slides(html)
        expected = [(f"/screen/center/{document['version']}/{s['file']}", s["order"], s["title"]) for s in document["slides"]]
        assert slides == expected and len(slides) >= 4
        for src, _, _ in slides:
            picture = client.get(src)
            assert picture.status_code == 200 and picture.headers["content-type"] == "image/png" and picture.content[:4] == b"\x89PNG"
        assert f"版本 {document['version']}" in html and "已交给播放器" in html
        assert "现在是开屏时段" in html and "不同" not in html  # built from what the queue says now
        held = html[html.index("没有上屏的内容") :]
        assert featured[1] in held and "待审核：审核通过后才上屏" in held and featured[0] not in held
        assert f'<a href="/post/{featured[0]}">{featured[0]}</a>' in html  # the approved one, on the wall

        review.approve(queue, featured[1], "审核员甲", ctx.clock())  # approved after the build: a rebuild is due
        html = section(client.get(f"/screens/{DAY}").text, "center")
        assert "现在的内容或审核状态与已生成的播放列表不同" in html and shown_slides(html) == expected

        log = ctx.campaign.paths.state / "proof-of-play" / "center.jsonl"  # as the player's reports are written (`proof`)
        log.parent.mkdir(parents=True, exist_ok=True)
        first = document["slides"][0]
        plays = [
            {"screen": "center", "version": document["version"], "order": 1, "file": first["file"], "shown_at": f"{DAY}T09:0{n}:00+08:00"}
            for n in (3, 1)
        ]
        log.write_text("".join(json.dumps({**p, "item": first["item"], "post": ""}) + "\n" for p in plays), encoding="utf-8")
        html = section(client.get(f"/screens/{DAY}").text, "center")
        assert "播放器 2027-09-03 09:01:00 起报告播放这一版" in html and "今天共播放 2 次" in html

        day_page = client.get(f"/day/{DAY}").text
        assert f'href="/screens/{DAY}"' in day_page
        assert 'href="/screens"' in day_page  # the console's navigation


def test_a_day_not_built_shows_what_the_build_will_write(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    for post in screen_posts(ctx):
        review.approve(queue, post, "审核员甲", ctx.clock())
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        before = section(client.get(f"/screens/{DAY}").text, "center")
        assert "今天的播放列表还没有生成" in before and "已交给播放器" not in before
        planned = [(n, title) for _, n, title in shown_slides(before)]
        build(config)
        after = section(client.get(f"/screens/{DAY}").text, "center")
    assert planned == [(s["order"], s["title"]) for s in written(ctx)["slides"]] and planned
    assert "还没有生成" not in after


def test_a_paused_screen_and_a_dark_day_are_shown_as_they_are(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    review.pause(queue, None, "李主任", f"全国哀悼日{XSS}", ctx.clock())
    build(config)
    assert written(ctx)["slides"] == []
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        page = client.get(f"/screens/{DAY}").text
        html = section(page, "center")
        assert "已暂停（全国哀悼日&lt;script&gt;alert(1)&lt;/script&gt;）：播放列表是空的" in html
        assert "播放列表里没有画面" in html and not shown_slides(html) and XSS not in page
        dark = client.get("/screens/2027-10-15").text
        assert "这一天不在活动期（2027-09-01 至 2027-09-30）内" in dark and not shown_slides(dark)
        assert client.get("/screens?day=2027-09-04").headers["location"] == "/screens/2027-09-04"
        assert client.get("/screens/2027-13-01").status_code == 404


def test_the_player_not_given_todays_playlist_is_said(config: Path) -> None:
    ctx = Context(config)
    ctx.filled_queue()
    build(config, DAY + dt.timedelta(days=1))  # before the campaign, `current` takes the earliest day built
    build(config)
    with console(config, ctx.campaign.at(DAY + dt.timedelta(days=1), dt.time(9, 0))) as (_, client):
        html = section(client.get(f"/screens/{DAY + dt.timedelta(days=1)}").text, "center")
    assert "这一份没有交给播放器：播放器拿到的是 2027-09-03 的播放列表" in html


@pytest.mark.parametrize("width", [375, 1280])
def test_the_page_in_chromium_at_phone_and_desk_width(config: Path, tmp_path: Path, width: int) -> None:
    from tests.browser_helpers import chromium, need_chromium
    from tests.web_helpers import login

    need_chromium()
    ctx = Context(config)
    queue = ctx.filled_queue()
    review.approve(queue, screen_posts(ctx)[0], "审核员甲", ctx.clock())
    build(config)
    station = next(s.name for s in ctx.campaign.screens if s.id == "station")
    review.pause(queue, station, "李主任", "广场施工，暂停播放", ctx.clock())  # after the build: not yet off the wall
    shots = Path(os.environ.get("QM_TEST_SHOTS") or tmp_path)  # set it to keep the pictures and look at them
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (running, _), chromium(width, 800) as browser:
        page = browser.new_page()
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/day/{DAY}")
        page.click(f'a[href="/screens/{DAY}"]')
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/screens/{DAY}")
        pictures = page.locator("ol.slides img")
        for n in range(pictures.count()):  # loaded as they come into view
            pictures.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("[...document.querySelectorAll('ol.slides img')].every(i => i.complete)")
        page.screenshot(path=str(shots / f"screens-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
        assert pictures.count() == len(written(ctx)["slides"]) + len(written(ctx, "station")["slides"])
        assert page.evaluate("[...document.querySelectorAll('ol.slides img')].every(i => i.complete && i.naturalWidth > 0)")
        shown = page.evaluate("[...document.querySelectorAll('ol.slides img')].map(i => [i.currentSrc, i.naturalWidth])")
        assert all("/screens/thumb/" in src and 0 < w <= 480 for src, w in shown)  # the small pictures, not the slides
        assert "已暂停（广场施工，暂停播放）：后台服务 5 分钟内清空这份播放列表" in page.inner_text("#screen-station")
        assert page.locator('header.top nav a[aria-current="page"]').inner_text() == "电子屏"
        page.click('a[aria-label="后一天"]')  # not built yet: what a build would write, with the pictures drawn so far
        page.wait_for_load_state("networkidle")
        assert "这一天的播放列表还没有生成" in page.inner_text("#screen-center")
        assert "还没有生成。已暂停（广场施工，暂停播放）：生成的播放列表将是空的" in page.inner_text("#screen-station")
        page.screenshot(path=str(shots / f"screens-{width}-not-built.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("broken", ["slides", "json"])
def test_a_playlist_file_that_does_not_read_is_said_and_the_page_still_shows(config: Path, broken: str) -> None:
    ctx = Context(config)
    ctx.filled_queue()
    build(config)
    folder = current_folder(screens_root(ctx.campaign), "center")
    assert folder is not None
    text = f'{{"date": "{DAY}", "slides": [{{"order": 1}}]}}' if broken == "slides" else '{"date": '  # a slide without its file; cut short
    (folder / "playlist.json").write_text(text, encoding="utf-8")
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        answer = client.get(f"/screens/{DAY}")
    assert answer.status_code == 200
    html = section(answer.text, "center")
    said = (
        "已损坏，无法读取（运行 qm screen build --date 2027-09-03 重新生成）"
        if broken == "slides"
        else "已损坏，无法读取（运行 qm screen build 重新生成）"
    )
    assert f"{folder / 'playlist.json'} {said}" in html
    assert shown_slides(html) and "下面是重新生成时将写入的画面" in html  # what a build would write instead
    assert "还没有生成" not in html  # it was built: the file is damaged


def test_each_screens_proof_of_play_log_is_read_once_a_page(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = Context(config)
    ctx.filled_queue()
    build(config)
    folder = ctx.campaign.paths.state / "proof-of-play"
    folder.mkdir(parents=True, exist_ok=True)
    for screen in ctx.campaign.screens:  # a month of reports is long: reading it twice a view doubles the wait
        (folder / f"{screen.id}.jsonl").write_text(
            json.dumps({"shown_at": f"{DAY}T09:00:00+08:00", "version": "x"}) + "\n", encoding="utf-8"
        )
    reads: list[str] = []
    read_text = Path.read_text

    def counted(path: Path, *args: Any, **kwargs: Any) -> str:
        if path.suffix == ".jsonl" and path.parent == folder:  # the proof-of-play logs (not the record of pushes)
            reads.append(path.name)
        return read_text(path, *args, **kwargs)

    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        monkeypatch.setattr(Path, "read_text", counted)
        assert client.get(f"/screens/{DAY}").status_code == 200
    assert sorted(reads) == sorted(f"{s.id}.jsonl" for s in ctx.campaign.screens)
