"""`qm preview`'s page read on a phone (375 px): nothing runs off the right edge, at desk width the
columns stand side by side as before."""

from __future__ import annotations

from pathlib import Path

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
