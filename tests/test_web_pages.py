"""The console's pages in a real headless Chromium against the real application on loopback (2016 example, tmp copy)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign, ReviewConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.inputs.content_edit import apply
from scheduler.inputs.content_save import item_path
from scheduler.pages.calendar import campaign_months
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import pause_log
from scheduler.rendering.payloads import Renderer
from scheduler.support import http_client
from scheduler.support.values import Receipt
from scheduler.web import edit_pages
from scheduler.web.server import Server
from tests.browser_helpers import chromium, need_chromium
from tests.conftest import HEIHE, run_qm, unused_port
from tests.web_helpers import BEFORE, PASSWORD, TWO_STAGES, Running, console_server, csrf_of, http_login, local, login

need_chromium()

LAUNCH = "2016-09-08"
XSS = "<script>alert(1)</script>"


@dataclasses.dataclass
class World:
    running: Running
    campaign: Campaign
    plan: Plan

    @property
    def url(self) -> str:
        return self.running.url

    def post_of(self, channel: str, day: str) -> Any:
        return next(p for p in self.plan.posts if p.channel == channel and p.at.date().isoformat() == day)


@pytest.fixture
def world(project: Callable[..., Path], tmp_path: Path) -> Iterator[World]:
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    with console_server(campaign, plan) as running:
        running.console.clock = BEFORE.timestamp  # the console lives on the example's first morning
        running.add_user("王编辑", "editor")
        running.add_user("李科长", "reviewer")
        running.add_user("张主任", "admin")
        yield World(running, campaign, plan)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as context:
        yield context


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    browser.clear_cookies()
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    page.close()


def test_edit_a_title_in_the_form_changes_the_file_and_sends_the_post_back_with_the_diff(world: World, page: Any) -> None:
    post = world.post_of("wechat", "2016-09-14")
    queue = world.running.queue
    review.approve(queue, post.id, "李科长", BEFORE.timestamp())
    path = item_path(post.item)
    before = path.read_text(encoding="utf-8")
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/day/2016-09-14")
    page.click(f"article[id='post-{post.id}'] >> text=修改文字")
    assert page.url.endswith(f"/edit/{post.item.id}")
    page.fill("#f-title", "质量月里说质量：新标题")
    page.click("button:has-text('检查并保存')")
    page.wait_for_url(f"**/edit/{post.item.id}?done=saved")
    assert "已保存" in page.inner_text("main")
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(f"title: {post.item.title}\n", "title: 质量月里说质量：新标题\n", 1)
    moved = queue.get(post.id)
    assert moved is not None and moved.state == st.PLANNED
    last = queue.history(post.id)[-1]
    assert (last.who, last.from_state, last.to_state) == ("王编辑（web）", st.APPROVED, st.PLANNED)
    assert "修改了标题" in last.why
    page.goto(f"{world.url}/day/2016-09-14")
    card = page.locator(f"article[id='post-{post.id}']")
    diff = card.locator(".diff").inner_text()
    assert f"－ 标题：{post.item.title}" in diff and "＋ 标题：质量月里说质量：新标题" in diff
    assert "待审核" in card.locator("header").inner_text()
    said = f"回到待审核：王编辑（web）修改了标题（《质量月里说质量：新标题》）：标题由“{post.item.title}”改为“质量月里说质量：新标题”"
    assert card.locator(".change").inner_text() == said  # who changed which field, not the content file's path
    row = card.locator(".diff tr:has(td.del)")  # side by side: the approved line on the left, the line now on the right
    assert row.locator("td").count() == 2 and row.locator("td").nth(1).get_attribute("class") == "add"
    assert (
        row.locator("td.del").inner_text() == f"－ 标题：{post.item.title}"
        and row.locator("td.add").inner_text() == "＋ 标题：质量月里说质量：新标题"
    )


def test_a_post_the_daemon_takes_while_an_edit_is_saved_says_it_went_out_unchanged(
    world: World, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = world.post_of("wechat", "2016-09-14")
    queue, now = world.running.queue, BEFORE.timestamp()
    review.approve(queue, post.id, "李科长", now)
    assert queue.move(post.id, st.SCHEDULED, "后台服务", "已排定", now)
    real_save = edit_pages.save

    def daemon_claims_first(*args: Any, **kwargs: Any) -> Any:  # the daemon's claim lands after the page's check
        assert queue.claim(post.id, "后台服务", now) is not None
        return real_save(*args, **kwargs)

    monkeypatch.setattr(edit_pages, "save", daemon_claims_first)
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{post.item.id}")
    page.fill("#f-title", "质量月里说质量：晚到的标题")
    page.click("button:has-text('检查并保存')")
    page.wait_for_url(f"**/edit/{post.item.id}?done=saved-late")
    assert "发出的是修改前的文字" in page.inner_text("main")
    taken = queue.get(post.id)
    assert taken is not None and taken.state == st.PUBLISHING and taken.payload["title"] == post.item.title
    last = queue.history(post.id)[-1]
    assert (last.who, last.from_state, last.to_state) == ("王编辑（web）", st.PUBLISHING, st.PUBLISHING)
    assert "修改了标题" in last.why and "这次修改没有用到它" in last.why


def test_an_edit_sent_after_the_session_ended_comes_back_after_signing_in(world: World, page: Any) -> None:
    post = world.post_of("wechat", "2016-09-14")
    path = item_path(post.item)
    before = path.read_bytes()
    typed = "质量月里说质量：这段摘要是会话过期之前输入的，登录之后必须还在表单里，不能让编辑重新再打一遍。"
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{post.item.id}")
    page.fill("#f-summary", typed)
    with world.running.console.engine.begin() as conn:  # the session ends while the form is being filled in
        conn.execute(sa.text("DELETE FROM web_sessions"))
    page.click("button:has-text('检查并保存')")
    page.wait_for_url("**/login?**")
    assert "刚才的操作没有执行" in page.inner_text("main") and path.read_bytes() == before
    page.fill("input[name=name]", "王编辑")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/edit/{post.item.id}")
    assert page.input_value("#f-summary") == typed
    assert "上次没有保存的修改已恢复，请检查后保存" in page.locator("#draft-restored").inner_text()
    assert page.inner_text("#h-summary").endswith(f"（现为 {len(typed)} 字）")  # the count is of the words restored
    page.click("button:has-text('检查并保存')")
    page.wait_for_url(f"**/edit/{post.item.id}?done=saved")
    assert typed in path.read_text(encoding="utf-8")
    page.goto(f"{world.url}/edit/{post.item.id}")  # saved: nothing is restored again
    assert page.locator("#draft-restored").count() == 0 and page.input_value("#f-summary") == typed


def test_an_unsaved_edit_can_be_dropped(world: World, page: Any) -> None:
    post = world.post_of("wechat", "2016-09-14")
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{post.item.id}")
    page.fill("#f-title", "没有保存的标题")
    page.goto(f"{world.url}/edit/{post.item.id}")
    assert page.input_value("#f-title") == "没有保存的标题"
    page.click("#draft-restored button")
    assert page.input_value("#f-title") == post.item.title and page.locator("#draft-restored").count() == 0
    page.reload()
    assert page.input_value("#f-title") == post.item.title


def test_a_refused_edit_shows_the_message_next_to_the_field_and_keeps_the_file(world: World, page: Any) -> None:
    post = world.post_of("wechat", "2016-09-14")
    path = item_path(post.item)
    before = path.read_bytes()
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{post.item.id}")
    page.fill("#f-title", "全市最好的质量月")
    page.fill("#f-summary", "太短")
    page.click("button:has-text('检查并保存')")
    title = page.locator(".field:has(#f-title)").inner_text()
    assert "绝对化用语“最好”" in title
    assert "摘要只有 2 字" in page.locator(".field:has(#f-summary)").inner_text()
    assert page.input_value("#f-title") == "全市最好的质量月"  # what was typed stays in the form
    assert path.read_bytes() == before


def test_a_title_qm_check_rejects_is_refused_for_an_item_no_post_shows_it_on(world: World, page: Any) -> None:
    """No channel publishes the item now, but its posters and print sheets carry its title: the form refuses
    the absolute term with the words `qm check` uses, and the file stays as it was."""
    planned = {p.item.id for p in world.plan.posts}
    library = load_library(world.campaign.paths.content, world.campaign.text_values)
    item = next(i for i in library.items if i.id not in planned and not i.is_slogan)
    path = item_path(item)
    before = path.read_bytes()
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{item.id}")
    page.fill("#f-title", "最好的电暖器怎么选")
    page.click("button:has-text('检查并保存')")
    title = page.locator(".field:has(#f-title)").inner_text()
    assert "标题含有广告法禁用的绝对化用语“最好”" in title, title
    assert "已保存" not in page.inner_text("main") and path.read_bytes() == before


def test_a_script_in_content_is_shown_as_text_everywhere(world: World, page: Any) -> None:
    post = world.post_of("wechat", LAUNCH)
    path = item_path(post.item)
    summary = f"{XSS}这段摘要里有一个脚本标签，页面上必须显示为文字而不能运行，工作人员看到的就是原文。"
    text = apply(path.read_text(encoding="utf-8"), path.suffix, post.item.id, {"summary": summary, "body": f"正文 {XSS}"})
    path.write_text(text, encoding="utf-8")
    plan = make_plan(world.campaign, load_library(world.campaign.paths.content, world.campaign.text_values))
    fill(world.running.queue, world.campaign, plan, Renderer(world.campaign), BEFORE.timestamp())
    login(page, world.url, "王编辑")
    for url in (f"/day/{LAUNCH}", f"/post/{post.id}", f"/edit/{post.item.id}", "/month/2016-09"):
        page.goto(world.url + url)
        own = "[...document.scripts].every(s => s.src.startsWith(location.origin + '/static/'))"
        assert page.evaluate(own), url  # only the console's own files (the edit form's draft keeper)
        if url.startswith("/edit/"):  # in the form's fields, as typed
            assert XSS in page.input_value("#f-summary") and page.input_value("#f-body") == f"正文 {XSS}"
        elif url != "/month/2016-09":
            assert XSS in page.inner_text("main"), url
    assert page.dialogs == []


PAGES = ["/", "/month/2016-09", f"/day/{LAUNCH}", "/post/{post}", "/edit/{item}", "/status", "/posters/2016-09", "/screens"]


@pytest.mark.parametrize("width", [375, 1440])
def test_every_page_fits_the_width_and_loads_nothing_from_elsewhere(world: World, browser: Any, width: int) -> None:
    post = world.post_of("wechat", LAUNCH)
    review.approve(world.running.queue, post.id, "李科长", BEFORE.timestamp())
    path = item_path(post.item)  # changed after the approval: the day and the post show the old and new words side by side
    link = f"详见 https://www.example.gov.cn/zlyue/{'quality-month-' * 6}notice.html"  # a long word: it must wrap, not widen the page
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{link}\n", encoding="utf-8")
    plan = make_plan(world.campaign, load_library(world.campaign.paths.content, world.campaign.text_values))
    fill(world.running.queue, world.campaign, plan, Renderer(world.campaign), BEFORE.timestamp())
    browser.clear_cookies()
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, world.url, "张主任")
    for path in PAGES:
        page.goto(world.url + path.format(post=post.id, item=post.item.id))
        assert page.locator("main").count() == 1 and "出错" not in page.title(), path
        if path.startswith(("/day/", "/post/")):
            assert "quality-month-" in page.locator(f"article[id='post-{post.id}'] .diff td.add").inner_text(), path
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} 在 {width} px 宽时可以横向滚动 {overflow} px"
    page.close()
    foreign = [u for u in requested if not u.startswith((world.url, "data:"))]
    assert foreign == []
    assert any("/static/console.css" in u for u in requested)


def test_a_published_posts_page_on_a_phone_says_when_it_went_out_and_how_late(world: World, browser: Any) -> None:
    """A WeChat publish job handed over 38 minutes late and seen published by a poll 12 minutes on: both
    times, the lateness in the work summary's words, on a phone without scrolling sideways."""
    post, queue = world.post_of("wechat", LAUNCH), world.running.queue
    slot = post.at.timestamp()
    review.approve(queue, post.id, "李科长", BEFORE.timestamp())
    queue.move(post.id, st.SCHEDULED, "后台服务", "排入发布", slot)
    assert queue.claim(post.id, "后台服务", slot + 2290) is not None
    job = {"publish_id": "2247483650", "submitted_at": slot + 2290}  # what freepublish/submit's answer is kept as
    queue.move(post.id, st.ACCEPTED, "后台服务", "平台已接收", slot + 2290, sent_at=slot + 2290, receipt=_receipt("accepted", job))
    url = "https://mp.weixin.qq.com/s/abc"  # freepublish/get says published, and when it was, not
    done = _receipt("published", {**job, "article_url": url}, url)
    queue.move(post.id, st.PUBLISHED, "后台服务", "发布成功", slot + 3010, published_at=slot + 3010, receipt=done)
    page = on_a_phone(world, browser, "王编辑", f"/post/{post.id}")
    facts = page.inner_text("dl.facts")
    sent, seen = post.at + dt.timedelta(seconds=2290), post.at + dt.timedelta(seconds=3010)
    assert f"{sent:%Y-%m-%d %H:%M:%S}（迟发：晚了 38 分钟）" in facts
    assert f"{seen:%Y-%m-%d %H:%M:%S}（qm 查询到已发布的时间：平台没有告知发布的确切时间，实际发布稍早于此）" in facts
    assert "晚于排期时间 1 分钟以上算迟发" in page.inner_text("main")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"在 375 px 宽时可以横向滚动 {overflow} px"
    page.close()


