"""Rules every poster keeps, over every item × layout × size of both example configs (arranged, not painted)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.poster import fonts, rules, sizes
from scheduler.poster.arrange import Placed, arrange
from scheduler.poster.audit import audit
from scheduler.poster.draw import breaches
from scheduler.poster.layout import FAMILIES, family_folder, layout_names, load_layout
from scheduler.poster.linebreak import break_lines
from scheduler.poster.rules import Seen, contrast, hotline_px, safe_square
from scheduler.poster.texts import PosterText, fields
from scheduler.rendering.payloads import Renderer
from scheduler.screens.playlist import make_playlist
from tests.conftest import DEFAULT, HEIHE, ROOT, run_qm

LAYOUTS = layout_names(ROOT / "templates" / "posters")  # the layouts both examples use


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("config", [DEFAULT, HEIHE], ids=["2027", "heihe-2016"])
def test_every_item_and_size_keeps_the_rules_in_each_layout(config: Path, layout: str) -> None:
    """One test per layout so that the audit, the slowest check of all, spreads over the test workers."""
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    result = audit(campaign, library, layouts=[layout])
    assert result.failures == []
    assert result.breaches == []
    # every item is arranged on some size of every layout; the others are refused with the sizes that fit
    assert result.arranged >= len(library.items)
    assert result.combinations == len(library.items) * len(sizes.names(campaign))
    if layout == "banner":
        assert result.refused > 0  # a banner on a square
    assert campaign.paths.templates / "posters" == ROOT / "templates" / "posters"


def test_the_rules_catch_a_poster_that_breaks_them(project: Callable[..., Path]) -> None:
    """A layout with small gold text on red, the hotline tiny, a QR code and a left-set title breaks the rules."""
    config = project()
    bad = config.parent / "templates" / "posters" / "bad.yaml"
    bad.write_text(
        "label: 坏版式\nvariants:\n  wide:\n    background: primary\n    regions:\n"
        '      title: {box: [0.02, 0.05, 0.5, 0.5], text: "{title}", weight: heavy, color: background, align: left, max: 0.2, min: 0.08}\n'
        '      subtitle: {box: [0.02, 0.6, 0.5, 0.1], text: "{line}", color: accent, max: 0.012, min: 0.005}\n'
        "      qr: {box: [0.8, 0.1, 0.15, 0.4]}\n"
        '      footer: {box: [0, 0.85, 1, 0.15], text: "主办：{organizer}", color: background, max: 0.05, min: 0.03}\n',
        encoding="utf-8",
    )
    campaign = load_campaign(config)
    layout = load_layout(campaign.paths.templates / "posters", "bad")
    item = load_library(campaign.paths.content, campaign.text_values).by_id["goods-salt-iodised"]
    font = fonts.candidates(None)[0]
    for size_name in ("wechat-cover", "center"):
        size = sizes.resolve(size_name, campaign)
        values = fields(campaign, PosterText.of(item))
        arr = arrange(layout, size, values, campaign.brand, font, "test")
        found = {b.rule for b in breaches(arr, campaign.brand, values)}
        assert "对比度" in found  # gold on red at 3.24:1, small
        assert "热线" in found  # a footer without the hotline
    size = sizes.resolve("wechat-cover", campaign)
    arr = arrange(layout, size, values, campaign.brand, font, "test")
    assert all(p.region.name != "qr" for p in arr.placed)  # never drawn on a cover
    title = next(p for p in arr.placed if p.region.name == "title")
    left, right = safe_square(size) or (0, 0)
    assert left <= title.box[0] and title.box[0] + title.box[2] <= right  # kept inside the 1:1 centre
    assert contrast("#F2B705", "#C8102E") == pytest.approx(3.24, abs=0.01)
    square = sizes.resolve("wechat-square", campaign)
    assert hotline_px(square) == 20
    tiny = Seen("footer", (0, 450, 500, 50), ("投诉举报电话 12315",), 13, "regular", "#FFFFFF", hotline=True)
    found = rules.breaches(square, "square", [tiny], lambda _: {"#1F4E9D"}, {"hotline": "12315"}, lambda *_: 100.0, False, True)
    assert [b.rule for b in found] == ["热线字号"]
    split = Seen(
        "footer",
        (0, 440, 500, 60),
        ("主办：市质量计量标准化工作联席会议", "办公室　投诉举报电话：12315"),
        20,
        "regular",
        "#FFFFFF",
        hotline=True,
    )
    values = {"hotline": "12315", "organizer": campaign.organizer}
    found = rules.breaches(square, "square", [split], lambda _: {"#1F4E9D"}, values, lambda *_: 100.0, False, True)
    assert [b.rule for b in found] == ["页脚拆开"]


def test_no_widows_and_codes_kept_with_their_numbers() -> None:
    def han(text: str) -> float:
        return float(len(text))

    assert break_lines("请缩短这段文字签。", 8, han).lines == ("请缩短这段", "文字签。")
    lines = break_lines("车用汽油执行GB 17930、柴油执行GB 19147。", 12, han).lines
    assert not any(line.endswith("GB") for line in lines) and "GB 19147。" in "".join(f"{x}\n" for x in lines)
    assert break_lines("GB/T 15834-2011", 10, han).lines == ("GB/T", "15834-2011")  # wider than a line: split at the space


def test_a_layout_refuses_sizes_it_does_not_fit_and_says_which_fit(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    result = run_qm(
        "poster", "goods-salt-iodised", "--layout", "knowledge-card", "--size", "banner", "-o", tmp_path / "x.png", "-c", config
    )
    assert result.returncode == 2
    assert (
        "版式 知识卡片（knowledge-card）不适合尺寸 banner" in result.stderr and "适合的尺寸有 wechat-cover、wechat-square" in result.stderr
    )
    result = run_qm("poster", "goods-salt-iodised", "--layout", "banner", "--size", "square", "-o", tmp_path / "x.png", "-c", config)
    assert result.returncode == 2 and "适合的尺寸有 banner" in result.stderr and "最小字号" not in result.stderr
    result = run_qm("poster", "goods-salt-iodised", "--layout", "banner", "--size", "banner", "--explain", "-c", config)
    assert result.returncode == 0 and "，" not in result.stdout.split('"lines"')[1].split("]")[0]  # 横幅 use spaces


def test_no_picture_made_for_a_screen_carries_a_qr_code() -> None:
    """Each picture a screen post asks for (its slide at the screen's pixel size, `WxH`), in every family, is arranged
    without a QR block although the campaign has a QR link; the same launch layout keeps its code where phones scan it."""
    campaign = load_campaign(DEFAULT)
    library = load_library(campaign.paths.content, campaign.text_values)
    renderer = Renderer(campaign)
    asked = {
        (image.layout, image.size)
        for post in make_plan(campaign, library).posts
        if post.channel.startswith("screen:")
        for image in renderer.render(post).images
    }
    assert campaign.brand.qr_link and {"1920x1080", "1080x1920"} <= {size for _, size in asked}
    assert {"launch", "screen-slide"} <= {layout for layout, _ in asked}
    font = fonts.candidates(None)[0]
    item = library.by_id["publicity-launch-invitation"]
    values = fields(campaign, PosterText.of(item))
    for layout_name, size_name in sorted(asked):
        size = sizes.resolve(size_name, campaign)
        for family in FAMILIES:
            layout = load_layout(family_folder(campaign.paths.templates, family), layout_name)
            if layout.fits(size.width, size.height):
                arr = arrange(layout, size, values, campaign.brand, font, "test", campaign.posters.photo)
                assert all(p.region.name != "qr" for p in arr.placed), (family, layout_name, size_name)
    launch = load_layout(campaign.paths.templates / "posters", "launch")
    for phone in ("portrait", "square"):
        arr = arrange(launch, sizes.resolve(phone, campaign), values, campaign.brand, font, "test")
        assert any(p.region.name == "qr" for p in arr.placed), phone


def test_the_launch_cover_says_when_where_and_the_hotline_inside_its_centre_square() -> None:
    """WeChat shows a cover's centre 1:1 square in shares: title, date, venue and hotline all lie inside it."""
    campaign = load_campaign(DEFAULT)
    item = load_library(campaign.paths.content, campaign.text_values).by_id["publicity-launch-invitation"]
    values = fields(campaign, PosterText.of(item))
    cover = sizes.resolve("wechat-cover", campaign)
    left, right = safe_square(cover) or (0, 0)
    assert (left, right) == (258, 641)
    font = fonts.candidates(None)[0]
    arr = arrange(load_layout(campaign.paths.templates / "posters", "launch"), cover, values, campaign.brand, font, "test")
    placed = {p.region.name: p for p in arr.placed}
    said = {name: "".join(p.lines) for name, p in placed.items()}
    assert said["title"] == item.title and values["launch_venue"] == "中央大街广场"
    assert "9月8日" in said["subtitle"] and "09:00" in said["subtitle"] and "中央大街广场" in said["subtitle"]
    assert "12315" in said["footer"]
    for name in ("title", "subtitle", "footer"):
        p = placed[name]
        for line in p.lines:
            width = font.load(p.size, p.region.weight).getlength(line)
            start = p.box[0] + (p.box[2] - width) / 2  # centred in its box
            assert left - 1 <= start and start + width <= right + 1, (name, line)
    band = next(box for shape, box in arr.shapes if shape.color == "accent")  # the date's yellow band
    assert left <= band[0] and band[0] + band[2] <= right
    assert breaches(arr, campaign.brand, values) == []
    hotline_at_left = Seen("footer", (0, 330, 900, 53), ("热线：12315",), 27, "regular", "#FFFFFF", align="left", hotline=True)
    found = rules.breaches(cover, "wide", [hotline_at_left], lambda _: {"#1F4E9D"}, {"hotline": "12315"}, lambda *_: 150.0, False, True)
    assert [b.rule for b in found] == ["封面中心"]  # the rule judges the footer too, not only the title


def test_the_theme_slide_does_not_repeat_the_theme_in_its_footer() -> None:
    """The screens' theme slide is the theme in large type; its footer carries the organiser and the hotline, as the
    other slides' footers do, not the theme a second time. Every other poster's footer still names the theme."""
    campaign = load_campaign(HEIHE)
    library = load_library(campaign.paths.content, campaign.text_values)
    theme = PosterText("theme", campaign.theme, campaign.theme, campaign.name)  # as the playlist makes it
    font = fonts.candidates(None)[0]
    slogan = load_layout(campaign.paths.templates / "posters", "slogan")
    for size in ("1920x1080", "1080x1920", "square"):
        footers = {}
        for text in (theme, PosterText.of(library.by_id["slogan-publicity-everyone"])):
            arr = arrange(slogan, sizes.resolve(size, campaign), fields(campaign, text), campaign.brand, font, "test")
            footers[text.id] = "".join(next(p.lines for p in arr.placed if p.region.name == "footer"))
        assert campaign.theme not in footers["theme"] and "12365" in footers["theme"], (size, footers)
        assert campaign.theme in footers["slogan-publicity-everyone"], (size, footers)
    arr = arrange(slogan, sizes.resolve("1920x1080", campaign), fields(campaign, theme), campaign.brand, font, "test")
    assert next(p.lines for p in arr.placed if p.region.name == "footer") == (f"主办：{campaign.organizer}　投诉举报电话：12365",)


def test_a_short_organizer_name_is_printed_where_the_full_one_does_not_fit_and_nowhere_else() -> None:
    """The tall screen's theme slide, as the playlist makes it (the slogan layout): its footer held one line at the
    hotline's minimum size, so it was the hotline alone even with `campaign.organizer_short`; now it names the
    organizer by the short name above the hotline, both at the hotline's size. The wide screen keeps the full name."""
    short = load_campaign(DEFAULT)
    assert short.organizer_short == "市质量联席办"  # as the bundled config has it
    campaign = dataclasses.replace(short, organizer_short="")  # a config without one
    library = load_library(campaign.paths.content, campaign.text_values)
    item = PosterText.of(library.by_id["goods-salt-iodised"])
    font = fonts.candidates(None)[0]

    def footer(c: Campaign, layout: str, text: PosterText, size: str) -> Placed:
        values = fields(c, text)
        arr = arrange(load_layout(c.paths.templates / "posters", layout), sizes.resolve(size, c), values, c.brand, font, "test")
        assert breaches(arr, c.brand, values) == [], (layout, size)
        return next(p for p in arr.placed if p.region.name == "footer")

    tall, wide = sorted(campaign.screens, key=lambda s: s.width)
    assert (tall.width, tall.height) == (1080, 1920)
    slides = {s.id: next(x for x in make_playlist(short, s, [], library, campaign.start).slides if x.kind == "theme") for s in (tall, wide)}
    on_tall = footer(short, slides[tall.id].layout, slides[tall.id].text, tall.id)
    assert on_tall.lines == ("主办：市质量联席办", "投诉举报电话：12315")
    assert on_tall.size >= hotline_px(sizes.resolve(tall.id, campaign))
    assert footer(campaign, slides[tall.id].layout, slides[tall.id].text, tall.id).lines == ("投诉举报电话：12315",)
    assert footer(short, slides[wide.id].layout, slides[wide.id].text, wide.id).lines == (
        f"主办：{campaign.organizer}　投诉举报电话：12315",
    )
    for layout, size in (("screen-slide", "1920x1080"), ("knowledge-card", "square")):  # the full name fits: kept
        assert footer(short, layout, item, size).lines == footer(campaign, layout, item, size).lines, (layout, size)
        assert any(campaign.organizer in line for line in footer(short, layout, item, size).lines), (layout, size)


def _theme_footer(campaign: Campaign, layout: str, size: str, family: str = "red") -> Placed:
    """The footer of the theme's own poster (`qm poster --title <the theme>`), as the layout breaks it."""
    values = fields(campaign, PosterText("", campaign.theme))
    font = fonts.candidates(None)[0]
    folder = family_folder(campaign.paths.templates, family)
    arr = arrange(load_layout(folder, layout), sizes.resolve(size, campaign), values, campaign.brand, font, "test", campaign.posters.photo)
    assert breaches(arr, campaign.brand, values) == [], (layout, size, family)
    return next(p for p in arr.placed if p.region.name == "footer")


def test_the_theme_posters_footer_keeps_the_organizers_name_and_the_hotline_whole() -> None:
    """The theme's own poster leaves the theme out of its footer, so the organizer and the hotline shared one
    paragraph, broken wherever the width ran out: "黑河市质量计量标准化工作联席 / 会议办公室" on a portrait poster,
    "…联席会议办 / 公室" on an A3 screen slide, "投诉 / 举报电话", "投诉举报电话：/ 12365". A footer now breaks only
    between its items: the full name on a line of its own, else the short name (`organizer_short`), else none."""
    short, default = load_campaign(HEIHE), load_campaign(DEFAULT)
    assert short.organizer_short == "黑河市质量联席办"  # as the example has it
    heihe = dataclasses.replace(short, organizer_short="")  # a config without one
    assert _theme_footer(heihe, "knowledge-card", "portrait").lines == ("投诉举报电话：12365",)  # the full name does not fit
    for layout in ("knowledge-card", "slogan", "screen-slide"):
        on_portrait = _theme_footer(short, layout, "portrait")
        assert on_portrait.lines == ("主办：黑河市质量联席办", "投诉举报电话：12365"), layout
        assert on_portrait.size >= hotline_px(sizes.resolve("portrait", heihe))
    assert _theme_footer(heihe, "screen-slide", "a3").lines == (f"主办：{heihe.organizer}", "投诉举报电话：12365")
    assert _theme_footer(heihe, "slogan", "a3").lines == (f"主办：{heihe.organizer}", "投诉举报电话：12365")
    assert _theme_footer(default, "knowledge-card", "square").lines == (f"主办：{default.organizer}", "投诉举报电话：12315")


@pytest.mark.parametrize("config", [DEFAULT, HEIHE], ids=["2027", "heihe-2016"])
def test_no_footer_splits_the_organizers_name_in_any_layout_family_or_size(config: Path) -> None:
    """Every layout that names the organizer, in every family and size, on the theme's own poster (the footer with
    the most on one line) and with a short name: the name, full or short, is on one line or not there at all."""
    campaign = load_campaign(config)
    for c in (dataclasses.replace(campaign, organizer_short=""), campaign):
        for family in FAMILIES:
            for layout in LAYOUTS:
                for size in sizes.names(c):
                    shape = sizes.resolve(size, c)
                    if layout == "banner" or not load_layout(family_folder(c.paths.templates, family), layout).fits(
                        shape.width, shape.height
                    ):
                        continue
                    lines = _theme_footer(c, layout, size, family).lines
                    named = [n for n in (c.organizer, c.organizer_short) if n and any(n in line for line in lines)]
                    assert named or "主办" not in "".join(lines), (family, layout, size, lines)
                    assert any(f"：{c.hotline}" in line for line in lines), (family, layout, size, lines)


def test_every_launch_poster_says_where_as_well_as_when_in_every_family() -> None:
    """Tall slides and square pictures named the date and time but left out the venue the wide ones show."""
    campaign = load_campaign(DEFAULT)
    item = load_library(campaign.paths.content, campaign.text_values).by_id["publicity-launch-onsite"]
    values = fields(campaign, PosterText.of(item))
    font = fonts.candidates(None)[0]
    for family in FAMILIES:
        launch = load_layout(family_folder(campaign.paths.templates, family), "launch")
        for size in ("1080x1920", "portrait", "square", "wechat-square", "a3", "1920x1080"):
            arr = arrange(launch, sizes.resolve(size, campaign), values, campaign.brand, font, "test", campaign.posters.photo)
            said = next(p.lines for p in arr.placed if p.region.name == "subtitle")
            assert said == ("9月8日 星期三 09:00", "中央大街广场"), (family, size, said)
            assert breaches(arr, campaign.brand, values) == [], (family, size)


def test_a_poster_names_the_venue_only_when_the_config_has_it(project: Callable[..., Path]) -> None:
    config = project(edit=lambda text: text.replace("  launch_venue: 中央大街广场\n", ""))
    campaign = load_campaign(config)
    item = load_library(campaign.paths.content, campaign.text_values).by_id["publicity-launch-invitation"]
    values = fields(campaign, PosterText.of(item))
    font = fonts.candidates(None)[0]
    launch = load_layout(campaign.paths.templates / "posters", "launch")
    for size in ("center", "wechat-cover", "1080x1920", "square"):
        arr = arrange(launch, sizes.resolve(size, campaign), values, campaign.brand, font, "test")
        said = "".join(next(p.lines for p in arr.placed if p.region.name == "subtitle"))
        assert said.replace(" ", "") == "9月8日星期三09:00", size  # no placeholder such as 活动现场


def test_a_layout_that_is_a_link_out_of_its_folder_is_refused(project: Callable[..., Path], tmp_path: Path) -> None:
    """Its label and words would be drawn on posters: a link to a file elsewhere is not read."""
    config = project()
    layout = config.parent / "templates" / "posters" / "knowledge-card.yaml"
    elsewhere = tmp_path / "card.yaml"
    elsewhere.write_text(layout.read_text(encoding="utf-8").replace("知识卡片", "口令s3cret"), encoding="utf-8")
    layout.unlink()
    layout.symlink_to(elsewhere)
    for args in (["check"], ["poster", "goods-salt-iodised", "--layout", "knowledge-card", "-o", tmp_path / "x.png"]):
        result = run_qm(*args, "-c", config)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"海报版式 {layout} 是指向" in result.stderr and "s3cret" not in result.stdout + result.stderr, result.stderr
