"""Poster families (red, sheet, photo) chosen per campaign and per area; pictures; the photo's automatic scrim."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import fonts, photo, pictures
from scheduler.poster.arrange import arrange
from scheduler.poster.draw import breaches, paint
from scheduler.poster.layout import family_folder, load_layout
from scheduler.poster.make import Job, arrangement, make_poster, prepare
from scheduler.poster.rules import contrast
from scheduler.poster.sizes import resolve
from scheduler.poster.texts import PosterText, fields
from scheduler.support.errors import ConfigError, PosterError
from tests.conftest import DEFAULT, HEIHE


def _poster(config: Path, item_id: str, layout: str, size: str, out: Path) -> Image.Image:
    campaign = load_campaign(config)
    item = load_library(campaign.paths.content, campaign.text_values).by_id[item_id]
    font_files = fonts.candidates(None)
    made = make_poster(campaign, prepare(campaign, Job(PosterText.of(item), layout, size, out), font_files), font_files, force=True)
    return Image.open(made.files[0]).convert("RGB")


def test_each_area_is_drawn_in_its_family(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    campaign = load_campaign(config)
    assert (campaign.posters.family, campaign.posters.family_for("brand"), campaign.posters.family_for("mechanism")) == (
        "red",
        "sheet",
        "photo",
    )
    red = _poster(config, "goods-salt-iodised", "knowledge-card", "square", tmp_path / "red.png")
    sheet = _poster(config, "brand-gi-what", "knowledge-card", "square", tmp_path / "sheet.png")
    shot = _poster(config, "mechanism-cma", "knowledge-card", "square", tmp_path / "photo.png")
    assert red.getpixel((540, 100)) == (0xC8, 0x10, 0x2E)  # the red band
    assert sheet.getpixel((30, 540)) == (0xF7, 0xF3, 0xEA)  # the light sheet
    # the photo: many colours (a picture, not a flat fill), and dark enough under the text
    assert len(shot.crop((0, 0, 1080, 900)).getcolors(1 << 20) or []) > 500
    # the sheet family draws the item's picture: the GI card shows a pin in the brand's red
    box = (745, 140, 985, 400)
    assert any(px == (0xC8, 0x10, 0x2E) for _, px in sheet.crop(box).getcolors(1 << 20) or [])


def test_the_photo_scrim_keeps_white_text_readable_everywhere(project: Callable[..., Path], tmp_path: Path) -> None:
    # a nearly white photograph is the hardest case: it must come out dark enough for white text
    bright = tmp_path / "bright.png"
    Image.new("RGB", (400, 300), (250, 250, 240)).save(bright)
    config = project(lambda t: t.replace("photo: templates/posters/photo/example-city.jpg", f"photo: {bright}"))
    campaign = load_campaign(config)
    darken, lightest = photo.scrim(bright)
    assert contrast("#FFFFFF", lightest) >= 4.5 and 0.35 <= darken < 0.98
    under = photo.under(bright, 320, 240)
    assert all(contrast("#FFFFFF", "#{:02X}{:02X}{:02X}".format(*px)) >= 4.5 for _, px in under.getcolors(1 << 20) or [])
    item = load_library(campaign.paths.content, campaign.text_values).by_id["mechanism-cma"]
    font_files = fonts.candidates(None)
    p = prepare(campaign, Job(PosterText.of(item), "slogan", "square", tmp_path / "x.png"), font_files)
    arr = arrangement(campaign, p, font_files)
    assert arr.photo == bright and breaches(arr, campaign.brand, p.fields) == []
    image = paint(arr, campaign.brand)
    assert image.getpixel((5, 5)) == photo.under(bright, 1080, 1080).getpixel((5, 5))  # the scrimmed photo is what is behind


def test_family_settings_are_checked(project: Callable[..., Path]) -> None:
    cases = [
        (lambda t: t.replace("  family: red\n", "  family: blue\n"), "posters.family 的值 'blue' 不可用"),
        (lambda t: t.replace("    brand: sheet\n", "    brand: pink\n"), "posters.families.brand 的值 'pink' 不可用"),
        (  # an area by a word of its Chinese name: the area meant, with its name
            lambda t: t.replace("    brand: sheet\n", "    维权: sheet\n"),
            "未知的配置项 posters.families.维权（是不是想写 rights（严格质量整治与消费维权）？）",
        ),
        (
            lambda t: t.replace("    brand: sheet\n", "    红色: sheet\n"),
            "可用的配置项：brand（质量品牌提升）、rights（严格质量整治与消费维权）、",
        ),
        (lambda t: t.replace("  photo: templates/posters/photo/example-city.jpg", "  photo: nowhere.jpg"), "照片不存在"),
        (lambda t: re.sub(r"\n  photo: .*", "", t), "照片系列的海报需要一张照片"),
    ]
    for edit, message in cases:
        with pytest.raises(ConfigError) as info:
            load_campaign(project(edit))
        assert message in "\n".join(info.value.lines()), info.value.lines()


def test_pictures_per_topic_and_the_marks_the_cards_teach() -> None:
    default = load_campaign(DEFAULT)
    library = load_library(default.paths.content, default.text_values)
    kinds = {i.id: pictures.kind_of(i.tags, i.topic, i.area) for i in library.items}
    assert kinds["anti-fake-sc-code"] == "sc" and kinds["anti-fake-ccc-check"] == "ccc"
    assert kinds["brand-gi-what"] == "pin" and kinds["goods-salt-iodised"] == "box"
    assert set(kinds.values()) <= set(pictures.KINDS)
    font = fonts.candidates(None)[0]
    for kind in pictures.KINDS:
        img = pictures.draw(kind, 96, "#1F4E9D", str(font.path), font.index)
        assert img.size == (96, 96) and img.mode == "RGBA"
        ink = sum(count for count, alpha in img.getchannel("A").getcolors(256) or [] if alpha > 128)
        assert 300 < ink < 96 * 96 * 0.7, kind  # something drawn, not a filled square


def test_a_slogan_is_pictured_by_the_topic_its_title_names() -> None:
    """A slogan's topic says only that it is a slogan: every one got the megaphone, a trademark slogan too."""
    campaign = load_campaign(HEIHE)
    library = load_library(campaign.paths.content, campaign.text_values)
    kinds = {i.id: fields(campaign, PosterText.of(i))["picture"] for i in library.items}
    assert kinds["slogan-brand-trademark"] == "registered"  # 注册商标护品牌
    assert kinds["brand-trademark-well-known"] == "registered"  # the trademark cards have the same picture
    assert (kinds["slogan-brand-geo-indication"], kinds["slogan-brand-certification"], kinds["slogan-rights-ccc"]) == ("pin", "leaf", "ccc")
    assert kinds["slogan-publicity-everyone"] == "megaphone"  # a slogan naming no topic keeps the campaign's megaphone
    assert pictures.kind_of((), "slogan", "brand", "擦亮食盐和钢铁") == "box"  # the topic named first


def test_the_photo_family_needs_its_photo_at_draw_time() -> None:
    campaign = load_campaign(HEIHE)
    assert campaign.posters.family_for("brand") == "photo" and campaign.posters.photo is not None
    layout = load_layout(family_folder(campaign.paths.templates, "photo"), "slogan")
    values = {"title": "质量第一", "campaign": "x", "theme": "y", "organizer": "z", "hotline": "12315"}
    with pytest.raises(PosterError, match=r"posters\.photo"):
        arrange(layout, resolve("square"), values, campaign.brand, fonts.candidates(None)[0], "test")
