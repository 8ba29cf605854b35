"""`qm preview`'s page read on a phone (375 px): nothing runs off the right edge, at desk width the
columns stand side by side as before."""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops

from scheduler.inputs.config import load_campaign
from scheduler.support.values import ImageRef
from scheduler.views.placeholder import placeholder_src
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


def _latin_only_fonts(at: Path) -> dict[str, str]:
    """An environment whose Chromium sees no Chinese font (a server's bare font set): DejaVu only."""
    conf = at / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{at / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _ink_bands(picture: Image.Image) -> list[int]:
    """The heights (px) of the runs of rows holding ink: a placeholder's lines of words."""
    grey = picture.convert("L")
    data, width = grey.tobytes(), grey.width
    background = data[0]
    rows = [any(abs(v - background) > 40 for v in data[y * width : (y + 1) * width]) for y in range(grey.height)]
    bands, run = [], 0
    for inked in [*rows, False]:
        if inked:
            run += 1
        elif run:
            bands, run = [*bands, run], 0
    return bands


def test_a_poster_not_drawn_yet_says_so_in_chinese_a_phone_reads_without_a_chinese_system_font(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """The placeholder is drawn with qm's own font: on a machine whose browser has no Chinese font its words
    are words (two layouts' placeholders differ), not rows of empty boxes (before: an SVG <img>, which cannot
    use the page's font); it names the layout in Chinese, without its file name or size; its lines read at
    least 10 px tall at a phone's width (before: 9 px type)."""
    campaign = load_campaign(project())
    srcs = [placeholder_src(campaign, ImageRef("", "x", layout, "wechat-cover"), "") for layout in ("knowledge-card", "slogan")]
    assert all(src.startswith("data:image/png;base64,") for src in srcs)
    page = tmp_path / "two.html"
    page.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        + "".join(f'<img id="p{i}" src="{src}" style="width:343px;height:146px;display:block">' for i, src in enumerate(srcs))
        + "</body></html>",
        encoding="utf-8",
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS, env=_latin_only_fonts(tmp_path))
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto(page.as_uri())
            shots = [phone.locator(f"#p{i}").screenshot() for i in range(2)]
        finally:
            browser.close()
    shown, other = (Image.open(io.BytesIO(shot)).convert("L") for shot in shots)
    differ = sum(1 for v in ImageChops.difference(shown, other).tobytes() if v > 40)
    assert differ > 100, differ  # boxes for missing glyphs look alike whatever the words (before: 0 pixels)
    bands = _ink_bands(shown)
    assert len(bands) == 4 and min(bands) >= 10, bands  # 海报还没有画出, its name, who draws it, what to run
    made = run_qm("preview", "2016-09-08", "-c", HEIHE, "-o", tmp_path)
    assert made.returncode == 0, made.stderr
    html = (tmp_path / "preview-2016-09-08.html").read_text(encoding="utf-8")
    assert "data:image/svg+xml" not in html and "data:image/png;base64," in html


LINES_JS = """(el) => {
  const lines = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      if (!r.width) continue;
      const last = lines[lines.length - 1];
      if (last && Math.abs(last.top - r.top) < r.height / 2) {
        last.gap = Math.max(last.gap, r.left - last.right); last.text += node.data[i]; last.right = r.right;
      } else lines.push({top: r.top, right: r.right, text: node.data[i], gap: 0});
    }
  }
  return lines.map(l => [l.text, l.gap]);
}"""


def test_at_a_phones_width_numbers_and_links_stay_whole(project: Callable[..., Path], tmp_path: Path) -> None:
    """A Weibo card breaks neither the hotline (before: “0453-3” / “522315”) nor a link inside a word (before:
    “http” / “s://”); the header's theme is not followed by a separator left hanging at the end of its line."""
    config = project(lambda text: text.replace('hotline: "12315"', 'hotline: "0453-3522315"'))
    made = run_qm("preview", "2027-09-08", "-c", config, "-o", tmp_path)
    assert made.returncode == 0, made.stderr
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto((tmp_path / "preview-2027-09-08.html").as_uri())
            header = phone.locator("header p").first.inner_text()
            card_lines: list[str] = []
            for width in range(320, 430, 3):  # phones of every width: where a line ends moves with it
                phone.set_viewport_size({"width": width, "height": 800})
                card_lines += [text for el in phone.locator(".card .text").element_handles() for text, _ in phone.evaluate(LINES_JS, el)]
        finally:
            browser.close()
    assert any("0453-3522315" in text for text in card_lines), card_lines
    assert not [t for t in card_lines if re.search(r"0453-\d{0,6}$|https?:?/?/?$|^[:/]", t)], card_lines
    assert "｜" not in header, header


def test_the_month_plan_reads_as_a_list_of_days_on_a_phone_and_as_a_grid_on_a_desk(tmp_path: Path) -> None:
    """`qm plan --format html` at 375 px: every post's time and title shows whole, each day named with its date
    and weekday (before: seven columns of “07…”, “20…”); at desk width the seven-column grid stays."""
    page = tmp_path / "plan.html"
    made = run_qm("plan", "--format", "html", "-o", page, "-c", HEIHE)
    assert made.returncode == 0, made.stderr
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.goto(page.as_uri())
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375
            cut = phone.evaluate("[...document.querySelectorAll('.post')].filter(e => e.scrollWidth > e.clientWidth + 1).length")
            days = phone.evaluate(
                "[...document.querySelectorAll('td')].filter(e => e.offsetParent).map(e => e.querySelector('.day').innerText)"
            )
            desk = browser.new_page(viewport={"width": 1280, "height": 900})
            desk.goto(page.as_uri())
            tops = desk.evaluate("[...document.querySelector('table').rows[1].cells].map(e => Math.round(e.getBoundingClientRect().top))")
        finally:
            browser.close()
    assert cut == 0
    assert days[0] == "9月1日 星期四" and "9月8日 星期四 启动日" in days and days[29] == "9月30日 星期五", days[:31]
    assert len(tops) == 7 and len(set(tops)) == 1  # a week side by side


def test_a_poster_not_drawn_yet_is_a_small_picture_named_as_its_family_names_the_layout(project: Callable[..., Path]) -> None:
    """A day page carries one placeholder per poster not drawn: a few KB each (before: 30–57 KB), and the layout is
    named as the posters page names it, in the family of the item's area (知识卡片（知识单）, not 知识卡片)."""
    from scheduler.views.placeholder import placeholder_lines

    campaign = load_campaign(project())
    for size in ("wechat-cover", "square", "1080x1920", "1920x1080"):
        src = placeholder_src(campaign, ImageRef("", "x", "knowledge-card", size), "")
        assert len(src) < 12_000, (size, len(src))
        with Image.open(io.BytesIO(base64.b64decode(src.partition(",")[2]))) as picture:
            assert picture.width <= 540, picture.size
    families = dict(campaign.posters.families)
    sheet = next(area for area, family in families.items() if family == "sheet")
    photo = next(area for area, family in families.items() if family == "photo")
    for area, label in ((sheet, "知识卡片（知识单）"), (photo, "知识卡片（照片）"), ("", "知识卡片")):
        assert placeholder_lines(campaign, ImageRef("", "x", "knowledge-card", "square"), area)[1][0] == label, area
