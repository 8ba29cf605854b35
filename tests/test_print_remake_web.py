"""A signed print sheet whose words then changed, on the console's 印刷品 page: its card warns (never the green of
a sheet ready for the printer), and its 重新生成 button makes it again as the command that made it would; the
sheet then waits to be signed again (the real application over a real SQLite queue; Chromium at 375 and 1280 px)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster.print_files import noted
from scheduler.publishing.print_signoffs import sign
from tests.browser_helpers import CHROMIUM
from tests.test_print_signoff import CONTENT, ITEM, SHEET, Project, copy_project, digest
from tests.test_print_signoff_web import World, prints_in_chromium, served
from tests.web_helpers import csrf_of, http_login

POSTERS_SHEET = f"knowledge-card-{ITEM}-a1.pdf"  # a posters.print entry: made by qm posters
SIGNED_GREEN = "rgb(211, 240, 220)"  # the badge of a sheet that may go to the printer


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """Two sheets printing ITEM, both signed, then ITEM's words change."""
    project = Project(copy_project(tmp_path))
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(
        text.replace("posters:\n", f"posters:\n  print:\n    - {{layout: knowledge-card, items: [{ITEM}], size: a1}}\n", 1)
    )
    project.make_sheet()
    code, said = project.qm("posters", "--from", "2027-09-01", "--to", "2027-09-01")
    assert code == 0, said
    with served(project) as world:
        for name in (SHEET, POSTERS_SHEET):
            path = project.folder / "posters" / "print" / name
            sign(world.console.engine, name, digest(path), "李科长（web）", world.console.now(), "")
        content = project.folder / CONTENT
        content.write_text(content.read_text(encoding="utf-8").replace("辨认食品“身份证”", "认清食品“身份证”"), encoding="utf-8")
        yield world


def _fresh(world: World, name: str) -> bool:
    """The sheet's noted items carry the library's words as they are now."""
    path = world.project.folder / "posters" / "print" / name
    items, _ = noted(path, digest(path))
    campaign = load_campaign(world.project.config)
    library = load_library(campaign.paths.content, campaign.text_values)
    return items is not None and all(library.by_id[i].digest == d for i, d in items)


def test_the_remake_button_makes_the_sheet_again_and_it_waits_to_be_signed_again(world: World) -> None:
    with httpx.Client(base_url=world.url) as editor:  # signing's roles: an editor sees no button and is refused
        http_login(editor, "王编辑")
        page = editor.get("/prints").text
        assert 'action="/prints/remake"' not in page and "重新生成”" not in page  # nor told to press it
        form = {"csrf": csrf_of(page), "name": SHEET, "sha256": digest(world.project.sheet)}
        tried = editor.post("/prints/remake", data=form, follow_redirects=True)
        assert "这个操作只有审核人、管理员能用" in tried.text and not _fresh(world, SHEET)
    with httpx.Client(base_url=world.url, follow_redirects=True, timeout=120) as reviewer:
        http_login(reviewer, "李科长")
        page = reviewer.get("/prints").text
        assert "按这份文件下面的“重新生成”，或运行 qm print knowledge-card" in page
        form = {"csrf": csrf_of(page), "name": SHEET, "sha256": digest(world.project.sheet)}
        assert reviewer.post("/prints/remake", data={**form, "csrf": "x"}).status_code == 403 and not _fresh(world, SHEET)
        done = reviewer.post("/prints/remake", data=form).text
        assert f"已重新生成 {SHEET}：文字已是现在的，请打开 PDF 核对后再签发。" in done, done
        assert _fresh(world, SHEET)
        card = done.split(SHEET, 2)[2].split("</li>", 1)[0]  # the card (after the flash's mention)
        assert "签发后又改过，需重新签发" in card and "印的是改动前的文字" not in card, card
        # the count line says what the cards say: the sheet made again waits to be signed again, the other to be made again
        assert "共 2 份，<b>1 份签发后又改过，需重新签发，1 份待重新生成（印的是改动前的文字）</b>" in done, done
        again = reviewer.post("/prints/remake", data=form).text  # the form sent twice: made once
        assert "已经重新生成过" in again

        page = reviewer.get("/prints").text
        form = {"csrf": csrf_of(page), "name": POSTERS_SHEET, "sha256": digest(world.project.folder / "posters" / "print" / POSTERS_SHEET)}
        assert f"已重新生成 {POSTERS_SHEET}" in reviewer.post("/prints/remake", data=form).text and _fresh(world, POSTERS_SHEET)
    made = digest(world.project.folder / "posters" / "print" / POSTERS_SHEET)
    code, said = world.project.qm("posters", "--from", "2027-09-01", "--to", "2027-09-01")  # as qm posters made it: not again
    assert code == 0 and digest(world.project.folder / "posters" / "print" / POSTERS_SHEET) == made, said


def test_two_presses_of_remake_at_once_make_the_sheet_once(world: World) -> None:
    """A double tap, or two reviewers: the second press waits for the first, finds the sheet made meanwhile and
    says so (before, both drew it, and one sometimes answered with an error page)."""
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)
    with httpx.Client(base_url=world.url, follow_redirects=True, timeout=120) as reviewer:
        http_login(reviewer, "李科长")
        form = {"csrf": csrf_of(reviewer.get("/prints").text), "name": SHEET, "sha256": digest(world.project.sheet)}

        def press() -> None:
            start.wait()
            answers.append(reviewer.post("/prints/remake", data=form))

        presses = [threading.Thread(target=press) for _ in range(2)]
        for thread in presses:
            thread.start()
        for thread in presses:
            thread.join()
    said = sorted("made" if f"已重新生成 {SHEET}" in a.text else "again" if "已经重新生成过" in a.text else a.text for a in answers)
    assert [a.status_code for a in answers] == [200, 200] and said == ["again", "made"], said
    assert _fresh(world, SHEET) and [p.name for p in world.project.sheet.parent.glob(".*tmp")] == []


@pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 Chromium（apt-get install chromium）")
@pytest.mark.parametrize("width", [375, 1280])
def test_a_signed_sheet_of_old_words_is_not_shown_in_the_green_of_ready(world: World, width: int, tmp_path: Path) -> None:
    with prints_in_chromium(world, width, 900) as page:
        card = page.locator(f"li.sheet:has-text('{SHEET}')")
        badge = card.locator(".state")
        assert "但印的是改动前的文字" in badge.inner_text()
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") != SIGNED_GREEN
        assert card.evaluate("e => getComputedStyle(e).borderLeftColor") != "rgb(26, 127, 55)"
        page.screenshot(path=str(tmp_path / f"prints-old-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click(f"li.sheet:has-text('{SHEET}') form.remake button")
        page.wait_for_load_state()
        assert f"已重新生成 {SHEET}" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / f"prints-remade-{width}.png"), full_page=True)
