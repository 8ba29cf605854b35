"""Print sheets whose words changed after they were made: signing one despite that never says it may go to the
printer (`qm sign` and the console's 印刷品 page, the real application over a real SQLite queue)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.test_print_signoff import CONTENT, ITEM, SHEET, Project, copy_project, digest
from tests.test_print_signoff_web import World, served
from tests.web_helpers import csrf_of, http_login

LEAFLET_ITEMS = f"{ITEM},goods-salt-iodised,brand-gi-what,brand-why-brand"
LEAFLET = f"leaflet-{ITEM}-goods-salt-iodised-等-a4.pdf"  # the file's name holds two of its four items
FIT = "这份文件可以交给印刷厂"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two sheets made by qm print (a knowledge card and a leaflet), both printing ITEM, whose words then change."""
    project = Project(copy_project(tmp_path_factory.mktemp("signoff-changed")))
    project.make_sheet()
    code, said = project.qm("print", "leaflet", "--items", LEAFLET_ITEMS)
    assert code == 0, said
    content = project.folder / CONTENT
    content.write_text(content.read_text(encoding="utf-8").replace("辨认食品“身份证”", "认清食品“身份证”"), encoding="utf-8")
    with served(project) as world:
        yield world


def test_the_console_signing_a_sheet_of_old_words_says_it_is_not_for_the_printer(world: World) -> None:
    with httpx.Client(base_url=world.url) as reviewer:
        http_login(reviewer, "李科长")
        page = reviewer.get("/prints").text
        form = {"csrf": csrf_of(page), "name": SHEET, "sha256": digest(world.project.sheet), "despite": "1"}
        done = reviewer.post("/prints/sign", data=form, follow_redirects=True).text
        assert "已签发：你核对过上面的问题，仍然签发了；但这份文件印的是改动前的文字，还不能交给印刷厂" in done, done
        assert FIT not in done
        assert "但印的是改动前的文字（重新生成后再签发）" in done  # the sheet's own line says the same


def test_qm_sign_of_a_sheet_of_old_words_says_it_is_not_for_the_printer(world: World) -> None:
    code, said = world.project.qm("sign", LEAFLET, "--by", "李科长", "--despite")
    assert code == 0 and f"已签发 {LEAFLET}（李科长；" in said, said
    assert "你核对过上面的问题，仍然签发了；但这份文件印的是改动前的文字，还不能交给印刷厂" in said and FIT not in said, said
