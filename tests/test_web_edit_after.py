"""The edit form on what an edit touches beyond the posts: a body no channel of the item publishes, the posters and
signed print sheets the saved words made stale (the real application on loopback, 2016 example in a tmp copy)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.inputs.content import load_library
from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import make_plan
from scheduler.publishing.print_signoffs import sign
from tests.browser_helpers import chromium, need_chromium
from tests.conftest import HEIHE, run_qm
from tests.test_print_signoff import digest
from tests.web_helpers import Running, csrf_of, http_login, login, one_stage_example

need_chromium()


@pytest.fixture
def running(project: Callable[..., Path], tmp_path: Path) -> Iterator[Running]:
    with one_stage_example(project(config=HEIHE), tmp_path, ("王编辑", "editor"), ("李科长", "reviewer")) as (running, _):
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


def test_after_saving_the_form_says_which_posters_to_redraw_and_which_signed_sheets_to_make_and_sign_again(
    running: Running, tmp_path: Path
) -> None:
    campaign, config = running.console.campaign, tmp_path / "config.yaml"
    post = next(p for p in make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)).posts if p.channel == "wechat")
    item, day = post.item, post.at.date().isoformat()
    for args in (("posters", "--from", day, "--to", day), ("print", "knowledge-card", "--items", item.id)):
        done = run_qm(*args, "-c", config)
        assert done.returncode == 0, done.stdout + done.stderr
    sheet = f"knowledge-card-{item.id}-a3.pdf"
    sign(running.console.engine, sheet, digest(campaign.paths.posters / "print" / sheet), "李科长（web）", running.console.now(), "")
    with httpx.Client(base_url=running.url, timeout=60, follow_redirects=True) as c:
        http_login(c, "王编辑")
        form = c.get(f"/edit/{item.id}").text
        assert "还要做的" not in form and sheet in form.split("用到这条内容的发布", 1)[1]  # the sheet is listed as a use
        fields = {"csrf": csrf_of(form), "digest": form.split('name="digest" value="')[1].split('"')[0], "title": "认准标志，放心消费"}
        page = c.post(f"/edit/{item.id}", data=fields).text
    assert "已保存" in page, page
    told = page.split('class="made-stale"', 1)[1].split("</section>", 1)[0]
    assert f'action="/post/{post.id}/redraw"' in told and f'value="/edit/{item.id}"' in told, told  # redrawn back here
    assert "1 份印刷品印的是改动前的文字，要重新生成并重新签发" in told and sheet in told and 'href="/prints"' in told, told
    assert "重新生成和签发需要审核人或管理员" in told  # an editor cannot: who can is named
    uses = page.split("用到这条内容的发布", 1)[1]
    assert "印刷品 1 份" in uses and sheet in uses and "但印的是改动前的文字" in uses
    for width in (375, 1280):
        with chromium(width, 900) as browser:
            shown: Any = browser.new_page()
            login(shown, running.url, "王编辑")
            shown.goto(f"{running.url}/edit/{item.id}")
            shown.screenshot(path=str(tmp_path / f"edit-after-{width}.png"), full_page=True)
            assert shown.evaluate("document.documentElement.scrollWidth") <= width
    with chromium(375, 900) as browser:  # the button draws the posters again and comes back to the form
        shown = browser.new_page()
        login(shown, running.url, "王编辑")
        shown.goto(f"{running.url}/edit/{item.id}")
        shown.click(f"form[action='/post/{post.id}/redraw'] button")
        shown.wait_for_load_state()
        assert f"/edit/{item.id}" in shown.url and "海报已按现在的文字重画" in shown.inner_text("main")
        assert f"/post/{post.id}/redraw" not in shown.content()
