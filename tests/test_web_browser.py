"""The review console in Debian's Chromium: sign-in, review forms, CSRF, throttling, no outside resources, phone width."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.channels.screen.config import ScreenConfig
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import notices_due, review
from scheduler.publishing import states as st
from scheduler.views import notices_waiting
from scheduler.web.config_watch import ConfigWatch
from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api
from tests.web_helpers import PASSWORD, Running, console_server, local, login

need_chromium()
DAY = "2016-09-08"
FAILED = "宣传工作群：机器人拒收（errcode 93000）"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def running(heihe: Campaign, heihe_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path_factory.mktemp("console")), heihe_plan) as r:
        r.add_user("王编辑", "editor")
        r.add_user("李科长", "reviewer")
        r.add_user("赵主任", "admin")
        yield r


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def planned_on_day(r: Running, day: str = DAY) -> list[str]:
    start = r.console.campaign.at(dt.date.fromisoformat(day), dt.time()).timestamp()
    return [p.id for p in r.queue.find([st.PLANNED], start, start + 86400)]


def test_sign_in_and_out(running: Running, page: Any) -> None:
    page.goto(f"{running.url}/day/{DAY}")
    assert page.url.startswith(f"{running.url}/login?next=")
    page.fill("input[name=name]", "王编辑")
    page.fill("input[name=password]", "wrong password!")
    page.click("button[type=submit]")
    assert "用户名或密码不对" in page.inner_text("main")
    login(page, running.url, "王编辑")
    assert "王编辑（编辑）" in page.inner_text("header")
    page.goto(f"{running.url}/day/{DAY}")
    assert page.locator("article.post").count() >= 1
    page.click("header button:has-text('退出')")
    page.wait_for_url(f"{running.url}/login")
    page.goto(f"{running.url}/")
    assert "/login" in page.url


def test_reject_with_a_reason_shows_on_the_page_and_in_the_audit(running: Running, page: Any) -> None:
    post = planned_on_day(running)[0]
    login(page, running.url, "李科长")
    page.goto(f"{running.url}/day/{DAY}")
    article = page.locator(f"article[id='post-{post}']")
    article.locator("textarea[name=reason]").fill("标题中“最好”属于绝对化用语")
    article.locator("button:has-text('退回')").click()
    page.wait_for_load_state()
    assert "已退回" in page.inner_text("main")
    assert "退回：标题中“最好”属于绝对化用语（李科长）" in page.locator(f"article[id='post-{post}']").inner_text()
    entry = running.queue.history(post)[-1]
    assert (entry.who, entry.to_state) == ("李科长（web）", st.REJECTED) and "标题中“最好”属于绝对化用语" in entry.why
    page.goto(f"{running.url}/post/{post}")
    assert "标题中“最好”属于绝对化用语" in page.inner_text("table.history")


def test_a_form_posted_without_its_csrf_token_is_refused(running: Running, page: Any) -> None:
    post = planned_on_day(running)[1]
    login(page, running.url, "王编辑")
    page.goto(f"{running.url}/post/{post}")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    page.click("button:has-text('通过初审')")
    page.wait_for_load_state()
    assert "操作被拒绝" in page.inner_text("main")
    assert running.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
    assert running.queue.history(post)[-1].to_state == st.PLANNED and "web" not in running.queue.history(post)[-1].who


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page_not_to_an_error(running: Running, page: Any) -> None:
    post = planned_on_day(running)[2]
    login(page, running.url, "王编辑")
    page.goto(f"{running.url}/post/{post}")
    page.context.clear_cookies()  # the session ended while the page was open
    page.click("button:has-text('通过初审')")
    page.wait_for_load_state()
    assert "/login" in page.url and "刚才的操作没有执行" in page.inner_text("main")
    assert running.queue.history(post)[-1].to_state == st.PLANNED and "web" not in running.queue.history(post)[-1].who
    page.fill("input[name=name]", "王编辑")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{running.url}/post/{post}#do-{post}"  # the page the form was on, at its buttons: sent again from there
    assert page.locator("button:has-text('通过初审')").count() == 1


def test_five_wrong_passwords_throttle(running: Running, page: Any) -> None:
    for n in range(5):
        page.goto(f"{running.url}/login")
        page.fill("input[name=name]", "赵主任")
        page.fill("input[name=password]", f"not-the-password-{n}")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    assert "登录失败次数过多" in page.inner_text("main")
    login(page, running.url, "赵主任", ok=False)  # the right password, too soon
    assert "登录失败次数过多" in page.inner_text("main") and "/login" in page.url


def _pages(r: Running) -> list[str]:
    post = planned_on_day(r)[-1]
    return ["/login", "/", f"/day/{DAY}", f"/post/{post}", "/content"]


def test_pages_reference_no_external_resource(running: Running, page: Any) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, running.url, "李科长")
    for path in _pages(running):
        page.goto(f"{running.url}{path}")
        page.wait_for_load_state("networkidle")
        outside = page.evaluate(
            """() => [...document.querySelectorAll('[src],[href],[action]')]
                 .map(e => e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('action'))
                 .filter(u => /^(https?:)?\\/\\//.test(u))"""
        )
        assert outside == [], path
    assert requested and all(u.startswith(running.url) or u.startswith("data:") for u in requested), requested


