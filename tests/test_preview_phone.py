"""`qm preview`'s page read on a phone (375 px): nothing runs off the right edge, at desk width the
columns stand side by side as before."""

from __future__ import annotations

import base64
from pathlib import Path
from xml.etree import ElementTree

from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api

from .conftest import HEIHE, run_qm

need_chromium()


def test_the_preview_fits_a_phone_and_keeps_its_columns_on_a_desk(tmp_path: Path) -> None:
    made = run_qm("preview", "2016-09-08", "-c", HEIHE, "-o", tmp_path)
    assert made.returncode == 0, made.stderr
    page_url = (tmp_path / "preview-2016-09-08.html").as_uri()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto(page_url)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375
            wide = phone.evaluate("[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 375.5).length")
            assert wide == 0
            phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)

            desk = browser.new_page(viewport={"width": 1440, "height": 900})
            desk.goto(page_url)
            tops = desk.evaluate("[...document.querySelectorAll('section.col')].map(e => Math.round(e.getBoundingClientRect().top))")
            assert len(tops) >= 2 and len(set(tops)) == 1  # side by side
        finally:
            browser.close()


def test_a_poster_not_drawn_yet_says_so_in_type_a_phone_reads(tmp_path: Path) -> None:
    """The cover's placeholder, shown the phone's width wide, names the poster and the command in letters
    of at least 12 px (before: one line of 9 px)."""
    made = run_qm("preview", "2016-09-08", "-c", HEIHE, "-o", tmp_path)
    assert made.returncode == 0, made.stderr
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto((tmp_path / "preview-2016-09-08.html").as_uri())
            cover = phone.locator(".phone img.cover").first
            shown = cover.bounding_box()
            src = cover.get_attribute("src")
        finally:
            browser.close()
    assert shown is not None and src is not None and src.startswith("data:image/svg+xml;base64,")
    svg = ElementTree.fromstring(base64.b64decode(src.partition(",")[2]))
    width = float(svg.attrib["width"])
    texts = {t.text: float(t.attrib["font-size"]) * shown["width"] / width for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert "海报还没有画出" in texts and any("qm posters" in (t or "") for t in texts), texts
    assert min(texts.values()) >= 12, texts
