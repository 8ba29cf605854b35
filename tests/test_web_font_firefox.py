"""The console's Chinese-font question (static/cjk-font.js) asked in Firefox, not only in Chromium.

Firefox draws a character it has no font for as a small box holding its code point, on a canvas too, so a
machine with Firefox and no Chinese font at all must still be told to download qm's font (it was not: 国's
box and an unknown character's box differ). Playwright cannot drive Debian's Firefox; its own headless
screenshot is enough: a page that loads the real script and turns black when the script asks for the font.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from scheduler.poster.fonts import candidates
from tests.browser_helpers import IN_CI
from tests.test_web_font import DEJAVU, _fonts_conf

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
if FIREFOX is None and not IN_CI:
    pytest.skip("需要 Firefox（apt-get install firefox-esr），.ci/run 会自动安装", allow_module_level=True)
SCRIPT = Path(__file__).resolve().parents[1] / "scheduler" / "web" / "static" / "cjk-font.js"
PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><script src="{script}"></script>'
    "<style>html.qm-cjk body{{background:#000}}body{{background:#fff;margin:0}}</style></head><body></body></html>"
)


def _asks_for_the_font(tmp_path: Path, conf: Path) -> bool:
    """Whether Firefox, seeing only the fonts of `conf`, put the qm-cjk class on <html>."""
    assert FIREFOX, "需要 Firefox（apt-get install firefox-esr）"
    page = tmp_path / "page.html"
    page.write_text(PAGE.format(script=SCRIPT.as_uri()), encoding="utf-8")
    shot = tmp_path / "shot.png"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path / "home"), "MOZ_HEADLESS": "1"}
    profile = tmp_path / "profile"
    profile.mkdir()
    command = [FIREFOX, "--headless", "--no-remote", "--profile", str(profile), "--screenshot", str(shot)]
    subprocess.run([*command, "--window-size=200,200", page.as_uri()], env=env, check=True, capture_output=True, timeout=120)
    with Image.open(shot) as image:
        return image.convert("L").getpixel((100, 100)) == 0


def test_firefox_without_a_chinese_font_asks_for_qms(tmp_path: Path) -> None:
    assert _asks_for_the_font(tmp_path, _fonts_conf(tmp_path, DEJAVU))


def test_firefox_with_a_chinese_font_of_any_name_asks_for_nothing(tmp_path: Path) -> None:
    bundled = candidates(None, system=False)[0].path
    assert not _asks_for_the_font(tmp_path, _fonts_conf(tmp_path, DEJAVU, bundled.parent))
