"""A poster layout printed by `qm print` says what the PNG of the same paper says: the same lines in every
region, so the print file names the organiser in its footer wherever the PNG does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import fonts
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.printjob import PrintSheet, poster_arrangement
from scheduler.poster.texts import PosterText

ORGANISER = "主办：市质量计量标准化工作联席会议办公室"


@pytest.mark.parametrize("paper", ["a3", "a2"])
def test_a_printed_poster_has_the_lines_of_its_png_and_names_the_organiser(
    project: Callable[..., Path], tmp_path: Path, paper: str
) -> None:
    campaign = load_campaign(project())
    item = PosterText.of(load_library(campaign.paths.content, campaign.text_values).by_id["anti-fake-sc-code"])
    font_files = fonts.candidates(campaign.brand.font)
    for layout in ("knowledge-card", "slogan"):
        png = arrangement(campaign, prepare(campaign, Job(item, layout, paper, tmp_path / "x.png"), font_files), font_files)
        printed = poster_arrangement(campaign, PrintSheet(layout, paper, items=(item.id,)), item, font_files)
        lines = {p.region.name: p.lines for p in printed.placed}
        assert lines == {p.region.name: p.lines for p in png.placed}, (layout, paper)
        assert any(line.startswith(ORGANISER) for line in lines["footer"]), (layout, paper, lines["footer"])


def test_a_poster_printed_on_a1_names_the_organiser_too(project: Callable[..., Path]) -> None:
    campaign = load_campaign(project())
    item = PosterText.of(load_library(campaign.paths.content, campaign.text_values).by_id["anti-fake-sc-code"])
    printed = poster_arrangement(campaign, PrintSheet("knowledge-card", "a1"), item, fonts.candidates(campaign.brand.font))
    footer = next(p.lines for p in printed.placed if p.region.name == "footer")
    assert footer == ("提升质量水平，建设质量强市", f"{ORGANISER}　投诉举报电话：12315")
