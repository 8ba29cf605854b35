"""The console's 海报 page finds today's posters: the days from today on come first, each under its date (today
marked), the days gone by folded at the end and their undrawn posters not counted as still to draw; each card says
its date and links to its posts (the real application over a real SQLite queue; Chromium at 375 px)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.rendering.payloads import Renderer
from tests.browser_helpers import chromium, need_chromium
from tests.web_helpers import Running, console_server, local, login

need_chromium()
TODAY = dt.date(2016, 9, 20)


@pytest.fixture(scope="module")
def running(heihe: Campaign, heihe_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    campaign = local(heihe, tmp_path_factory.mktemp("posters-by-day"))
    post = next(p for p in heihe_plan.posts if p.at.date() == TODAY and Renderer(campaign).render(p).images)
    image = Renderer(campaign).render(post).images[0]  # one of today's posters drawn
    target = campaign.paths.posters / image.item / f"{image.layout}-{image.size}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (900, 383), "red").save(target)
    with console_server(campaign, heihe_plan) as r:
        r.console.clock = campaign.at(TODAY, dt.time(8)).timestamp
        r.add_user("王编辑", "editor")
        yield r


def test_today_comes_first_and_the_days_gone_by_are_folded_and_not_to_draw(running: Running, tmp_path: Path) -> None:
    with chromium(375, 800) as browser:
        page: Any = browser.new_page()
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/posters")
        page.screenshot(path=str(tmp_path / "posters-375.png"), full_page=True)
        first = page.locator("main section.poster-day").first
        assert first.locator("h2").inner_text().startswith("今天9月20日 星期二"), first.locator("h2").inner_text()
        said = page.inner_text("main p.muted")
        assert said.startswith("今天及以后 ") and "已过去的 9月1日—9月19日 的 " in said, said
        ahead = page.locator("main > section.poster-day .gallery li, main > details.later-day .gallery li").count()
        drawn = page.locator("main > section.poster-day .gallery li img, main > details.later-day .gallery li img").count()
        assert page.locator("main > section.poster-day").count() == 3  # today and the next two days; the later ones folded
        later = page.locator("details.later-day").first
        assert not later.get_attribute("open") and "张" in later.locator("summary").inner_text()
        assert f"今天及以后 {ahead} 张，已生成 {drawn} 张，还有 {ahead - drawn} 张未生成" in said and drawn >= 1, said
        past = page.locator("details.past-days")
        assert not past.get_attribute("open") and not past.locator(".gallery li").first.is_visible()  # folded
        folded = page.evaluate("document.documentElement.scrollHeight")
        card = first.locator(".gallery li").first
        assert card.locator(".when").inner_text() == "9月20日"
        link = card.locator(".uses a").first
        assert link.get_attribute("href").startswith("/post/20160920-") and link.bounding_box()["height"] >= 44
        past.locator("summary").click()
        assert past.locator(".gallery li").first.is_visible() and "没有生成（这天已过去）" in past.inner_text()
        assert page.evaluate("document.documentElement.scrollHeight") > 2 * folded  # the days gone by were most of the page
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
