"""The console's content library page (/content): every item by area, where it is used, a server-side search."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import Campaign, ReviewConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.inputs.content_edit import apply
from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import make_plan
from tests.conftest import HEIHE
from tests.web_helpers import Running, local, scripts_from_elsewhere, signed_in_editor

XSS = "<script>1</script>"  # a title is at most 20 characters


@pytest.fixture
def site(project: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Running, Campaign, httpx.Client]]:
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    with signed_in_editor(campaign) as (running, client):
        yield running, campaign, client


def test_the_library_lists_every_item_by_area_with_where_it_is_used_and_links_to_its_form(
    site: tuple[Running, Campaign, httpx.Client],
) -> None:
    _, campaign, client = site
    library = load_library(campaign.paths.content, campaign.text_values)
    plan = make_plan(campaign, library)
    page = client.get("/content")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'href="/content"' in page.text and f"共 {len(library.items)} 条内容" in text
    for item in library.items:
        assert f'<a href="/edit/{item.id}" class="item-title">{item.title}</a>' in text, item.id
    used = next(p for p in plan.posts if p.channel == "wechat")
    row = text.split(f'href="/edit/{used.item.id}"', 1)[1].split("</li>", 1)[0]
    assert f"{used.at.month}月{used.at.day}日（" in row and "微信公众号" in row
    assert "质量品牌提升" in text and "质量宣传" in text


def test_the_search_filters_by_title_id_and_tag_on_the_server(site: tuple[Running, Campaign, httpx.Client]) -> None:
    _, campaign, client = site
    library = load_library(campaign.paths.content, campaign.text_values)
    item = next(i for i in library.items if i.tags)
    for query in (item.title[2:6], item.id.upper(), item.tags[0]):
        text = html.unescape(client.get("/content", params={"q": query}).text)
        assert f'href="/edit/{item.id}"' in text, query
        words = [(i, " ".join((i.title, i.summary, i.headline or "", i.line or "", i.body or "", i.id, *i.tags))) for i in library.items]
        expected = [i for i, text in words if query.casefold() in text.casefold()]
        assert text.count('class="item-title"') == len(expected) < len(library.items), query
        assert f"找到 {len(expected)} 条" in text
    nothing = client.get("/content", params={"q": "没有这样的内容"}).text
    assert 'class="item-title"' not in nothing and "没有标题、文字、编号或标签含有“没有这样的内容”的内容" in nothing
    assert "点标题修改" not in nothing  # no title to tap


def test_the_search_finds_a_post_by_its_id_and_an_item_by_words_of_its_body_and_summary(
    site: tuple[Running, Campaign, httpx.Client],
) -> None:
    _, campaign, client = site
    library = load_library(campaign.paths.content, campaign.text_values)
    post = next(p for p in make_plan(campaign, library).posts if p.channel == "weibo")
    text = html.unescape(client.get("/content", params={"q": post.id}).text)  # the id every post's card shows
    assert f'href="/edit/{post.item.id}"' in text and text.count('class="item-title"') == 1, post.id
    item = next(i for i in library.items if i.body)
    for query in (item.body.split("\n")[-1].strip()[:6], item.summary[-6:]):  # words only the body or summary holds
        text = html.unescape(client.get("/content", params={"q": query}).text)
        assert f'href="/edit/{item.id}"' in text and "点标题修改" in text, query


def test_a_title_with_a_script_is_shown_as_text(site: tuple[Running, Campaign, httpx.Client]) -> None:
    _, campaign, client = site
    item = next(i for i in load_library(campaign.paths.content, campaign.text_values).items if "headline" in dict(i.lines))
    path = item_path(item)
    path.write_text(apply(path.read_text(encoding="utf-8"), path.suffix, item.id, {"title": f"{XSS}标题"}), encoding="utf-8")
    for params in ({}, {"q": "<script>"}):
        page = client.get("/content", params=params)
        assert page.status_code == 200 and not scripts_from_elsewhere(page.text)
        assert f"{html.escape(XSS)}标题</a>" in page.text
    searched = client.get("/content", params={"q": XSS}).text
    assert XSS not in searched and f'value="{html.escape(XSS)}"' in searched


def test_signed_out_the_library_asks_to_sign_in(site: tuple[Running, Campaign, httpx.Client]) -> None:
    running, _, _ = site
    with httpx.Client(base_url=running.url) as stranger:
        answer = stranger.get("/content")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/content")
