"""Print PDFs as a print shop receives them: fonts embedded, text extractable, 3 mm bleed, crop marks.

Checked with poppler's own tools (pdffonts, pdftotext, pdfinfo, pdftoppm), as the shop's preflight would."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from scheduler.inputs.campaign_days import validity
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster.printjob import PrintSheet, chosen_items
from scheduler.poster.sheet_blocks import spread, two_sides
from tests.conftest import run_qm

POPPLER = ("pdffonts", "pdftotext", "pdfinfo", "pdftoppm")
if os.environ.get("CI") and not all(shutil.which(t) for t in POPPLER):  # CI installs poppler-utils: missing is a failure
    pytest.fail("poppler-utils (pdffonts, pdftotext, pdfinfo, pdftoppm) is not installed", pytrace=False)
pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in POPPLER), reason="poppler-utils not installed")

PT_PER_MM = 72 / 25.4
LEAFLET = ("goods-salt-iodised", "anti-fake-sc-code", "anti-fake-ccc-check", "goods-fuel-station", "food-drug-label-2025")


def _tool(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, timeout=60).stdout


def _boxes(pdf: Path) -> dict[str, list[float]]:
    out = _tool("pdfinfo", "-box", pdf)
    return {m[1]: [float(v) for v in m[2].split()] for m in re.finditer(r"^(\w+Box):\s+(.+)$", out, re.M)}


def _check_metadata(pdf: Path, subject: str) -> None:
    """Author and Subject as the shop's preflight (and the file's properties) show them."""
    info = dict(re.findall(r"^(\w+):[ \t]*(.*)$", _tool("pdfinfo", pdf), re.M))
    assert (info.get("Author"), info.get("Subject")) == ("市质量计量标准化工作联席会议办公室", subject), info


def _check_print_pdf(pdf: Path, paper_mm: tuple[float, float], texts: list[str], pages: int = 1) -> None:
    fonts = _tool("pdffonts", pdf).splitlines()[2:]
    assert fonts, "no fonts: the text was not set as text"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    text = _tool("pdftotext", pdf, "-")
    flat = re.sub(r"\s+", "", text)
    for t in texts:
        assert re.sub(r"\s+", "", t) in flat, (t, text[:400])
    boxes = _boxes(pdf)
    trim, bleed, media = boxes["TrimBox"], boxes["BleedBox"], boxes["MediaBox"]
    assert [round((trim[2] - trim[0]) / PT_PER_MM), round((trim[3] - trim[1]) / PT_PER_MM)] == list(paper_mm)
    for i, sign in ((0, -1), (1, -1), (2, 1), (3, 1)):
        assert round((bleed[i] - trim[i]) * sign / PT_PER_MM, 2) == 3.0  # 3 mm bleed on every side
        assert (media[i] - bleed[i]) * sign > 5 * PT_PER_MM  # room outside the bleed for the marks
    assert re.search(r"^Pages:\s+(\d+)$", _tool("pdfinfo", pdf), re.M)[1] == str(pages)  # type: ignore[index]
    _check_crop_marks(pdf, trim, bleed, media)


def _check_crop_marks(pdf: Path, trim: list[float], bleed: list[float], media: list[float]) -> None:
    """Rendered, each corner's slug (outside the bleed) has a dark horizontal and vertical mark in line with the trim."""
    dpi = 72
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    with Image.open(pdf.with_suffix(".png")) as img:
        gray = img.convert("L")
        height = media[3]

        def dark(x: float, y: float) -> bool:  # PDF points, origin bottom-left
            px, py = round(x), round(height - y)
            return any(gray.getpixel((px + dx, py + dy)) < 128 for dx in (-1, 0, 1) for dy in (-1, 0, 1))  # type: ignore[operator]

        for tx, bx, mx in ((trim[0], bleed[0], media[0]), (trim[2], bleed[2], media[2])):
            for ty, by, my in ((trim[1], bleed[1], media[1]), (trim[3], bleed[3], media[3])):
                outside_x, outside_y = (bx + mx) / 2, (by + my) / 2  # between the bleed and the page edge
                assert dark(outside_x, ty), f"no horizontal crop mark at ({tx:.0f}, {ty:.0f})"
                assert dark(tx, outside_y), f"no vertical crop mark at ({tx:.0f}, {ty:.0f})"
                assert not dark((bx + mx) / 2, (by + my) / 2)  # the corner itself stays blank: marks, not a frame