def on_a_phone(world: World, browser: Any, who: str, path: str) -> Any:
    """A page 375 px wide, signed in as `who`, at `path`."""
    browser.clear_cookies()
    page = browser.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, world.url, who)
    page.goto(world.url + path)
    return page


def _receipt(status: str, data: dict[str, Any], url: str = "") -> str:
    return json.dumps(Receipt(status, data["publish_id"], url, data).to_json(), ensure_ascii=False)


def test_bulk_approve_passes_the_days_posts(world: World, page: Any) -> None:
    login(page, world.url, "李科长")
    page.goto(f"{world.url}/day/{LAUNCH}")
    page.click("form.bulk button")
    page.wait_for_url(f"**/day/{LAUNCH}?said=*&done=passed")
    day = dt.date.fromisoformat(LAUNCH)
    states = {p.id: world.running.queue.get(p.id).state for p in world.plan.posts if p.at.date() == day}  # type: ignore[union-attr]
    assert set(states.values()) == {st.APPROVED}
    assert f"审核通过 {len(states)} 条，审核完成，将按时发布。" in page.inner_text("main")
    assert world.running.queue.history(next(iter(states)))[-1].who == "李科长（web）"


def test_approving_one_post_on_a_phone_returns_to_its_card_saying_which_post(world: World, browser: Any) -> None:
    """On a 375 px phone a day is a long column of cards: after 审核通过 the page opens at the card just
    handled (not at the top), and the message there names the post."""
    page = on_a_phone(world, browser, "李科长", f"/day/{LAUNCH}")
    cards = page.locator("article.post")
    post_id = cards.nth(cards.count() - 1).get_attribute("id").removeprefix("post-")  # the last: far below the top
    page.click(f"article[id='post-{post_id}'] form[action$='/approve'] button")
    page.wait_for_url(f"**/day/{LAUNCH}?done=approved&post={post_id}#post-{post_id}")
    card = page.locator(f"article[id='post-{post_id}']")
    assert f"{post_id}：审核完成" in card.locator("p.done").inner_text()
    assert page.evaluate("window.scrollY") > 1000 and card.locator("p.done").is_visible()
    top = page.evaluate(f"document.getElementById('post-{post_id}').getBoundingClientRect().top")
    assert -2 <= top < 800, top  # the card is on the screen
    assert world.running.queue.get(post_id).state == st.APPROVED  # type: ignore[union-attr]
    page.close()


