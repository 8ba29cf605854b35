"""The console's 印刷品 page: the print sheets with their sign-off state, the PDF, and the 签发 button for reviewers
and above (the real application on loopback over a real SQLite queue; one look in Chromium at 375 px)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.publishing.print_signoffs import sign, signoffs
from scheduler.web.accounts import Accounts
from scheduler.web.app import Console, create_app
from scheduler.web.server import Server
from tests.browser_helpers import CHROMIUM, chromium
from tests.test_print_signoff import SHEET, Project, copy_project, digest
from tests.web_helpers import PASSWORD, csrf_of, http_login, login

SHA_RE = re.compile(r'name="sha256" value="([0-9a-f]{64})"')


@dataclass
class World:
    project: Project
    console: Console
    url: str


@contextmanager
def served(project: Project) -> Iterator[World]:
    """The console on loopback for `project`, with an editor 王编辑 and a reviewer 李科长."""
    campaign = load_campaign(project.config)
    engine = open_db(campaign.db_url)
    console = Console(campaign, engine)
    accounts = Accounts(engine)
    accounts.add("王编辑", "editor", PASSWORD, console.now())
    accounts.add("李科长", "reviewer", PASSWORD, console.now())
    server = Server(create_app(console), "127.0.0.1", 0)
    server.start()
    try:
        yield World(project, console, server.url)
    finally:
        server.shutdown()
        engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    project = Project(copy_project(tmp_path_factory.mktemp("signoff-web")))
    project.make_sheet()
    with served(project) as world:
        yield world


@contextmanager
def prints_in_chromium(world: World, width: int, height: int = 800) -> Iterator[Any]:
    """The 印刷品 page in Chromium `width` px wide, signed in as the reviewer 李科长."""
    with chromium(width, height) as browser:
        page: Any = browser.new_page()
        login(page, world.url, "李科长")
        page.goto(f"{world.url}/prints")
        yield page


def signed(world: World) -> list[tuple[str, str]]:
    return [(s.sha256, s.who) for s in signoffs(world.console.engine).get(SHEET, [])]


def test_reviewers_sign_off_the_bytes_the_page_showed(world: World) -> None:
    with httpx.Client(base_url=world.url) as editor:
        http_login(editor, "王编辑")
        page = editor.get("/prints").text
        assert SHEET in page and "待签发" in page and "签发需要审核人或管理员的账号" in page
        assert 'action="/prints/sign"' not in page
        pdf = editor.get(f"/prints/file/{SHEET}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content == world.project.sheet.read_bytes()
        shown = digest(world.project.sheet)
        tried = editor.post("/prints/sign", data={"csrf": csrf_of(page), "name": SHEET, "sha256": shown}, follow_redirects=True)
        assert "这个操作只有审核人、管理员能用" in tried.text and signed(world) == []

    with httpx.Client(base_url=world.url) as reviewer:
        http_login(reviewer, "李科长")
        page = reviewer.get("/prints").text
        assert SHA_RE.findall(page) == [shown]
        form = {"csrf": csrf_of(page), "name": SHEET, "sha256": shown}
        assert reviewer.post("/prints/sign", data={**form, "csrf": "x"}).status_code == 403 and signed(world) == []

        original = world.project.sheet.read_bytes()  # made again after the page was shown: other bytes
        world.project.sheet.write_bytes(original + b"%\n")
        tried = reviewer.post("/prints/sign", data=form, follow_redirects=True)
        assert f"打开页面之后，{SHEET} 又重新生成过" in tried.text and signed(world) == []

        world.project.sheet.write_bytes(original)
        done = reviewer.post("/prints/sign", data={**form, "note": "已核对"}, follow_redirects=True)
        assert f"已签发 {SHEET}：这份文件可以交给印刷厂" in done.text and "已签发（李科长（web）" in done.text
        assert signed(world) == [(shown, "李科长（web）")]
        again = reviewer.post("/prints/sign", data=form, follow_redirects=True)  # the form sent twice
        assert again.status_code == 200 and signed(world) == [(shown, "李科长（web）")]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 Chromium（apt-get install chromium）")
def test_the_print_page_on_a_phone(world: World, tmp_path: Path) -> None:
    # signed off as the test above does (it may run in another worker): the same bytes twice record nothing new
    sign(world.console.engine, SHEET, digest(world.project.sheet), "李科长（web）", world.console.now(), "")
    world.project.sheet.write_bytes(world.project.sheet.read_bytes() + b"%\n")  # replaced by other bytes: signed again
    with prints_in_chromium(world, 375) as page:
        assert "签发后又改过，需重新签发（上次签发：李科长（web）" in page.inner_text("main")
        assert "不知道这份文件印了哪些内容" in page.inner_text("main")
        page.screenshot(path=str(tmp_path / "prints-375.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.check("input[name=despite]")  # the concern is looked at before signing
        page.click("form.sign button[type=submit]")
        page.wait_for_load_state()
        assert f"已签发 {SHEET}：你核对过上面的问题，仍然签发了，这份文件可以交给印刷厂" in page.inner_text("main")
        assert len(signed(world)) == 2
