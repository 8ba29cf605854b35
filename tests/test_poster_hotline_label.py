"""The hotline is labelled 投诉举报电话 as on every other poster wherever that fits, the WeChat cover too; 热线 is
the last resort of a footer too narrow for it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import fonts, sizes
from scheduler.poster.arrange import Placed, arrange, shown_words
from scheduler.poster.layout import family_folder, load_layout
from scheduler.poster.texts import PosterText, fields

THEME = "提升质量水平，建设质量强市"


def _footer(campaign: Campaign, family: str, layout_name: str, size: sizes.Size, text: PosterText) -> Placed:
    layout = load_layout(family_folder(campaign.paths.templates, family), layout_name)
    values = fields(campaign, text)
    font = fonts.choose(fonts.candidates(campaign.brand.font), shown_words(layout, size, values))
    arr = arrange(layout, size, values, campaign.brand, font, layout_name, campaign.posters.photo)
    return next(p for p in arr.placed if p.region.name == "footer")


def _item(campaign: Campaign) -> PosterText:
    return PosterText.of(load_library(campaign.paths.content, campaign.text_values).by_id["anti-fake-sc-code"])


@pytest.mark.parametrize("family", ["red", "sheet", "photo"])
def test_a_wechat_covers_footer_says_the_hotline_is_for_complaints(project: Callable[..., Path], family: str) -> None:
    campaign = load_campaign(project())
    theme = PosterText("", THEME)  # the theme's own poster: its footer does not repeat the theme
    size = sizes.resolve("wechat-cover", campaign)
    for layout_name in ("knowledge-card", "launch", "slogan", "screen-slide"):
        for text in (_item(campaign), theme):
            footer = _footer(campaign, family, layout_name, size, text)
            assert footer.lines == ("投诉举报电话：12315",), (family, layout_name, text.title, footer.lines)
            assert footer.size >= round(0.07 * size.height)  # still the cover's hotline size


def test_a_wide_footer_with_room_for_the_theme_labels_the_hotline_in_full(project: Callable[..., Path]) -> None:
    short = load_campaign(project())
    campaign = dataclasses.replace(short, organizer_short="")  # a config without the organiser's short name
    size = sizes.resolve("1024x768", campaign)  # a 4:3 screen: the organiser does not fit beside the theme
    assert _footer(campaign, "red", "knowledge-card", size, _item(campaign)).lines == (f"{THEME}　投诉举报电话：12315",)
    # with one (the bundled config has it), the short name fits, in the full footer's words
    assert _footer(short, "red", "knowledge-card", size, _item(short)).lines == (f"{THEME}　主办：市质量联席办　投诉举报电话：12315",)


@pytest.mark.parametrize("family", ["red", "sheet", "photo"])
def test_a_screens_full_footer_labels_the_hotline_as_every_other_slide_does(project: Callable[..., Path], family: str) -> None:
    """A county's launch and slogan slides (1920×1080) say 主办 … 投诉举报电话, as its knowledge cards and the
    screen's own slides do (before: 热线 in the full footer of launch and slogan posters)."""
    county = project(
        lambda t: t.replace('hotline: "12315"', 'hotline: "0453-3522315"').replace(
            "organizer: 市质量计量标准化工作联席会议办公室", "organizer: 林口县市场监督管理局"
        )
    )
    campaign = dataclasses.replace(load_campaign(county), theme="质量强县，品质林口")
    size = sizes.resolve("1920x1080", campaign)
    for layout_name in ("knowledge-card", "launch", "slogan", "screen-slide"):
        footer = _footer(campaign, family, layout_name, size, _item(campaign))
        assert footer.lines == ("质量强县，品质林口　主办：林口县市场监督管理局　投诉举报电话：0453-3522315",), (layout_name, footer.lines)


@pytest.mark.parametrize("family", ["red", "sheet", "photo"])
def test_a_tall_cards_footer_keeps_a_margin_inside_its_band(project: Callable[..., Path], family: str) -> None:
    """On a 1080×1440 knowledge card the footer's two lines (the hotline at 4% of the height) stay inside their
    coloured band with room above and below (before: 151 px of text in a 144 px band, touching the edge)."""
    campaign = load_campaign(project())
    size = sizes.resolve("portrait", campaign)
    footer = _footer(campaign, family, "knowledge-card", size, _item(campaign))
    assert footer.fill_box is not None and len(footer.lines) == 2
    text_height = footer.size * 1.3 * len(footer.lines)  # the layout's line_height
    assert footer.fill_box[3] - text_height >= 0.02 * size.height, (footer.fill_box, footer.size)