def test_cancel_then_retry_from_the_posts_page(world: World, page: Any) -> None:
    post = world.post_of("weibo", "2016-09-20")
    queue = world.running.queue
    login(page, world.url, "李科长")
    page.goto(f"{world.url}/post/{post.id}")
    page.fill("form[action$='/cancel'] textarea[name=reason]", "活动改期")
    page.click("form[action$='/cancel'] button")
    page.wait_for_url(f"**?done=cancelled&post={post.id}#post-{post.id}")
    assert queue.get(post.id).state == st.CANCELLED  # type: ignore[union-attr]
    assert "活动改期" in page.locator("table.history").inner_text()
    page.click("form[action$='/retry'] button")
    page.wait_for_url(f"**?done=retried-review&post={post.id}#post-{post.id}")
    assert queue.get(post.id).state == st.PLANNED  # type: ignore[union-attr]  # cancelled posts are reviewed again
    assert "审核通过后才会发布" in page.inner_text("main")  # not "back in the publishing queue": it waits for review


def test_the_console_refuses_to_retry_a_screen_item_after_its_wall_went_dark_and_retries_it_before(world: World) -> None:
    post = world.post_of("screen:center", "2016-09-20")
    queue, tz = world.running.queue, world.campaign.timezone
    evening = dt.datetime(2016, 9, 20, 21, 40, tzinfo=tz).timestamp()  # the wall is on 07:00-21:30
    queue.move(post.id, st.MISSED, "后台服务", "到发布时间仍未审核", evening, last_error="到发布时间仍未审核")
    before = queue.get(post.id)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        world.running.console.clock = lambda: evening
        http_login(c, "李科长")
        refused = c.post(f"/post/{post.id}/retry", data={"csrf": csrf_of(c.get(f"/post/{post.id}").text)})
        assert refused.status_code == 303 and refused.headers["location"].startswith(f"/post/{post.id}?note=")
        said = c.get(refused.headers["location"]).text  # the post's page says why; reloading it retries nothing
        assert "已超过当天开屏时段" in said and "date: 2016-09-21" in said
        assert queue.get(post.id) == before
        world.running.console.clock = lambda: evening - 3600  # while the wall is still on
        done = c.post(f"/post/{post.id}/retry", data={"csrf": csrf_of(c.get(f"/post/{post.id}").text)})
        assert done.status_code == 303 and queue.get(post.id).state == st.PLANNED  # type: ignore[union-attr]


