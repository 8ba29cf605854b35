"""The edit form on what an edit touches beyond the posts: a body no channel of the item publishes, the posters and
signed print sheets the saved words made stale (the real application on loopback, 2016 example in a tmp copy)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import ReviewConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import make_plan
from tests.conftest import HEIHE
from tests.web_helpers import BEFORE, Running, console_server, http_login, local


@pytest.fixture
def running(project: Callable[..., Path], tmp_path: Path) -> Iterator[Running]:
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    with console_server(campaign, plan) as running:
        running.console.clock = BEFORE.timestamp
        running.add_user("王编辑", "editor")
        running.add_user("李科长", "reviewer")
        yield running


def _hint(page: str, field: str) -> str:
    return page.split(f'id="h-{field}"', 1)[1].split("</small>", 1)[0]


def test_the_body_of_an_item_that_never_goes_to_wechat_is_said_to_be_published_nowhere(running: Running) -> None:
    library = running.console.campaign.paths.content
    item = next(i for i in load_library(library, running.console.campaign.text_values).items if i.body and ".md:" in i.source)
    path = item_path(item)
    with httpx.Client(base_url=running.url, timeout=30) as c:
        http_login(c, "王编辑")
        assert "不发公众号" not in _hint(c.get(f"/edit/{item.id}").text, "body")
        path.write_text(path.read_text(encoding="utf-8").replace("\nid:", "\nchannels: [weibo, screen]\nid:", 1), encoding="utf-8")
        hint = _hint(c.get(f"/edit/{item.id}").text, "body")
    assert "这条内容不发公众号，正文不会发出" in hint and "管理内容库的同事" in hint, hint