@pytest.mark.parametrize("width", [375, 1440])
def test_no_horizontal_scroll(running: Running, browser: Any, width: int, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{running.url}/login")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        login(page, running.url, "王编辑")
        for path in _pages(running)[1:]:
            page.goto(f"{running.url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    finally:
        context.close()


def test_an_undrawn_screen_picture_fills_the_pictures_box_readably_on_a_phone(running: Running, browser: Any) -> None:
    """No slide drawn yet: in its place, in the box the picture will fill (the screen's proportions), the
    slide's words in type a phone reads and the command that draws the picture."""
    screen = running.console.campaign.channel("screen:center")
    assert isinstance(screen, ScreenConfig)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/day/{DAY}")
        frame = page.locator(".slide-frame").first
        said = frame.inner_text()
        assert "播放的画面还没有画出" in said and "qm posters" in said, said
        box = frame.evaluate(
            """f => { const c = f.firstElementChild.getBoundingClientRect();
                      const texts = [...f.querySelectorAll('*')].filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
                      return {width: f.clientWidth, height: f.clientHeight, inner: [c.width, c.height],
                              overflow: f.scrollHeight - f.clientHeight,
                              smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize)))} }"""
        )
        assert box["width"] > 250 and abs(box["height"] - box["width"] * screen.height / screen.width) <= 1, box
        assert abs(box["inner"][0] - box["width"]) <= 1 and abs(box["inner"][1] - box["height"]) <= 1, box  # all of it
        assert box["overflow"] <= 0, box  # nothing cut off
        assert box["smallest"] >= 13, box
    finally:
        context.close()


TAPPED = (
    "header.top nav a",
    "header.top button.link",
    ".bar .step",
    ".post .pid",
    "details.steps > summary",
    ".actions button",
    "form.bulk button",
)


def test_on_a_phone_every_review_control_is_44_px_tall_and_the_reason_box_a_textarea(running: Running, browser: Any) -> None:
    """375 px: nav links, 退出, the day arrows, post ids, the history summary and the approve/reject buttons are at
    least 44 px tall (Apple HIG), the header stays three short rows, and a long reject reason wraps in a textarea."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, running.url, "李科长")
        page.goto(f"{running.url}/day/2016-09-20")
        heights = page.evaluate(
            "sels => Object.fromEntries(sels.map(s => [s, [...document.querySelectorAll(s)].map(e => e.getBoundingClientRect().height)]))",
            list(TAPPED),
        )
        assert all(heights[s] and min(heights[s]) >= 44 for s in TAPPED), heights
        assert page.locator("header.top").bounding_box()["height"] <= 140
        reason = page.locator("form[action$='/reject'] [name=reason]").first
        assert reason.evaluate("e => e.tagName") == "TEXTAREA" and reason.get_attribute("maxlength") == "200"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()


def test_on_a_phone_the_links_of_the_library_the_edit_page_and_a_missing_page_are_44_px_tall(running: Running, browser: Any) -> None:
    """375 px: the library's title links, the edit page's links to the posts using the item, and 返回首页 on a
    missing page; that page keeps the navigation bar and who is signed in."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    tall = "sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect().height)"
    try:
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/content")
        titles = page.eval_on_selector_all("main a.item-title", "els => els.map(e => e.getBoundingClientRect().height)")
        assert titles and min(titles) >= 44, titles
        post = running.queue.get(planned_on_day(running)[0])
        assert post is not None
        page.goto(f"{running.url}/edit/{post.item}")
        uses = page.evaluate(tall, "ul.uses a")
        assert uses and min(uses) >= 44, uses
        page.goto(f"{running.url}/post/no-such-post")
        assert "王编辑（编辑）" in page.inner_text("header") and page.locator("header nav a[href='/content']").count() == 1
        home = page.evaluate(tall, "main a[href='/']")
        assert home and min(home) >= 44, home
    finally:
        context.close()


def test_chinese_inside_code_is_drawn_with_a_chinese_font(running: Running, browser: Any) -> None:
    """The login page's hint `qm user add 用户名 …`: the Chinese in it is drawn by a Chinese font, not as boxes."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{running.url}/login")
        page.evaluate("document.fonts.ready.then(() => true)")
        cdp = context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        code = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "code"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": code})["fonts"]
        assert "用户名" in page.inner_text("code")
    finally:
        context.close()
    assert any("CJK" in f["familyName"] and f["glyphCount"] >= len("用户名") for f in fonts), fonts


def test_a_phone_offers_only_the_stages_its_user_may_pass(running: Running, browser: Any) -> None:
    """Two stages, on a phone: whoever cannot pass the stage a post waits for (role, or the same person
    twice) gets the reason instead of a button, and the day's button counts only what they may pass."""
    day = "2016-09-12"
    posts = planned_on_day(running, day)
    assert len(posts) >= 3
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, running.url, "李科长")  # a reviewer passes the first stage of one post himself
        page.goto(f"{running.url}/day/{day}")
        page.locator(f"article[id='post-{posts[0]}'] button:has-text('通过初审')").click()
        page.wait_for_load_state()
        mine = page.locator(f"article[id='post-{posts[0]}']")
        assert mine.locator("button:has-text('通过终审')").count() == 0
        assert "等待另一位同事终审：" in mine.inner_text() and "同一人不能再通过终审" in mine.inner_text()
        assert "你通过了前一阶段的 1 条等待终审，由另一位同事审核。" in page.inner_text("main")
        assert page.locator(f".blocked-count a[href='#post-{posts[0]}']").count() == 1  # named (folded), a link to its card
        assert page.locator("form.bulk button").inner_text() == f"通过初审：{len(posts) - 1} 条（之后等待终审）"
        context.clear_cookies()
        login(page, running.url, "王编辑")  # an editor passes every other first stage with the day's button
        page.goto(f"{running.url}/day/{day}")
        page.locator("form.bulk button").click()
        page.wait_for_load_state()
        assert f"初审通过 {len(posts) - 1} 条，等待终审。" in page.inner_text("main")
        # now every post waits for the final stage, which an editor may not pass: no button offers it
        assert page.locator("form.bulk").count() == 0
        assert page.locator("button:has-text('通过终审')").count() == 0
        main = page.inner_text("main")  # those just passed wait for the next stage; the reviewer's own one cannot be passed by him
        assert f"你通过了前一阶段的 {len(posts) - 1} 条等待终审，由另一位同事审核。" in main and "另有 1 条不能由你通过" in main
        assert page.locator(".blocked-count a").count() == len(posts)
        assert page.locator("p.blocked:has-text('终审需要审核人或更高的角色，王编辑 是编辑')").count() == len(posts)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        context.clear_cookies()
        login(page, running.url, "李科长")  # the reviewer passes the final stage of the others at once
        page.goto(f"{running.url}/day/{day}")
        assert page.locator("form.bulk button").inner_text() == f"通过终审：{len(posts) - 1} 条（审核完成，将按时发布）"
        page.locator("form.bulk button").click()
        page.wait_for_load_state()
        assert "审核完成" in page.inner_text("main")
    finally:
        context.close()
    assert [running.queue.get(p).state for p in posts] == [st.PLANNED] + [st.APPROVED] * (len(posts) - 1)  # type: ignore[union-attr]