def test_only_admins_pause_and_resume(world: World) -> None:
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "李科长")
        token = csrf_of(c.get("/status").text)
        refused = c.post("/status/pause", data={"csrf": token, "channel": "weibo", "reason": "账号维护"})
        assert refused.status_code == 303 and refused.headers["location"].startswith("/status?note=")
        said = c.get(refused.headers["location"])  # the status page says why; reloading it sends nothing
        assert said.status_code == 200 and "这个操作只有管理员能用，你的账号是审核人，操作没有执行。" in said.text
        assert review.paused(world.running.queue) == {}
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "张主任", PASSWORD)
        page = c.get("/status").text
        assert c.post("/status/pause", data={"csrf": csrf_of(page), "channel": "weibo", "reason": "账号维护"}).status_code == 303
        assert review.paused(world.running.queue)["weibo"][:2] == ("账号维护", "张主任（web）")
        page = c.get("/status").text
        assert "账号维护" in page
        assert c.post("/status/resume", data={"csrf": csrf_of(page), "channel": "weibo"}).status_code == 303
        assert review.paused(world.running.queue) == {}
    with world.running.queue.engine.connect() as conn:  # the work summary says who paused and who resumed
        logged = conn.execute(sa.select(pause_log.c.action, pause_log.c.who).order_by(pause_log.c.id)).all()
    assert [tuple(r) for r in logged] == [("pause", "张主任（web）"), ("resume", "张主任（web）")]


