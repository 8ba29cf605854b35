"""qm's own Chinese font (tens of megabytes) is downloaded only by a browser on a machine with no Chinese font.

A phone's Chinese font is found by no name a style sheet can give, so naming fonts cannot tell a phone from
a bare server: the console asks the browser whether anything draws Chinese (static/cjk-font.js). Each case
runs Chromium with a font configuration of its own: only DejaVu (no Chinese at all), or DejaVu and a Noto
CJK collection installed as a system font under a name the style sheet does not give (as on a phone).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.poster.fonts import candidates
from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api
from tests.web_helpers import Running, console_server, local

need_chromium()
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.fixture(scope="module")
def running(heihe: Campaign, heihe_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path_factory.mktemp("console")), heihe_plan) as r:
        yield r


# A phone's font: every Noto CJK face renamed as it is scanned, so no name in the style sheet finds it.
RENAMED = (
    '<match target="scan"><test name="family" compare="contains"><string>CJK</string></test>'
    + "".join(
        f'<edit name="{f}" mode="assign_replace"><string>Phone Sans</string></edit>' for f in ("family", "fullname", "postscriptname")
    )
    + "</match>"
)


def _fonts_conf(folder: Path, *dirs: Path) -> Path:
    """A fontconfig file that knows only the fonts in `dirs` (no fonts of this machine), Noto CJK renamed."""
    listed = "".join(f"<dir>{d}</dir>" for d in dirs)
    conf = folder / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{listed}{RENAMED}'
        f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return conf


def _visit(url: str, conf: Path) -> tuple[bool, list[str], list[dict[str, Any]]]:
    """Open the login page in Chromium seeing only the fonts of `conf`: whether <html> asked for qm's font,
    the font files requested, and the fonts the Chinese of the page's heading was drawn with."""
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS, env=env)
        try:
            page = browser.new_page(viewport={"width": 375, "height": 800})
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url) if "/static/font/" in r.url else None)
            page.goto(f"{url}/login")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.wait_for_load_state("networkidle")
            asked = page.evaluate("document.documentElement.classList.contains('qm-cjk')")
            cdp = page.context.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            root = cdp.send("DOM.getDocument")["root"]["nodeId"]
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        finally:
            browser.close()
    return asked, requested, fonts


def test_a_machine_without_a_chinese_font_downloads_qms(running: Running, tmp_path: Path) -> None:
    asked, requested, fonts = _visit(running.url, _fonts_conf(tmp_path, DEJAVU))
    assert asked and any(u.endswith("/static/font/qm-cjk.ttc") for u in requested), requested
    assert any("CJK" in f["familyName"] and f["glyphCount"] >= 2 for f in fonts), fonts  # drawn, not boxes


def test_a_machine_with_a_chinese_font_of_any_name_downloads_nothing(running: Running, tmp_path: Path) -> None:
    bundled = candidates(None, system=False)[0].path  # a Noto CJK collection, as the system's own font
    asked, requested, fonts = _visit(running.url, _fonts_conf(tmp_path, DEJAVU, bundled.parent))
    assert not asked and requested == [], requested
    assert any(not f["isCustomFont"] and f["glyphCount"] >= 2 for f in fonts), fonts  # the system's font