def test_after_passing_a_days_first_stage_a_phone_says_briefly_that_they_wait_for_the_next(running: Running, browser: Any) -> None:
    """The reviewer passes the first stage of a whole day: the page does not tell him he “cannot pass” the posts he
    just passed, nor list their ids over the phone's first screen, nor name a setting he cannot change."""
    day = "2016-09-13"
    posts = planned_on_day(running, day)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, running.url, "李科长")
        page.goto(f"{running.url}/day/{day}")
        page.locator("form.bulk button").click()
        page.wait_for_load_state()
        said = page.locator(".blocked-count")
        assert said.count() == 1 and "不能由你通过" not in page.inner_text("main")  # neither above nor on the cards
        assert said.inner_text().startswith(f"你通过了前一阶段的 {len(posts)} 条等待终审，由另一位同事审核。")
        assert said.bounding_box()["height"] < 120  # two lines and a fold, not a screen of ids
        assert not said.locator("a").first.is_visible()  # the ids are folded away
        said.locator("summary").click()
        assert said.locator("a").count() == len(posts) and said.locator("a").first.is_visible()
        assert "same_person" not in page.inner_text("main") and "配置" not in page.inner_text("main")
        card = page.locator(f"article[id='post-{posts[0]}'] p.blocked").inner_text()
        assert card == f"等待另一位同事终审：李科长 已经通过了 {posts[0]} 的初审，同一人不能再通过终审（请另一位同事审核）", card
    finally:
        context.close()