def test_resuming_one_channel_while_all_are_paused_says_they_still_are(world: World) -> None:
    review.pause(world.running.queue, "weibo", "王科长", "账号维护", BEFORE.timestamp())
    review.pause(world.running.queue, None, "赵主任", "全国哀悼日", BEFORE.timestamp())
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "张主任", PASSWORD)
        done = c.post("/status/resume", data={"csrf": csrf_of(c.get("/status").text), "channel": "weibo"})
        said = c.get(done.headers["location"]).text
    assert "这个渠道的单独暂停已解除，但全部渠道仍暂停中，它仍不发布" in said and "已恢复发布。" not in said
    assert set(review.paused(world.running.queue)) == {st.ALL_CHANNELS}


def test_every_page_says_while_a_pause_is_in_force(world: World) -> None:
    """The month and day pages (and every other) carry a banner: which channels, why, who and since when."""
    review.pause(world.running.queue, "weibo", "赵主任", "全国哀悼日", BEFORE.timestamp())
    banner = f"已暂停发布：微博，原因：全国哀悼日，赵主任 于 {BEFORE:%Y-%m-%d %H:%M:%S}；管理员可在“运行状态”恢复。"
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        for path in ("/", "/month/2016-09", f"/day/{LAUNCH}", "/content"):
            assert banner in html.unescape(c.get(path).text), path
        assert review.resume(world.running.queue, "weibo", "赵主任", BEFORE.timestamp() + 60)
        assert "已暂停发布" not in c.get(f"/day/{LAUNCH}").text


def test_poster_files_are_served_only_from_the_posters_folder(world: World) -> None:
    post = world.post_of("wechat", LAUNCH)
    image = Renderer(world.campaign).render(post).images[0]
    target = world.campaign.paths.posters / image.item / f"{image.layout}-{image.size}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        assert c.get(f"/posters/file/{image.item}/{target.name}").status_code == 303  # to the login page
        http_login(c, "王编辑")
        assert c.get(f"/posters/file/{image.item}/{target.name}").content == target.read_bytes()
        for bad in ("../config.yaml", f"{image.item}/../../config.yaml", "%2e%2e/config.yaml", ".qm/qm.sqlite3"):
            assert c.get(f"/posters/file/{bad}").status_code == 404, bad


def test_the_server_sends_small_responses_without_waiting_for_acks() -> None:
    """Nagle's algorithm off on the listening socket (accepted connections inherit it on Linux): otherwise each
    keep-alive page waits about 40 ms for the browser's delayed ACK between the headers and the body."""
    server = Server(object(), "127.0.0.1", 0)
    try:
        assert server.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        server.sock.close()


def test_a_broken_library_is_reported_to_signed_in_users_only(world: World) -> None:
    item = world.plan.posts[0].item
    path = item_path(item)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        assert c.get("/month/2016-09").status_code == 200
        path.write_text(path.read_text(encoding="utf-8").replace(f"title: {item.title}", "title: [未闭合"), encoding="utf-8")
        page = c.get("/month/2016-09")
        assert page.status_code == 200 and "内容库现在有问题" in page.text and path.name in page.text
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as anonymous:
        assert "内容库" not in anonymous.get("/login").text


def test_a_library_broken_before_the_first_page_is_named_on_a_chinese_page(world: World) -> None:
    """No library read yet to fall back on: the page says which file is wrong and how to go on, and works once it is fixed."""
    item = world.plan.posts[0].item
    path = item_path(item)
    good = path.read_text(encoding="utf-8")
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        path.write_text(good.replace(f"title: {item.title}", "title: [未闭合"), encoding="utf-8")
        page = c.get("/month/2016-09")
        assert page.status_code == 503, page.text
        assert "内容库或配置有问题" in page.text and path.name in page.text and "qm check" in page.text
        assert "Traceback" not in page.text and "审核台出错了" not in page.text
        path.write_text(good, encoding="utf-8")
        assert c.get("/month/2016-09").status_code == 200


def test_a_file_changed_by_hand_sends_its_approved_posts_back_to_review(world: World) -> None:
    post = world.post_of("wechat", "2016-09-16")
    queue = world.running.queue
    review.approve(queue, post.id, "李科长", BEFORE.timestamp())
    path = item_path(post.item)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        assert c.get("/day/2016-09-16").status_code == 200
        path.write_text(path.read_text(encoding="utf-8").replace(f"title: {post.item.title}", "title: 手工改过的标题"), encoding="utf-8")
        page = c.get("/day/2016-09-16").text
    assert queue.get(post.id).state == st.PLANNED  # type: ignore[union-attr]
    assert "审核后修改了什么" in page and "手工改过" in page.split("审核后修改了什么")[1]
    assert queue.history(post.id)[-1].who == "排期"


