"""Sizes, formats, file-size limits, fonts, vertical order and the cache, on real fonts and real files."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.poster import batch, export, fonts, png, sizes
from scheduler.poster.draw import column_centres, paint
from scheduler.poster.layout import load_layout
from scheduler.poster.make import Job, arrangement, make_poster, prepare
from scheduler.poster.marks import vertical_forms
from scheduler.poster.texts import PosterText
from scheduler.support.errors import ConfigError, PosterError

from .conftest import run_qm

TEXT = PosterText("goods-salt-iodised", "吃盐要适量，碘盐要会选", "碘盐要会选", "买盐看包装，吃盐要适量", "食盐要到正规商超购买包装盐。")


@pytest.fixture
def campaign(project: Callable[..., Path]) -> Campaign:
    return load_campaign(project())


def make(campaign: Campaign, layout: str, size: str, out: Path, text: PosterText = TEXT) -> list[Path]:
    font_files = fonts.candidates(campaign.brand.font)
    return list(make_poster(campaign, prepare(campaign, Job(text, layout, size, out), font_files), font_files).files)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("wechat-cover", (900, 383)), ("wechat-square", (500, 500)), ("square", (1080, 1080)), ("portrait", (1080, 1440))],
)
def test_presets_render_at_their_exact_size_as_png(campaign: Campaign, tmp_path: Path, name: str, expected: tuple[int, int]) -> None:
    (png,) = make(campaign, "knowledge-card", name, tmp_path / f"{name}.png")
    with Image.open(png) as img:
        assert (img.format, img.size) == ("PNG", expected)


def test_screens_by_id_and_by_pixels(campaign: Campaign) -> None:
    station = sizes.resolve("station", campaign)
    assert (station.width, station.height) == (1080, 1920)
    by_pixels = sizes.resolve("1080x1920", campaign)
    assert (by_pixels.name, by_pixels.width, by_pixels.height, by_pixels.medium) == ("1080x1920", 1080, 1920, "")
    assert (sizes.resolve("640×360").width, sizes.resolve("640×360").height) == (640, 360)


def test_print_sizes_are_300_dpi_with_a_pdf(campaign: Campaign, tmp_path: Path) -> None:
    a2 = sizes.resolve("a2")
    assert (a2.width, a2.height, a2.dpi, a2.pdf) == (4961, 7016, 300, True)
    png, pdf = make(campaign, "slogan", "a3", tmp_path / "a3.png")
    with Image.open(png) as img:
        assert img.size == (3508, 4961)
        assert [round(v) for v in img.info["dpi"]] == [300, 300]
    head = pdf.read_bytes()
    assert head.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 841.92 1190.64 ]" in head  # A3 in points: 297 x 420 mm


def test_banner_size_comes_from_the_config_in_metres(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("posters:\n", "posters:\n  banner:\n    length: 10\n    height: 0.9\n", 1))
    banner = sizes.resolve("banner", load_campaign(config))
    assert (banner.width, banner.height, banner.dpi) == (28346, 2551, 72)
    assert sizes.resolve("banner", load_campaign(project())).width == 17008  # default 6 m x 0.6 m


def test_a_bad_banner_config_says_where(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("posters:\n", "posters:\n  banner:\n    length: 10\n    height: 二米\n", 1))
    with pytest.raises(ConfigError) as err:
        load_campaign(config)
    assert "posters.banner.height 应当是数字" in str(err.value.problems[0]) and "config.yaml:" in str(err.value.problems[0])


def test_a_size_is_held_to_the_area_qm_can_draw_before_anything_is_drawn(campaign: Campaign) -> None:
    assert sizes.resolve("6400x6250").width == 6400  # 4000 万像素 exactly: an A2 sheet at 300 dpi is 3480 万
    for name in ("6401x6250", "30000x30000"):
        with pytest.raises(PosterError, match=rf"尺寸 {name} 太大：.*超过了 4000 万像素的上限.*1080x1440"):
            sizes.resolve(name, campaign)


def test_drawing_a_size_too_big_is_refused_before_it_takes_memory(project: Callable[..., Path], tmp_path: Path) -> None:
    """30000x30000 is 3.7 GB to draw: under a limit of a few hundred MB it must be refused, not die of MemoryError."""
    memory = 600 * 2**20
    out = tmp_path / "big.png"
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "poster", "--title", "测试", "--size", "30000x30000", "-o", str(out), "-c", str(project())],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (memory, memory)),
    )
    assert result.returncode == 2 and "尺寸 30000x30000 太大" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_unknown_size_lists_the_choices(campaign: Campaign) -> None:
    with pytest.raises(PosterError, match=r"wechat-cover.*center"):
        sizes.resolve("huge", campaign)


# -- file-size limits --------------------------------------------------------------------------


def noise(side: int) -> Image.Image:
    return Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))


def test_png_is_kept_when_it_fits() -> None:
    encoded = export.encode(Image.new("RGB", (500, 500), "#C8102E"), 72, "wechat-inline", "x")
    assert encoded.suffix == ".png" and len(encoded.data) < 1_000_000


def test_too_big_a_png_becomes_a_jpeg_under_the_wechat_limit() -> None:
    img = noise(700)  # random pixels: a PNG of about 1.5 MB
    assert len(png.png_bytes(img, 72)) > 1_000_000
    encoded = export.encode(img, 72, "wechat-inline", "x")
    assert encoded.suffix == ".jpg" and len(encoded.data) < 1_000_000
    assert encoded.data[:3] == b"\xff\xd8\xff"


def test_limits_per_medium() -> None:
    assert export.LIMITS["wechat-inline"].max_bytes < 1_000_000
    assert export.LIMITS["wechat-cover"].max_bytes == 10_000_000
    assert export.LIMITS["weibo"].max_bytes < 5_000_000
    assert sizes.resolve("wechat-square").medium == "wechat-inline"
    assert sizes.resolve("wechat-cover").medium == "wechat-cover"
    assert sizes.resolve("square").medium == "weibo"


def test_when_nothing_fits_the_poster_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(export.LIMITS, "tiny", export.Limit("测试介质（小于 2 KB）", 2_000))
    with pytest.raises(PosterError, match=r"测试介质.*JPEG 质量 60"):
        export.encode(noise(200), 72, "tiny", "内容 x 的海报")


# -- fonts ---------------------------------------------------------------------------------------


def test_no_cjk_font_is_a_clear_error_never_boxes(tmp_path: Path) -> None:
    house = tmp_path / "house.ttf"
    house.write_bytes(b"not a font at all")
    with pytest.raises(PosterError, match=r"不会生成带空白方框的图片.*配置的字体 house.ttf 缺少"):
        fonts.choose(fonts.candidates(house, bundled=False, system=False), "提升质量水平")
    with pytest.raises(PosterError, match=r"找不到中文字体.*manimgx-fonts-cjk"):
        fonts.choose(fonts.candidates(None, bundled=False, system=False), "提升质量水平")


LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core (.ci/run installs it)


def test_a_configured_font_without_chinese_falls_back_to_the_bundled_one(project: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "house.ttf").write_bytes(LATIN_FONT.read_bytes())  # a real font, without Chinese
    campaign = load_campaign(project(lambda t: t.replace("  accent:", "  font: house.ttf\n  accent:")))
    assert campaign.brand.font == tmp_path / "house.ttf"
    font_files = fonts.candidates(campaign.brand.font)
    arr = arrangement(campaign, prepare(campaign, Job(TEXT, "slogan", "wechat-square", tmp_path / "x.png"), font_files), font_files)
    assert arr.font.origin == "内置字体"


def test_check_says_a_configured_font_without_chinese_is_never_used(project: Callable[..., Path], tmp_path: Path) -> None:
    """The staff asked for the font: a check that passes while every poster silently takes another would mislead."""
    (tmp_path / "house.ttf").write_bytes(LATIN_FONT.read_bytes())
    config = project(lambda t: t.replace("  accent:", "  font: house.ttf\n  accent:"))
    line = config.read_text(encoding="utf-8").splitlines().index("  font: house.ttf") + 1
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{config}:{line}：brand.font 指定的字体 house.ttf 没有中文字，海报不会用它画，都改用内置字体" in result.stderr, result.stderr
    assert "包含中文的字体文件" in result.stderr and "删去 brand.font" in result.stderr, result.stderr
    bundled = fonts.bundled_font()
    assert bundled is not None
    chinese = project(lambda t: t.replace("  accent:", f"  font: {bundled.path}\n  accent:"))
    assert run_qm("check", "-c", chinese).returncode == 0  # a font with Chinese is used: nothing to say


def test_a_character_no_font_has_is_refused() -> None:
    with pytest.raises(PosterError, match="缺少 1 个字：𪚥") as refused:
        fonts.choose(fonts.candidates(None, system=False), "质量𪚥")
    assert "从文字中删去或换掉它们" in str(refused.value) and "pip install" not in str(refused.value)  # the font is installed


def test_bundled_font_is_noto_sans_cjk_sc_with_a_heavy_weight() -> None:
    bundled = fonts.bundled_font()
    assert bundled is not None and bundled.index == 2
    regular, heavy = bundled.load(40, "regular"), bundled.load(40, "heavy")
    assert regular.getname()[0] == "Noto Sans CJK SC"
    assert heavy.getmask("质").getbbox() != regular.getmask("质").getbbox() or sum(heavy.getmask("质")) > sum(regular.getmask("质"))


def test_fast_widths_match_the_font() -> None:
    bundled = fonts.bundled_font()
    assert bundled is not None
    line = "依据GB/T 15834-2011，“质量月”（9月）……"
    for size in (13, 27, 64, 131):
        for weight in ("regular", "heavy"):
            assert fonts.measure(bundled, weight, size)(line) == bundled.load(size, weight).getlength(line)


# -- vertical ------------------------------------------------------------------------------------


def test_vertical_columns_run_right_to_left(campaign: Campaign, tmp_path: Path) -> None:
    text = PosterText("v", "一二一二一，口口口口口")
    font_files = fonts.candidates(None)
    arr = arrangement(campaign, prepare(campaign, Job(text, "vertical-slogan", "500x700", tmp_path / "v.png"), font_files), font_files)
    slogan = next(p for p in arr.placed if p.region.name == "slogan")
    assert slogan.lines == ("一二一二一，", "口口口口口")
    first, second = column_centres(slogan)
    assert first > second
    # On the image: the right column (一二, thin strokes) has far less ink than the left one (口).
    image = paint(arr, campaign.brand).convert("L")
    _, y, _, h = slogan.box
    size = slogan.size

    def ink(centre: float) -> int:
        crop = image.crop((round(centre - size / 2), y, round(centre + size / 2), y + h))
        return sum(1 for v in crop.get_flattened_data() if v > 200)  # white text on the red background

    assert ink(first) < ink(second) * 0.7


def test_the_comma_and_full_stop_have_vertical_forms_in_the_bundled_font() -> None:
    assert vertical_forms("，。、") == "︐︒︑"
    bundled = fonts.bundled_font()
    assert bundled is not None and all(fonts.covers(bundled, ch) for ch in "︐︒︑")


@pytest.mark.parametrize("font_has_vertical_forms", [True, False])
def test_a_comma_in_a_column_sits_in_the_upper_right_of_its_cell(
    campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, font_has_vertical_forms: bool
) -> None:
    if not font_has_vertical_forms:
        real = fonts.covers
        monkeypatch.setattr(fonts, "covers", lambda font, ch: ch not in "︐︒︑" and real(font, ch))
    text = PosterText("v", "以质量立品牌，以诚信赢口碑")
    font_files = fonts.candidates(None)
    arr = arrangement(campaign, prepare(campaign, Job(text, "vertical-slogan", "portrait", tmp_path / "v.png"), font_files), font_files)
    slogan = next(p for p in arr.placed if p.region.name == "slogan")
    assert slogan.lines[0] == "以质量立品牌，" and slogan.region.valign == "top"
    size, centre, top = slogan.size, column_centres(slogan)[0], slogan.box[1] + 6 * slogan.size  # the comma's cell
    cell = paint(arr, campaign.brand).convert("L").crop((round(centre - size / 2), top, round(centre + size / 2), top + size))
    left, upper, right, lower = cell.point(lambda v: 255 if v > 200 else 0).getbbox() or (0, 0, 0, 0)
    assert right > left and (left + right) / 2 > size / 2 and (upper + lower) / 2 < size / 2, (left, upper, right, lower)


# -- punctuation at a line's ends ----------------------------------------------------------------


def test_an_opening_quote_at_a_lines_start_is_set_at_half_width(campaign: Campaign, tmp_path: Path) -> None:
    """“ fills only the right half of its em: set at full width, a title starting with it looked indented."""
    text = PosterText("grassroots-five-small-what", "“五小”活动是什么", line="小点子有大用处，人人都能参与")
    font_files = fonts.candidates(None)
    arr = arrangement(campaign, prepare(campaign, Job(text, "screen-slide", "station", tmp_path / "s.png"), font_files), font_files)
    title = next(p for p in arr.placed if p.region.name == "title")
    assert title.lines == ("“五小”", "活动是什么") and title.region.align == "left"
    image = paint(arr, campaign.brand).convert("L").point(lambda v: 255 if v > 200 else 0)  # the white title
    x, y, w, h = title.box
    pitch = title.size * title.region.line_height
    top = y + h - (title.size + pitch)  # bottom-aligned block of two lines

    def ink_left(i: int) -> int:
        row = image.crop((x - title.size, round(top + i * pitch), x + w, round(top + i * pitch + title.size)))
        return (row.getbbox() or (0, 0, 0, 0))[0] - title.size

    quote, plain = ink_left(0), ink_left(1)
    assert abs(quote - plain) < title.size * 0.12, (quote, plain)  # the quote's ink lines up with 活 below it
    assert abs(plain) < title.size * 0.12, plain  # and the line without a mark stays where it was


# -- cache ---------------------------------------------------------------------------------------


def test_unchanged_posters_are_skipped_and_changes_redraw(campaign: Campaign, tmp_path: Path) -> None:
    jobs = [Job(TEXT, "knowledge-card", "wechat-square", tmp_path / "a.png"), Job(TEXT, "slogan", "500x500", tmp_path / "b.png")]
    first = batch.make_all(campaign, jobs, workers=1)
    assert (len(first.drawn), len(first.skipped)) == (2, 0)
    again = batch.make_all(campaign, jobs, workers=1)
    assert (len(again.drawn), len(again.skipped)) == (0, 2)
    layout = campaign.paths.templates / "posters" / "knowledge-card.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("max: 0.085", "max: 0.08"), encoding="utf-8")
    assert [m.job.out.name for m in batch.make_all(campaign, jobs, workers=1).drawn] == ["a.png"]  # only the knowledge card
    edited = [jobs[0], Job(PosterText(TEXT.id, "吃盐要适量"), "slogan", "500x500", tmp_path / "b.png")]
    assert [m.job.out.name for m in batch.make_all(campaign, edited, workers=1).drawn] == ["b.png"]  # only the edited text
    (tmp_path / "a.png").unlink()
    assert [m.job.out.name for m in batch.make_all(campaign, edited, workers=1).drawn] == ["a.png"]  # a deleted file is made again


def test_failures_are_reported_together_after_the_rest_is_made(campaign: Campaign, tmp_path: Path) -> None:
    long = PosterText("too-long", "质量" * 200)
    jobs = [Job(long, "banner", "600x60", tmp_path / "bad.png"), Job(TEXT, "slogan", "500x500", tmp_path / "good.png")]
    with pytest.raises(PosterError, match="1 张海报无法生成") as err:
        batch.make_all(campaign, jobs, workers=2)
    assert "too-long" in err.value.lines()[-1]
    assert (tmp_path / "good.png").is_file() and not (tmp_path / "bad.png").exists()


def test_the_brand_logo_is_drawn_inside_its_box_and_keeps_its_transparency(project: Callable[..., Path], tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    mark = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    mark.paste((0, 160, 60, 255), (100, 0, 300, 200))  # a green square in a transparent strip
    mark.save(logo)
    config = project(lambda text: text.replace('  accent: "#F2B705"\n', '  accent: "#F2B705"\n  logo: logo.png\n'))
    with_logo = load_campaign(config)
    assert with_logo.brand.logo == logo
    (png,) = make(with_logo, "knowledge-card", "square", tmp_path / "with.png")
    (plain,) = make(load_campaign(project()), "knowledge-card", "square", tmp_path / "plain.png")

    def green(path: Path) -> list[tuple[int, int]]:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            return [(x, y) for x in range(0, rgb.width, 2) for y in range(0, rgb.height, 2) if rgb.getpixel((x, y)) == (0, 160, 60)]

    drawn = green(png)
    assert drawn and not green(plain)
    xs, ys = [x for x, _ in drawn], [y for _, y in drawn]
    # The square stays square (aspect kept) and the transparent sides let the card show through.
    assert abs((max(xs) - min(xs)) - (max(ys) - min(ys))) <= 8  # stretched to the box it would be ~20 px wider


def test_an_unreadable_logo_is_refused_with_the_config_key(project: Callable[..., Path], tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"not an image")
    config = project(lambda text: text.replace('  accent: "#F2B705"\n', '  accent: "#F2B705"\n  logo: logo.png\n'))
    with pytest.raises(ConfigError) as refused:  # refused when the config is read (qm check says so)
        load_campaign(config)
    assert "brand.logo 不是图片" in refused.value.problems[0].message
    Image.new("RGB", (8, 8), "red").save(tmp_path / "logo.png")
    campaign = load_campaign(config)
    (tmp_path / "logo.png").write_bytes(b"spoiled after the config was read")
    with pytest.raises(PosterError, match=r"brand\.logo"):  # and still when drawing
        make(campaign, "knowledge-card", "square", tmp_path / "broken.png")


def _footer(campaign: Campaign, layout: str, size: str) -> tuple[str, ...]:
    arranged = arrangement(
        campaign, prepare(campaign, Job(TEXT, layout, size, Path("unused.png")), fonts.candidates(None)), fonts.candidates(None)
    )
    return next(p.lines for p in arranged.placed if p.region.name == "footer")


@pytest.mark.parametrize(("layout", "size"), [("knowledge-card", "320x240"), ("knowledge-card", "240x320"), ("screen-slide", "384x192")])
def test_small_canvases_keep_the_hotline_and_drop_what_does_not_fit(campaign: Campaign, layout: str, size: str) -> None:
    footer = "".join(_footer(campaign, layout, size))
    assert campaign.hotline in footer
    assert campaign.organizer not in footer  # the organizer's long name is the first thing to go
    assert "".join(_footer(campaign, layout, "square" if layout != "screen-slide" else "1920x1080")).count(campaign.organizer) == 1


def test_text_alternatives_in_a_layout_are_checked_like_one_text(campaign: Campaign) -> None:
    folder = campaign.paths.templates / "posters"
    card = folder / "knowledge-card.yaml"
    text = card.read_text(encoding="utf-8")
    card.write_text(
        text.replace('"{theme}　热线：{hotline}"', '"{theme}　热线：{phone}"', 1).replace('text: "{title}"', "text: []", 1),
        encoding="utf-8",
    )
    with pytest.raises(PosterError) as caught:
        load_layout(folder, "knowledge-card")
    messages = [p.message for p in caught.value.problems]
    assert any("{phone} 不可用" in m for m in messages)
    assert any("text 是空列表" in m for m in messages)
    assert sorted(p.where for p in caught.value.problems) == [f"{card}:14", f"{card}:29"]


def test_a_layout_field_with_a_format_spec_is_refused_before_anything_is_drawn(campaign: Campaign) -> None:
    """`{title:>999999999}` would make a gigabyte string wherever the poster is drawn (the daemon draws missing ones)."""
    folder = campaign.paths.templates / "posters"
    card = folder / "knowledge-card.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace('text: "{title}"', 'text: "{title:>999999999}{hotline!r}"', 1), encoding="utf-8"
    )
    with pytest.raises(PosterError) as caught:
        load_layout(folder, "knowledge-card")
    messages = sorted(p.message for p in caught.value.problems)
    assert len(messages) == 2 and "{title:>999999999} 带有格式说明" in messages[1] and "{hotline!r} 带有格式说明" in messages[0], messages
    assert {p.where for p in caught.value.problems} == {f"{card}:14"}