def test_a_rejected_post_says_it_waits_for_an_edit_and_who_may_make_it(running: Running, page: Any) -> None:
    post = planned_on_day(running, "2016-09-15")[0]
    review.reject(running.queue, post, "李科长", "标题有错字", running.console.now(), running.console.campaign.review)
    login(page, running.url, "李科长")
    page.goto(f"{running.url}/day/2016-09-15")
    card = page.locator(f"article[id='post-{post}']")
    said = card.locator("p.waits-edit").inner_text()
    assert said.startswith("已退回，等待修改：编辑、审核人或管理员按“修改文字”改好并保存后") and "从初审重新审核" in said, said
    assert card.locator("ol.stages").count() == 0  # not a list of stages each marked —


def test_reloading_a_refused_approval_approves_nothing(running: Running, browser: Any, tmp_path: Path) -> None:
    """On a phone: config.yaml changes under the open post page, the approval is refused and lands on the post's
    page saying why; the file is put back and the reviewer reloads that page: nothing is sent, nothing passed."""
    post = planned_on_day(running, "2016-09-09")[0]
    config = tmp_path / "config.yaml"
    config.write_text("campaign: 测试\n", encoding="utf-8")
    started_with, running.console.watch = running.console.watch, ConfigWatch([config])
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/post/{post}")
        config.write_text("campaign: 测试\ndatabase: sqlite:///moved.sqlite3\n", encoding="utf-8")
        page.click("button:has-text('通过初审')")
        page.wait_for_load_state()
        assert page.url.startswith(f"{running.url}/post/{post}?note=")  # a page of its own, not the form's address
        assert "操作没有执行" in page.inner_text("main") and page.locator("header nav").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
        config.write_text("campaign: 测试\n", encoding="utf-8")  # put back
        page.reload()
        page.wait_for_load_state()
        assert "审核完成" not in page.inner_text("main") and "已通过" not in page.inner_text("main")
        assert running.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
        assert review.passes(running.queue, post, running.queue.get(post).version) == []  # type: ignore[union-attr]
    finally:
        running.console.watch = started_with
        context.close()


def _record(r: Running) -> None:
    """Two rejections wait (no daemon runs); a 【审核规则已改】 failed once; a 【未自动审核】 was given up."""
    now = r.console.now()
    with r.console.engine.begin() as conn:
        for ago in (7200, 3600):
            notices_due.record(conn, "rejected", {}, now - ago)
        notices_due.record(conn, "rules-back", {}, now - 1800)
        notices_due.record(conn, "held", {}, now - 90000)
        by_topic = {d.topic: d for d in notices_due.waiting(conn, now)}
        rules, held = by_topic["rules-back"], by_topic["held"]
        for due, at in ((rules, now - 900), (held, now - 4000)):
            assert notices_due.take(conn, due, at)
        notices_due.later(conn, rules.id, [], now - 900, FAILED)
        notices_due.give_up(conn, held.id, now - 4000, "宣传工作群：超时没有应答")


@pytest.mark.parametrize("width", [375, 1440])
def test_the_status_page_tells_notices_waiting_and_given_up_and_what_to_do(
    heihe: Campaign, heihe_plan: Plan, browser: Any, width: int, tmp_path: Path
) -> None:
    """As `qm status` does (tests/test_notices_waiting.py), readably on a phone and on a desk; nothing when nothing waits."""
    with console_server(local(heihe, tmp_path), heihe_plan) as running:
        running.add_user("王编辑", "editor")
        _notices_page(running, browser, width, tmp_path)


def _notices_page(running: Running, browser: Any, width: int, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/status")
        assert page.locator(".notices-due").count() == 0  # nothing waits: nothing said
        _record(running)
        page.reload()
        box = page.locator(".notices-due")
        said = box.inner_text()
        assert "等待发出的通知：3 条" in said
        assert "【退回】2 条，最早记下于" in said
        assert "【审核规则已改】1 条，记下于" in said and f"已试 1 次没有发出；最近一次失败：{FAILED}" in said
        assert "已放弃的通知（一天内都没有发出）" in said and "【未自动审核】1 条" in said and "超时没有应答" in said
        for advice in (notices_waiting.START_DAEMON, notices_waiting.CHECK_ROBOTS, notices_waiting.GONE):
            assert advice in said
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"status-{width}.png"), full_page=True)
    finally:
        context.close()