def test_qm_web_brings_the_queue_in_line_with_the_content_before_serving(project: Callable[..., Path]) -> None:
    """The bundled 2027 campaign lies ahead: its posts are in the queue, awaiting review, as soon as the console answers."""
    config = project()
    port = unused_port()  # qm web refuses 0
    web = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "web", "-c", str(config), "--port", str(port)],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert web.stdout is not None
        first = web.stdout.readline()
        assert first.startswith(f"审核台已启动：http://127.0.0.1:{port}/"), first
        campaign = load_campaign(config)
        counts = Queue(open_db(campaign.db_url)).counts()
        assert counts.get(st.PLANNED, 0) == len(make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)).posts)
    finally:
        web.terminate()
        web.wait(10)


def test_a_day_outside_the_campaign_says_so_and_steps_stay_inside(world: World) -> None:
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        after = c.get("/day/2099-01-01")
        before = c.get("/day/2016-08-31")
        first, last = c.get("/day/2016-09-01").text, c.get("/day/2016-09-30").text
    assert after.status_code == 200 and "2099-01-01 不在活动期内（2016-09-01 至 2016-09-30）" in after.text
    assert 'href="/day/2016-09-30"' in after.text and "全部通过检查" not in after.text
    assert 'aria-label="前一天"' not in after.text and 'aria-label="后一天"' not in after.text
    assert before.status_code == 200 and 'href="/day/2016-09-01"' in before.text and "去活动第一天" in before.text
    assert 'href="/day/2016-08-31"' not in first and 'href="/day/2016-09-02"' in first
    assert 'href="/day/2016-10-01"' not in last and 'href="/day/2016-09-29"' in last


def test_a_page_that_does_not_exist_says_what_was_wrong_with_its_address(world: World) -> None:
    """Not only "页面不存在（404）": the date that is not one and why, the post or item id not found; the
    address's own words are escaped."""
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        paths = ("/day/2016-02-30", "/day/abc", "/month/2016-13", "/post/nonexistent", "/edit/nope", "/day/9999-12-31", "/month/9999-12")
        pages = {path: c.get(path) for path in (*paths, "/posters/9999-12", "/posters/0001-01")}
        script = c.get("/post/%3Cb%3Ex")
    assert {r.status_code for r in pages.values()} == {404}
    # the calendar's last day and first month: no day after it, no whole weeks around it
    assert (
        "9999-12-31 超出审核台能显示的日期范围（1900 年至 9998 年）：请写活动期内的日期，如 2016-09-08。" in pages["/day/9999-12-31"].text
    )
    assert "9999-12 超出审核台能显示的日期范围" in pages["/month/9999-12"].text and "如 2016-09。" in pages["/month/9999-12"].text
    assert "超出审核台能显示的日期范围" in pages["/posters/9999-12"].text and "超出" in pages["/posters/0001-01"].text
    assert "2016-02-30 不是有效日期：2016 年 2 月只有 29 天" in pages["/day/2016-02-30"].text
    assert "abc 不是有效日期：日期写作 2016-09-08 的形式" in pages["/day/abc"].text  # a day of this campaign, not another year's
    assert "2016-13 不是有效的月份：月份写作 2016-09 的形式" in pages["/month/2016-13"].text
    assert "没有编号为 nonexistent 的排期内容" in pages["/post/nonexistent"].text
    assert "内容库里没有编号为 nope 的内容" in pages["/edit/nope"].text
    assert script.status_code == 404 and "<b>x" not in script.text and "没有编号为 &lt;b&gt;x 的" in script.text


def test_a_month_outside_the_campaign_says_so_and_links_to_the_nearest(world: World) -> None:
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        before, inside = c.get("/month/1999-01"), c.get("/month/2016-09")
    months = campaign_months(world.campaign)
    assert before.status_code == 200 and "1999年1月不在活动期内（2016-09-01 至 2016-09-30）" in before.text
    assert f'href="/month/{months[0]:%Y-%m}"' in before.text and "不在活动期内" not in inside.text


def test_the_month_marks_today_and_links_to_it_at_the_top(world: World) -> None:
    """On a phone the month is one long column: today (the console's clock: 2016-09-01) says 今天, a link at the
    top jumps to it, the legend explains its border; another month links to today's month at today."""
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        inside, other = c.get("/month/2016-09").text, c.get("/month/2016-10").text
    assert '<a class="button" href="#today">跳到今天（9月1日）</a>' in inside
    cell = re.search(r'<a class="day[^"]* today[^"]*" id="today" href="/day/2016-09-01">(.*?)</a>', inside, re.S)
    assert cell and '<span class="today-mark">今天</span>' in cell[1]
    assert inside.count('id="today"') == 1 and inside.count("today-mark") == 1 and '<span class="today-key"></span>今天' in inside
    assert '<a class="button" href="/month/2016-09#today">去今天（9月1日）</a>' in other and 'id="today"' not in other