def _fill_operators(pdf: Path) -> set[str]:
    """The colour operators of the page contents: `rg` (RGB) or `k` (CMYK)."""
    found: set[str] = set()
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf.read_bytes(), re.S):
        try:  # reportlab writes page contents as ASCII85 over Flate, fonts as Flate
            data = zlib.decompressobj().decompress(base64.a85decode(raw.strip(), adobe=True) if raw.strip().endswith(b"~>") else raw)
        except (zlib.error, ValueError):
            continue
        found |= {m.decode() for m in re.findall(rb"(?:[\d.]+ ){3,4}(rg|k)\b", data)}
    return found


def test_wallchart_leaflet_and_poster_pass_preflight(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    wall = tmp_path / "挂图.pdf"
    result = run_qm("print", "wallchart", "--topic", "anti-fake", "--size", "a1", "-o", wall, "-c", config)
    assert result.returncode == 0, result.stderr
    assert "已生成挂图" in result.stdout
    _check_print_pdf(wall, (594, 841), ["识假辨假", "看懂SC编号", "投诉举报电话：12315", "市质量计量标准化工作联席会议办公室"])
    _check_metadata(wall, "印刷用挂图（A1，594×841 毫米，含 3 毫米出血和裁切线）")

    leaflet = tmp_path / "传单.pdf"
    result = run_qm("print", "leaflet", "--items", ",".join(LEAFLET), "-o", leaflet, "-c", config, "--cmyk")
    assert result.returncode == 0, result.stderr
    _check_print_pdf(leaflet, (210, 297), ["吃盐要适量", "加油认准正规站", "0456-0000000", "投诉举报电话：12315"], pages=2)
    assert _fill_operators(leaflet) == {"k"}  # every fill colour is CMYK
    _check_metadata(leaflet, "印刷用传单（A4，210×297 毫米，含 3 毫米出血和裁切线）")

    poster = tmp_path / "海报.pdf"
    result = run_qm("print", "knowledge-card", "--items", "anti-fake-sc-code", "--size", "a3", "-o", poster, "-c", config)
    assert result.returncode == 0, result.stderr
    _check_print_pdf(poster, (297, 420), ["看懂SC编号", "买食品认准SC编号", "主办：市质量计量标准化工作联席会议办公室", "12315"])
    assert _fill_operators(poster) == {"rg"}
    _check_metadata(poster, "印刷用海报（A3，297×420 毫米，含 3 毫米出血和裁切线）")


def test_a_leaflet_fills_its_two_sides_evenly_in_one_text_size(project: Callable[..., Path], tmp_path: Path) -> None:
    leaflet = tmp_path / "传单.pdf"
    assert run_qm("print", "leaflet", "--items", ",".join(LEAFLET), "-o", leaflet, "-c", project()).returncode == 0
    pages = re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', _tool("pdftotext", "-bbox", leaflet, "-"), re.S)
    sides = [
        [(float(y0), float(y1), w) for y0, y1, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', body)]
        for _, body in pages
    ]
    assert len(sides) == 2
    # the key line of each item follows its "▶": its height is the body text size
    key_lines = [[y1 - y0 for (_, _, mark), (y0, y1, _) in itertools.pairwise(side) if mark == "▶"] for side in sides]
    assert all(key_lines) and len({round(h, 1) for side in key_lines for h in side}) == 1, key_lines  # one text size on both sides
    for (height, _), side in zip(pages, sides, strict=True):
        last_item = max(y1 for _, y1, w in side if w == "▶")
        assert last_item > float(height) * 0.55, "the items bunch at the top of a side and leave its lower half empty"


def test_a_leaflet_shares_each_sides_white_above_and_below_its_items(project: Callable[..., Path], tmp_path: Path) -> None:
    # five items, two on the front: with the white under each item, the front's lower third was empty
    leaflet = tmp_path / "传单.pdf"
    assert run_qm("print", "leaflet", "--items", ",".join(LEAFLET), "-o", leaflet, "-c", project()).returncode == 0
    text = _tool("pdftotext", "-bbox", leaflet, "-")
    pages = re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', text, re.S)
    edge = (float(pages[0][0]) / PT_PER_MM - 210) / 2  # bleed and crop marks around the A4 trim, in mm
    for n, (_, body) in enumerate(pages):
        words = [(float(y0) / PT_PER_MM - edge, float(y1) / PT_PER_MM - edge, w) for y0, y1, w in WORD.findall(body)]
        top, bottom = (42 + 12, 297 - 12) if n == 0 else (12, 297 - 52 - 12)  # a side's room: under the header, over the contacts
        items = [(y0, y1) for y0, y1, _ in words if top - 1 < y0 and y1 < bottom + 1]
        above, below = items[0][0] - top, bottom - max(y1 for _, y1 in items)
        assert below < above + 15, f"side {n + 1}: {above:.0f} mm white above the items, {below:.0f} mm below"


WORD = re.compile(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<')


def _words(pdf: Path) -> tuple[float, float, list[tuple[float, float, float, str]]]:
    """The first page's width and height, and each word's xMax, yMin, yMax and text (pdftotext -bbox)."""
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', _tool("pdftotext", "-bbox", pdf, "-"), re.S)
    assert page is not None
    found = re.findall(r'yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', page.group(3))
    return float(page.group(1)), float(page.group(2)), [(float(x1), float(y0), float(y1), w) for y0, x1, y1, w in found]


def test_a_wallchart_of_one_item_spans_the_sheet_in_the_middle_and_suggests_a_poster(project: Callable[..., Path], tmp_path: Path) -> None:
    chart = tmp_path / "挂图.pdf"
    result = run_qm("print", "wallchart", "--items", "goods-salt-iodised", "-o", chart, "-c", project())
    assert result.returncode == 0, result.stderr
    assert "注意：挂图的内容太少：\n  - 挂图只有 1 条内容（goods-salt-iodised）" in result.stderr, result.stderr  # as the other notes
    assert "一两条内容更适合印成海报，每条一张，如：qm print knowledge-card --items goods-salt-iodised" in result.stderr
    width, height, words = _words(chart)
    mark = next(y0 for _, y0, _, w in words if w == "▶")  # the item's key line
    body = [(x1, y0, y1) for x1, y0, y1, w in words if height * 0.2 < y0 < mark]
    assert max(x1 for x1, _, _ in body) > width * 0.7, "one item stays in the left column and leaves the right half empty"
    middle = (min(y0 for _, y0, _ in body) + mark) / 2
    assert height * 0.4 < middle < height * 0.6, "the item sits at the top and leaves the lower half empty"
    many = run_qm("print", "wallchart", "--topic", "rights", "-o", tmp_path / "八条.pdf", "-c", project())
    assert many.returncode == 0 and "挂图只有" not in many.stderr, many.stderr


def test_print_keeps_a_file_o_names_unless_forced_as_qm_poster_does(project: Callable[..., Path], tmp_path: Path) -> None:
    config, out = project(), tmp_path / "x.pdf"
    out.write_bytes(b"the printer's proof, edited by hand")
    args = ("print", "knowledge-card", "--items", "anti-fake-sc-code", "-o", out, "-c", config)
    kept = run_qm(*args)
    assert kept.returncode == 2 and f"{out} 已存在，没有覆盖：用 -o 换一个文件名，或加 --force 覆盖它" in kept.stderr, kept.stderr
    assert out.read_bytes() == b"the printer's proof, edited by hand"
    kept = run_qm(*args[:-4], "-o", tmp_path, "-c", config)  # a folder: the default name in it, kept as well
    assert kept.returncode == 0, kept.stderr
    again = run_qm(*args[:-4], "-o", tmp_path, "-c", config)
    assert again.returncode == 2 and "已存在，没有覆盖" in again.stderr, again.stderr
    forced = run_qm(*args, "--force")
    assert forced.returncode == 0 and out.read_bytes().startswith(b"%PDF"), forced.stderr


def test_a_configured_wallchart_of_one_item_gives_the_same_note_naming_its_entry(project: Callable[..., Path]) -> None:
    entry = "    - {layout: wallchart, items: [goods-salt-iodised]}\n"
    config = project(lambda t: t.replace("posters:\n", f"posters:\n  print:\n{entry}", 1))
    at = config.read_text(encoding="utf-8").splitlines().index(entry.rstrip("\n")) + 1
    for run in ("made", "unchanged"):  # noted again when the sheet is not redrawn, as left-out items are
        result = run_qm("posters", "--from", "2027-09-01", "--to", "2027-09-01", "-c", config)
        assert result.returncode == 0, result.stderr
        assert (
            f"注意：印刷 PDF（posters.print）中挂图的内容太少：\n  - {config}:{at}：挂图只有 1 条内容（goods-salt-iodised），"
            "版面会留下大片空白" in result.stderr
        ), (run, result.stderr)
        instead = (
            "一两条内容更适合印成海报，每条一张：在 posters.print 中每条写一项，如 - {layout: knowledge-card, items: [goods-salt-iodised]}"
        )
        assert instead in result.stderr, result.stderr


def test_leaflet_sides_are_split_for_an_even_fill_keeping_the_order() -> None:
    # three tall items then two short ones: 3 + 2 would fill the front 88 % and the back 52 %
    assert two_sides([68, 68, 68, 58, 58], (231, 221)) == 2
    assert two_sides([50, 50, 50, 50], (200, 100)) == 3  # the side with more room takes more
    assert two_sides([150, 150, 150], (200, 200)) is None  # no split fits
    assert spread([60, 60], 200) == 40  # the white is shared out under each block
    assert spread([120, 90], 200) == 0  # never negative


def test_print_refuses_what_does_not_fit_with_the_sizes_that_do(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    cases = [
        (("leaflet", "--items", "goods-salt-iodised,anti-fake-sc-code"), "传单要有 4–6 条内容，现在是 2 条"),
        (("leaflet", "--items", ",".join(LEAFLET), "--size", "a2"), "传单不能印成尺寸 a2：它适合的尺寸是 a4"),
        (("knowledge-card", "--items", "goods-salt-iodised", "--size", "a4"), "海报版式 知识卡片（knowledge-card）不能印成尺寸 a4"),
        (("wallchart", "--topic", "anti-fake", "--size", "a4"), "挂图不能印成尺寸 a4：它适合的尺寸是 a2"),
        (("wallchart", "--topic", "no-such-topic"), "没有主题或领域 'no-such-topic'"),
        (("knowledge-card", "--items", "nope"), "没有这些内容编号：nope"),
        (("knowledge-card", "--items", "goods-salt-iodised,anti-fake-sc-code"), "海报版式 知识卡片（knowledge-card）一次印一条内容"),
        (("nope", "--topic", "anti-fake"), "没有版式 'nope'"),
    ]
    for args, message in cases:
        out = tmp_path / "x.pdf"
        result = run_qm("print", *args, "-o", out, "-c", config)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr and not out.exists() and not list(tmp_path.glob(".x.pdf*"))


def test_print_leaves_out_or_refuses_items_not_valid_during_the_campaign(project: Callable[..., Path], tmp_path: Path) -> None:
    campaign = load_campaign(project())
    library = load_library(campaign.paths.content, campaign.text_values)
    outdated = library.by_id["anti-fake-sc-transition"]  # valid to 2018-09-30; the campaign is in 2027
    assert outdated.area == "rights" and outdated.topic == "anti-fake"
    for topic in ("rights", "anti-fake"):  # chosen by area or by topic: left out, the valid ones kept
        chosen = [t.id for t in chosen_items(campaign, PrintSheet("wallchart", "a2", topic), library, campaign.start)]
        assert "anti-fake-sc-transition" not in chosen and "anti-fake-sc-code" in chosen, chosen
    out = tmp_path / "卡.pdf"
    result = run_qm("print", "knowledge-card", "--items", "anti-fake-sc-transition", "-o", out, "-c", campaign.config_path)
    assert result.returncode == 2 and not out.exists() and "Traceback" not in result.stderr, result.stderr
    where = outdated.where("valid_to")
    assert re.match(r".+anti-fake-sc-transition\.md:\d+$", where)
    assert f"{where}：内容 anti-fake-sc-transition" in result.stderr
    assert "有效期是 2015-10-01 至 2018-09-30，不在活动期 2027-09-01 至 2027-09-30 内" in result.stderr
    assert "换一条在活动期内有效的内容" in result.stderr


def test_posters_batch_makes_the_configured_print_sheets_once(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project(lambda t: t.replace("posters:\n", "posters:\n  print:\n    - {layout: wallchart, topic: anti-fake, size: a2}\n", 1))
    result = run_qm("posters", "--from", "2027-09-01", "--to", "2027-09-01", "-c", config)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "posters" / "print" / "wallchart-anti-fake-a2.pdf"
    _check_print_pdf(pdf, (420, 594), ["识假辨假", "12315"])
    assert "新生成 1 份" in result.stdout
    # the sign-off reminder tells the sheet waits without creating the queue database
    assert result.stdout.strip().splitlines()[-1].startswith("印刷品 1 份，1 份待签发"), result.stdout
    assert not (tmp_path / ".qm" / "qm.sqlite3").exists()
    again = run_qm("posters", "--from", "2027-09-01", "--to", "2027-09-01", "-c", config)
    assert "未变化跳过 1 份" in again.stdout, again.stdout
    bad = project(lambda t: t.replace("posters:\n", "posters:\n  print:\n    - {layout: wallchart}\n", 1))
    result = run_qm("check", "-c", bad)
    assert result.returncode == 2 and "posters.print[0] 要写 topic" in result.stderr, result.stderr


def test_sheets_made_one_after_another_in_one_run_each_carry_all_their_characters(project: Callable[..., Path], tmp_path: Path) -> None:
    """A wall chart, then a leaflet of other words, in one `qm posters`: the leaflet's embedded faces are its own
    (once they were swapped for the wall chart's, of the same weight, and its other characters came out as boxes)."""
    sheets = f"    - {{layout: wallchart, topic: rights, size: a2}}\n    - {{layout: leaflet, items: [{', '.join(LEAFLET)}]}}\n"
    config = project(lambda t: t.replace("posters:\n", "posters:\n  print:\n" + sheets, 1))
    result = run_qm("posters", "--from", "2027-09-01", "--to", "2027-09-01", "-c", config)
    assert result.returncode == 0, result.stderr
    leaflet = next((tmp_path / "posters" / "print").glob("leaflet-*.pdf"))
    _check_print_pdf(leaflet, (210, 297), ["吃盐要适量，碘盐要会选", "买盐看包装，认准正规渠道"], pages=2)
    names = [line.split()[0].split("+")[-1] for line in _tool("pdffonts", leaflet).splitlines()[2:]]
    assert len(set(names)) == 3, names  # regular, bold and heavy, each a face of its own


def test_an_items_validity_reads_as_a_sentence_whichever_end_is_open(project: Callable[..., Path]) -> None:
    campaign = load_campaign(project())
    item = load_library(campaign.paths.content, campaign.text_values).by_id["anti-fake-sc-transition"]
    assert validity(item) == "2015-10-01 至 2018-09-30"
    assert validity(dataclasses.replace(item, valid_to=None)) == "自 2015-10-01 起"
    assert validity(dataclasses.replace(item, valid_from=None)) == "到 2018-09-30 为止"
    assert validity(dataclasses.replace(item, valid_from=None, valid_to=None)) == "不限"
