"""Print sheets whose words changed after they were made: they are not signed at all (signed, they still could not
go to the printer) but made again first (`qm sign` and the console's 印刷品 page, the real application over a real
SQLite queue)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.publishing.print_signoffs import sign, signoffs
from tests.browser_helpers import CHROMIUM
from tests.test_print_signoff import CONTENT, ITEM, SHEET, Project, copy_project, digest
from tests.test_print_signoff_web import World, prints_in_chromium, served
from tests.web_helpers import csrf_of, http_login

LEAFLET_ITEMS = f"{ITEM},goods-salt-iodised,brand-gi-what,brand-why-brand"
LEAFLET = f"leaflet-{ITEM}-goods-salt-iodised-等-a4.pdf"  # the file's name holds two of its four items
A2 = f"knowledge-card-{ITEM}-a2-cmyk.pdf"
POSTERS_SHEET = f"knowledge-card-{ITEM}-a1.pdf"
CHANGED = f"印有内容《看懂SC编号，认清食品“身份证”》（{ITEM}），它的文字在这份文件生成之后改过：印的是改动前的文字，请重新生成"
FIT = "这份文件可以交给印刷厂"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Sheets printing ITEM whose words then change: three made by qm print (a knowledge card, a leaflet, a CMYK
    knowledge card on A2), one by qm posters (a posters.print entry)."""
    project = Project(copy_project(tmp_path_factory.mktemp("signoff-changed")))
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(
        text.replace("posters:\n", f"posters:\n  print:\n    - {{layout: knowledge-card, items: [{ITEM}], size: a1}}\n", 1)
    )
    project.make_sheet()
    for args in (["leaflet", "--items", LEAFLET_ITEMS], ["知识卡片", "--items", ITEM, "--size", "A2", "--cmyk"]):
        code, said = project.qm("print", *args)
        assert code == 0, said
    code, said = project.qm("posters", "--from", "2027-09-01", "--to", "2027-09-01")
    assert code == 0 and (project.folder / "posters" / "print" / POSTERS_SHEET).is_file(), said
    content = project.folder / CONTENT
    content.write_text(content.read_text(encoding="utf-8").replace("辨认食品“身份证”", "认清食品“身份证”"), encoding="utf-8")
    with served(project) as world:
        yield world


def test_the_console_refuses_to_sign_a_sheet_of_old_words_and_points_to_remaking_it(world: World) -> None:
    with httpx.Client(base_url=world.url) as reviewer:
        http_login(reviewer, "李科长")
        page = reviewer.get("/prints").text
        card = page.split(f"文件 {SHEET}", 1)[1].split("</li>", 1)[0]
        assert 'action="/prints/sign"' not in card and "我已核对上面的问题" not in card, card  # no button to sign it
        assert 'action="/prints/remake"' in card and "先重新生成" in card, card
        form = {"csrf": csrf_of(page), "name": SHEET, "sha256": digest(world.project.sheet), "despite": "1"}
        done = reviewer.post("/prints/sign", data=form, follow_redirects=True).text  # an old form, or sent by hand
        assert f"没有签发：{SHEET} 印的是改动前的文字，签发了也不能交给印刷厂。请先重新生成（按这份文件下面的“重新生成”" in done, done
        assert FIT not in done and signoffs(world.console.engine).get(SHEET) is None


def test_the_console_refuses_a_sheet_signed_before_its_words_changed_as_qm_sign_does(world: World) -> None:
    """Signed, then its words changed: the page's form sent again (an old page, a second press) said the sheet could go to
    the printer, while `qm sign` refused it (exit 2)."""
    sign(world.console.engine, SHEET, digest(world.project.sheet), "李科长（web）", 0.0)
    with httpx.Client(base_url=world.url) as reviewer:
        http_login(reviewer, "李科长")
        form = {"csrf": csrf_of(reviewer.get("/prints").text), "name": SHEET, "sha256": digest(world.project.sheet), "despite": "1"}
        done = reviewer.post("/prints/sign", data=form, follow_redirects=True).text
    assert f"{SHEET} 此前已签发（李科长（web）），文件没有变化，但它印的是改动前的文字，现在还不能交给印刷厂" in done, done
    code, said = world.project.qm("sign", SHEET, "--by", "李科长")
    assert code == 2 and "现在还不能交给印刷厂" in said, said