def test_a_body_sent_with_crlf_is_counted_and_saved_with_plain_newlines(world: World) -> None:
    post = world.post_of("wechat", "2016-09-14")
    path = item_path(post.item)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        form = c.get(f"/edit/{post.item.id}").text
        body = html.unescape(form.split('name="body"')[1].split(">", 1)[1].split("</textarea>")[0])
        crlf = body.replace("\n", "\r\n")  # what a browser submits from a textarea
        assert crlf != body and "\r" not in body
        count = f"（现为 {len(body)} 字）"
        assert count in form.split('id="h-body"')[1].split("</small>")[0]
        digest = form.split('name="digest" value="')[1].split('"')[0]
        fields = {"csrf": csrf_of(form), "digest": digest, "title": post.item.title, "summary": "太短", "body": crlf}
        refused = c.post(f"/edit/{post.item.id}", data=fields)
        assert refused.status_code == 400
        assert count in refused.text.split('id="h-body"')[1].split("</small>")[0]
        saved = c.post(f"/edit/{post.item.id}", data={**fields, "summary": post.item.summary, "body": crlf + "\r\n\r\n新加的一段。"})
        assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    assert b"\r" not in path.read_bytes() and "\n\n新加的一段。" in path.read_text(encoding="utf-8")


def test_the_day_page_shows_what_qm_check_finds_in_a_posts_content_not_only_in_its_words(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """A Markdown link written into an item's body: `qm check` refuses the item, so its posts on the day page
    carry the finding, at the file:line and with the fix `qm check` gives, and the day is not "全部通过检查"."""
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    day = "2016-09-01"
    item = next(p.item for p in make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)).on(dt.date(2016, 9, 1)))
    path = Path(item.source.rsplit(":", 1)[0])
    sentence = item.body.splitlines()[0]
    path.write_text(path.read_text(encoding="utf-8").replace(sentence, sentence + "详见[官网](http://example.com)", 1), encoding="utf-8")
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    with console_server(campaign, plan) as running:
        running.console.clock = BEFORE.timestamp
        running.add_user("王编辑", "editor")
        with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
            http_login(c, "王编辑")
            page = c.get(f"/day/{day}").text
    assert "Markdown 链接" in page and "条有问题" in page and "全部通过检查" not in page
    flagged = [p.id for p in plan.posts if p.item.id == item.id and p.at.date().isoformat() == day]
    links = "、".join(f'<a href="#post-{i}">{i}</a>' for i in flagged)  # which ones, each a link to its card
    assert f'<span class="flag">⚠ {len(flagged)} 条有问题</span>：{links}。' in page, page.split('class="summary"')[1][:500]
    checked = run_qm("check", "-c", project(config=HEIHE)).stderr
    located = checked[checked.index(f"{path}:") :].splitlines()[0]  # the problem as `qm check` words it
    assert "内容没有链接字段" in located, located  # the fix, after file:line and what is wrong
    assert html.escape(located, quote=False) in page, located
    preview = run_qm("preview", day, "-c", project(config=HEIHE), "-o", tmp_path / "preview")  # the same in `qm preview`
    assert preview.returncode == 1 and any("✗" in line and item.title in line for line in preview.stdout.splitlines())
    assert f"问题：{located}" in preview.stdout, preview.stdout


def test_the_edit_page_of_a_file_that_cannot_be_read_says_where_and_who_fixes_it(world: World) -> None:
    """An unclosed quote in an item's file: its edit page is not "页面不存在" but the console's page (with its
    navigation) naming the file, the line and column and what is wrong, and that it is fixed in the file."""
    item = world.post_of("wechat", "2016-09-14").item
    path = item_path(item)
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        assert c.get(f"/edit/{item.id}").status_code == 200
        path.write_text(path.read_text(encoding="utf-8").replace(f"title: {item.title}", 'title: "未闭合'), encoding="utf-8")
        page = c.get(f"/edit/{item.id}")
    shown = page.text.split("<main", 1)[1]
    assert page.status_code == 503 and "页面不存在" not in page.text and 'href="/status"' in page.text  # the navigation
    assert f"{path.name}:" in shown and "列" in shown and "能打开内容文件的同事" in shown


def test_the_line_printed_on_posters_is_edited_in_the_form_on_a_phone(world: World, page: Any, tmp_path: Path) -> None:
    """一句话 (`line`): a line too long is refused under its own field in the form's words; a good one is saved alone."""
    item = world.post_of("wechat", "2016-09-14").item
    path = item_path(item)
    before = path.read_text(encoding="utf-8")
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/edit/{item.id}")
    assert page.input_value("#f-line") == item.line and "不超过 20 字" in page.inner_text("#h-line")
    page.fill("#f-line", "一" * 21)
    page.click("button:has-text('检查并保存')")
    page.wait_for_load_state()
    said = page.locator(".field:has(#f-line) .msg").all_inner_texts()
    assert "一句话超过 20 字（现为 21 字）" in said and not any(item.id in s for s in said), said  # the page names the item
    assert path.read_text(encoding="utf-8") == before and page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(tmp_path / "line-refused.png"), full_page=True)
    page.fill("#f-line", "认准标志，放心消费")
    page.click("button:has-text('检查并保存')")
    page.wait_for_url(f"**/edit/{item.id}?done=saved")
    assert path.read_text(encoding="utf-8") == before.replace(item.line, "认准标志，放心消费", 1)


