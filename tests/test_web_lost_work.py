"""Work a reviewer or an editor typed on a phone is not lost when the console refuses it: a refused save says so at the
top of the answer, and a reason typed before the session ended comes back after signing in (real application on
loopback, 2016 example in a tmp copy, Debian's Chromium at 375 px)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from tests.browser_helpers import chromium, need_chromium
from tests.conftest import HEIHE
from tests.web_helpers import PASSWORD, Running, login, one_stage_example

need_chromium()
PHONE = {"width": 375, "height": 800}
LAUNCH = "2016-09-08"


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


def _session_ends(r: Running) -> None:
    with r.console.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM web_sessions"))


def _reviewing_the_launch_day(r: Running, phone: Any, from_end: int) -> tuple[Any, str]:
    """The launch day on a phone, signed in as the reviewer 李科长; the id of its `from_end`th post from the end
    (far below the top of the page)."""
    phone.clear_cookies()
    page = phone.new_page()
    login(page, r.url, "李科长")
    page.goto(f"{r.url}/day/{LAUNCH}")
    cards = page.locator("article.post")
    return page, cards.nth(cards.count() - from_end).get_attribute("id").removeprefix("post-")


def _sign_in_again(page: Any, who: str) -> None:
    assert "/login" in page.url and "刚才的操作没有执行" in page.inner_text("main")
    page.fill("input[name=name]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_reason_typed_before_the_session_ended_is_back_in_its_card_after_signing_in_and_nothing_was_sent(
    running: tuple[Running, Plan], phone: Any, tmp_path: Path
) -> None:
    r, _ = running
    page, post = _reviewing_the_launch_day(r, phone, 1)
    reason = "标题里的日期和正文对不上，请核对后再提交。"
    page.fill(f"article[id='post-{post}'] form.reject textarea", reason)
    _session_ends(r)
    page.click(f"article[id='post-{post}'] form.reject button")
    page.wait_for_load_state()
    _sign_in_again(page, "李科长")
    assert page.url == f"{r.url}/day/{LAUNCH}#do-{post}"
    card = page.locator(f"article[id='post-{post}']")
    box = card.locator("form.reject textarea")
    assert box.input_value() == reason
    note = card.locator("p.restored")
    assert "上次没有提交的退回原因已恢复" in note.inner_text()
    for shown in (note, box):  # on the screen: the card's buttons, not the top of the day
        assert 0 <= shown.bounding_box()["y"] < PHONE["height"] - 40, shown.bounding_box()
    page.screenshot(path=str(tmp_path / "reason-back.png"))
    assert r.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]  # nothing was done by itself
    card.locator("form.reject button").click()
    page.wait_for_load_state()
    assert r.queue.get(post).state == st.REJECTED  # type: ignore[union-attr]
    page.goto(f"{r.url}/day/{LAUNCH}")  # done: the reason is not offered again
    assert page.locator("p.restored").count() == 0
    page.close()


def test_an_approval_sent_after_the_session_ended_returns_to_its_card_and_approves_nothing(
    running: tuple[Running, Plan], phone: Any
) -> None:
    r, _ = running
    page, post = _reviewing_the_launch_day(r, phone, 2)
    _session_ends(r)
    page.click(f"article[id='post-{post}'] form[action$='/approve'] button")
    page.wait_for_load_state()
    _sign_in_again(page, "李科长")
    assert page.url == f"{r.url}/day/{LAUNCH}#do-{post}"
    assert page.locator(f"article[id='post-{post}'] form[action$='/approve'] button").bounding_box()["y"] < PHONE["height"]
    assert r.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
    page.close()
