"""What the console's 印刷品 page says about each sheet, on a phone: what it is and prints in Chinese (not only its
English file name), its file time marked as the computer's real time during a rehearsal, the 签发 checkbox's own
Chinese message (no browser bubble, no JavaScript needed), and a sign-off's note not repeating the card's concerns
(the real application over a real SQLite queue, Chromium at 375 px)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.publishing.print_signoffs import signoffs
from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api
from tests.test_print_signoff import ITEM, SHEET, Project, copy_project
from tests.test_print_signoff_changed import LEAFLET, LEAFLET_ITEMS
from tests.test_print_signoff_web import World, served
from tests.web_helpers import login

need_chromium()
UNKNOWN = "handed-in-a4.pdf"  # a PDF put there by hand: what it prints is not known
UNKNOWN_CONCERN = "不知道这份文件印了哪些内容"
MADE = dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the files' times (real time)
REHEARSAL = dt.datetime(2027, 9, 7, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    project = Project(copy_project(tmp_path_factory.mktemp("print-words")))
    project.make_sheet()
    code, said = project.qm("print", "leaflet", "--items", LEAFLET_ITEMS)
    assert code == 0, said
    folder = project.folder / "posters" / "print"
    shutil.copyfile(project.sheet, folder / UNKNOWN)
    for name in (SHEET, LEAFLET, UNKNOWN):
        os.utime(folder / name, (MADE.timestamp(), MADE.timestamp()))
    with served(project) as world:
        world.console.clock = REHEARSAL.timestamp  # a rehearsal: the files' times are months away from "now"
        yield world


@pytest.fixture
def phone(world: World) -> Iterator[Any]:
    """The 印刷品 page at 375 px in an English (en-US) Chromium, signed in as the reviewer 李科长."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-US", has_touch=True, is_mobile=True)
        page = context.new_page()
        login(page, world.url, "李科长")
        page.goto(f"{world.url}/prints")
        yield page
        browser.close()


def test_each_card_says_in_chinese_what_the_sheet_is_and_prints(world: World, phone: Any, tmp_path: Path) -> None:
    campaign = load_campaign(world.project.config)
    titles = {i.id: i.title for i in load_library(campaign.paths.content, campaign.text_values).items}
    phone.screenshot(path=str(tmp_path / "prints-375.png"), full_page=True)
    leaflet = phone.locator(f"li.sheet:has-text('{LEAFLET}')")
    assert leaflet.locator(".title").inner_text() == "传单 A4"
    assert leaflet.locator(".printed").inner_text() == "印有：" + "、".join(f"《{titles[i]}》" for i in LEAFLET_ITEMS.split(","))
    card = phone.locator(f"li.sheet:has-text('{SHEET}')")
    assert card.locator(".title").inner_text() == "知识卡片 A3" and f"《{titles[ITEM]}》" in card.locator(".printed").inner_text()
    assert phone.locator(f"li.sheet:has-text('{UNKNOWN}') .title").inner_text() == "印刷品"  # nothing known but the file
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_file_time_is_said_to_be_the_real_time_during_a_rehearsal(phone: Any) -> None:
    text = phone.inner_text("main")
    assert text.count("（文件时间 2020-01-02 03:04，电脑的真实时间，不是演练时钟；指纹 ") == 3, text
    assert " 生成，指纹" not in text


def test_the_tap_targets_of_the_print_page_are_44_px_tall(phone: Any) -> None:
    heights = phone.eval_on_selector_all(
        "main a, main button", "els => els.map(e => [e.outerHTML.slice(0, 60), e.getBoundingClientRect().height])"
    )
    assert heights and min(h for _, h in heights) >= 44, heights


def test_signing_without_the_checkbox_is_refused_in_chinese_and_the_note_says_nothing_twice(world: World, phone: Any) -> None:
    card = phone.locator(f"li.sheet:has-text('{UNKNOWN}')")
    box = card.locator("input[name=despite]")
    assert box.evaluate("e => e.validationMessage") == ""  # no browser bubble in the browser's language
    card.locator("form.sign button[type=submit]").click()
    phone.wait_for_load_state()
    assert f"没有签发：{UNKNOWN} 有要先核对的问题" in phone.inner_text("main") and UNKNOWN not in signoffs(world.console.engine)

    card = phone.locator(f"li.sheet:has-text('{UNKNOWN}')")
    card.locator("input[name=despite]").check()
    card.locator("form.sign button[type=submit]").click()
    phone.wait_for_load_state()
    card = phone.locator(f"li.sheet:has-text('{UNKNOWN}')")
    assert card.inner_text().count(UNKNOWN_CONCERN) == 1, card.inner_text()  # the concern, not again in the note
    assert "签发说明：签发时已核对下面的问题" in card.inner_text()
    assert [s.note.startswith("已知：") for s in signoffs(world.console.engine)[UNKNOWN]] == [True]  # the record keeps it all