def test_without_a_chinese_font_the_pages_say_once_what_is_missing_and_each_post_says_it_briefly(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A machine whose bundled font file is gone and that has no Chinese system font: the day, post and
    posters pages say at the top what is missing and how to fix it, once; every post with posters is
    flagged with the short reason (before: the whole message under every post)."""
    from scheduler.poster import fonts
    from scheduler.views.day_preview import NO_FONT

    missing = tmp_path / "gone" / fonts.BUNDLED_FILE
    monkeypatch.setattr(fonts, "_bundled_path", lambda: missing)
    monkeypatch.setattr(fonts, "bundled_font", lambda: None)
    monkeypatch.setattr(fonts, "system_fonts", lambda: [])
    post = world.post_of("wechat", "2016-09-14")  # a WeChat article has a cover poster
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "李科长")
        day = c.get("/day/2016-09-14").text
        flagged = sum(1 for p in world.plan.posts if p.at.date().isoformat() == "2016-09-14")
        assert day.count(str(missing)) == 1 and day.count("海报都无法生成") == 1, day
        assert day.index(str(missing)) < day.index(post.id)  # at the top, before the posts
        assert 0 < day.count(html.escape(NO_FONT)) <= flagged, day
        one = c.get(f"/post/{post.id}").text
        assert one.count(str(missing)) == 1 and html.escape(NO_FONT) in one, one
        posters = c.get("/posters/2016-09").text
        assert posters.count(str(missing)) == 1, posters


def test_the_edit_form_of_a_rejected_post_says_above_the_form_why_it_was_sent_back(world: World) -> None:
    """An item's post sent back: its edit form says the reason, who and when above the fields (escaped), linking
    the post; at a stage of two, the stage is named; an item none of whose posts was sent back says nothing."""
    post = world.post_of("wechat", "2016-09-14")
    staged = next(p for p in world.plan.posts if p.item.id != post.item.id)
    queue = world.running.queue
    review.reject(queue, post.id, "李科长", "标题有错字<b>", BEFORE.timestamp() + 60, via="web")
    review.reject(queue, staged.id, "赵初审", "图片不清楚", BEFORE.timestamp() + 120, TWO_STAGES)
    clean = next(p.item for p in world.plan.posts if p.item.id not in (post.item.id, staged.item.id))
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        pages = {item.id: c.get(f"/edit/{item.id}").text.split('class="edit"')[0] for item in (post.item, staged.item, clean)}
    top = pages[post.item.id]
    assert "退回：标题有错字&lt;b&gt;" in top and "李科长（web） 于 09-01 06:01 退回" in top, top
    assert f'href="/post/{post.id}"' in top
    assert "初审退回：图片不清楚" in pages[staged.item.id] and "赵初审 于 09-01 06:02 退回" in pages[staged.item.id]
    assert "退回原因" not in pages[clean.id]


def test_on_a_phone_the_reason_a_post_was_sent_back_is_seen_before_the_fields(world: World, page: Any, tmp_path: Path) -> None:
    post = world.post_of("wechat", "2016-09-14")
    review.reject(world.running.queue, post.id, "李科长", "摘要里的数字要核对", BEFORE.timestamp() + 60)
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, world.url, "王编辑")
    page.goto(f"{world.url}/day/2016-09-14")
    page.click(f"article[id='post-{post.id}'] >> text=修改文字")
    reason = page.locator(".rejections")
    assert "退回：摘要里的数字要核对" in reason.inner_text()
    box, field = reason.bounding_box(), page.locator("#f-title").bounding_box()
    assert box["y"] + box["height"] < field["y"] and box["y"] + box["height"] < 800  # on the first screen, above the form
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(tmp_path / "edit-rejected.png"))


def test_the_navigation_marks_only_the_tab_of_the_page_shown(world: World) -> None:
    """/posters starts with /post: it is the 海报 tab alone, not also 月历 (which a post's page belongs to)."""
    post = world.post_of("wechat", "2016-09-14")
    expected = {
        "/": "月历",
        f"/day/{LAUNCH}": "月历",
        f"/post/{post.id}": "月历",
        "/posters": "海报",
        "/posters/2016-09": "海报",
        "/prints": "印刷品",
        "/screens": "电子屏",
        "/status": "运行状态",
        "/content": "内容库",
        f"/edit/{post.item.id}": "内容库",
    }
    with http_client.client(base_url=world.url, follow_redirects=True, timeout=30) as c:
        http_login(c, "张主任")
        current = {url: re.findall(r'aria-current="page">([^<]+)</a>', c.get(url).text) for url in expected}
    assert current == {url: [tab] for url, tab in expected.items()}


def test_a_reminder_on_the_day_page_says_reminder_once(world: World) -> None:
    """提醒：09:00 工作总结……, not 提醒：09:00 【提醒】工作总结…… (the 【提醒】 of the staff notice)."""
    reminder = world.plan.reminders[0]
    with http_client.client(base_url=world.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        page = c.get(f"/day/{reminder.at.date().isoformat()}").text
    assert reminder.message.startswith("【提醒】")
    assert f"提醒：{reminder.at:%H:%M} {reminder.message.removeprefix('【提醒】')}" in html.unescape(page) and "【提醒】" not in page
