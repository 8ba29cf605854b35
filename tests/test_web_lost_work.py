"""Work a reviewer or an editor typed on a phone is not lost when the console refuses it: a refused save says so at the
top of the answer, and a reason typed before the session ended comes back after signing in (real application on
loopback, 2016 example in a tmp copy, Debian's Chromium at 375 px)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import Plan
from tests.browser_helpers import chromium, need_chromium
from tests.conftest import HEIHE
from tests.web_helpers import Running, login, one_stage_example

need_chromium()
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def running(project: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Running, Plan]]:
    with one_stage_example(project(config=HEIHE), tmp_path, ("王编辑", "editor"), ("李科长", "reviewer")) as pair:
        yield pair


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    with chromium(**PHONE) as context:
        yield context


def test_a_refused_save_on_a_phone_says_at_the_top_that_nothing_was_saved_and_links_each_problem(
    running: tuple[Running, Plan], phone: Any, tmp_path: Path
) -> None:
    r, plan = running
    item = next(p.item for p in plan.posts if p.channel == "wechat" and p.item.body)
    before = item_path(item).read_bytes()
    phone.clear_cookies()
    page = phone.new_page()
    login(page, r.url, "王编辑")
    page.goto(f"{r.url}/edit/{item.id}")
    page.fill("#f-body", page.input_value("#f-body") + "\n\n本品是国家级最佳碘盐。")
    page.click("button:has-text('检查并保存')")
    page.wait_for_load_state()
    page.screenshot(path=str(tmp_path / "refused-save.png"))
    summary = page.locator("#problems")
    assert "没有保存：2 个问题" in summary.inner_text()  # 国家级 and 最佳
    box = summary.bounding_box()
    assert box["y"] >= 0 and box["y"] + 60 < PHONE["height"], box  # on the screen the answer opens at
    links = summary.locator("a")
    assert [links.nth(n).get_attribute("href") for n in range(links.count())] == ["#f-body", "#f-body"]
    assert "正文：" in links.first.inner_text() and "最佳" in summary.inner_text()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#f-body"  # focused: a keyboard or reader starts there
    links.first.click()
    assert page.locator("#f-body").bounding_box()["y"] < PHONE["height"]  # the link brings the field into view
    assert item_path(item).read_bytes() == before
    page.close()