def test_qm_sign_refuses_a_sheet_of_old_words_and_names_the_command_that_makes_it_again(world: World) -> None:
    code, said = world.project.qm("sign", LEAFLET, "--by", "李科长", "--despite")
    assert code == 2 and f"没有签发：{LEAFLET} 印的是改动前的文字，签发了也不能交给印刷厂" in said, said
    assert f"请先重新生成（qm print leaflet --items {LEAFLET_ITEMS}）" in said and FIT not in said, said
    assert signoffs(world.console.engine).get(LEAFLET) is None


def test_a_sheet_of_changed_words_names_the_item_by_title_and_the_command_that_makes_it_again(world: World) -> None:
    commands = {
        SHEET: f"qm print knowledge-card --items {ITEM}",
        LEAFLET: f"qm print leaflet --items {LEAFLET_ITEMS}",
        A2: f"qm print knowledge-card --items {ITEM} --size a2 --cmyk",
        POSTERS_SHEET: "qm posters",
    }
    _, said = world.project.qm("sign")
    with httpx.Client(base_url=world.url) as reviewer:
        http_login(reviewer, "李科长")
        page = reviewer.get("/prints").text
    for text, told in ((said, "{}"), (page, "按这份文件下面的“重新生成”，或运行 {}")):  # the page: its button too
        for name, command in commands.items():  # each sheet's own command
            assert f"{CHANGED}（{told.format(command)}）后再签发" in text, (name, text)
        assert "qm posters 或 qm print" not in text, text

    code, made = world.project.qm(*commands[A2].split()[1:])  # the advice, as staff would type it, makes the sheet again
    assert code == 0, made
    _, said = world.project.qm("sign")
    assert re.search(rf"{re.escape(A2)} +待签发\n", said) and f"（{commands[A2]}）" not in said, said


@pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 Chromium（apt-get install chromium）")
@pytest.mark.parametrize("width", [375, 1280])
def test_the_waiting_badge_is_as_wide_as_its_words(world: World, width: int, tmp_path: Path) -> None:
    with prints_in_chromium(world, width) as page:
        page.screenshot(path=str(tmp_path / f"prints-{width}.png"), full_page=True)
        badge = page.locator(f"li.sheet:has-text('{POSTERS_SHEET}') .state")
        assert badge.inner_text() == "待重新生成"
        card = page.locator(f"li.sheet:has-text('{POSTERS_SHEET}')").bounding_box()
        assert badge.bounding_box()["width"] < 80 < card["width"] / 3, (badge.bounding_box(), card)
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_qm_sign_with_one_sheet_of_old_words_among_others_says_none_was_signed_and_how_to_sign_the_others(world: World) -> None:
    other = "knowledge-card-brand-gi-what-a3.pdf"
    code, said = world.project.qm("print", "knowledge-card", "--items", "brand-gi-what")
    assert code == 0 and (world.project.folder / "posters" / "print" / other).is_file(), said
    try:
        code, said = world.project.qm("sign", LEAFLET, other, "--by", "李科长")
        assert code == 2 and f"没有签发：{LEAFLET} 印的是改动前的文字" in said, said
        assert f"同时写的 {other} 也都没有签发：要先签发它，运行 qm sign {other} --by 李科长" in said, said
        assert signoffs(world.console.engine).get(other) is None
        code, said = world.project.qm("sign", other, "--by", "李科长")  # the command given works
        assert code == 0 and f"已签发 {other}" in said, said
    finally:
        (world.project.folder / "posters" / "print" / other).unlink()
