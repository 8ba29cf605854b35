"""Tall screens use their height. Where a layout's QR code (or logo) is not drawn, the space it had is
used: on a screen nobody scans a code, so the tall launch slide's text spreads down over the strip the
code had, instead of leaving it empty. Where the code sat beside other content, nothing moves. A tall
screen slide's headline and line sit in the middle of the space above the footer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import run_qm


def _explain(config: Path, *args: str) -> dict[str, Any]:
    result = run_qm("poster", "publicity-launch-announcement", "--layout", "launch", *args, "--explain", "-c", config)
    assert result.returncode == 0, result.stderr
    regions: dict[str, Any] = {r["region"]: r for r in json.loads(result.stdout)["regions"]}
    return regions


def test_the_tall_launch_slide_spreads_over_the_strip_of_its_qr_code(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    printed = _explain(config, "--size", "1080x1930")  # a poster: its QR code is drawn
    screen = _explain(config, "--size", "station")  # the tall screen, 1080×1920: no QR code
    qr_bottom = printed["qr"]["box"][1] + printed["qr"]["box"][3]
    assert "qr" not in screen
    body = screen["body"]["box"]
    assert body[1] + body[3] >= qr_bottom - 20, (body, qr_bottom)  # the text goes down to where the code ended
    assert screen["title"]["font_size"] > printed["title"]["font_size"]  # and is larger for it
    assert screen["title"]["box"][1] > printed["title"]["box"][1]  # spread over the height, not pushed up
    assert screen["subtitle"]["lines"] == printed["subtitle"]["lines"] == ["9月8日 星期三 09:00", "中央大街广场"]
    assert screen["footer"]["box"][1::2] == [round(0.92 * 1920), 1920 - round(0.92 * 1920)]  # the footer stays

    out = tmp_path / "slide.png"
    assert (
        run_qm("poster", "publicity-launch-announcement", "--layout", "launch", "--size", "station", "-o", out, "-c", config).returncode
        == 0
    )
    with Image.open(out) as image:
        rgb = image.convert("RGB")
        red = rgb.getpixel((5, 1500))  # the background beside the text
        rows = range(round(0.76 * 1920), round(0.86 * 1920), 4)
        written = [y for y in rows if any(rgb.getpixel((x, y)) != red for x in range(60, 1020, 3))]
    assert len(written) > len(rows) / 3, "the strip where the QR code was is still empty"


def test_without_a_qr_link_the_printed_poster_uses_the_space_too(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("  qr_link: https://www.example.gov.cn/zlyue\n", ""))
    regions = _explain(config, "--size", "portrait")
    assert "qr" not in regions
    body = regions["body"]["box"]
    assert body[1] + body[3] > 0.85 * 1440, body


def test_beside_other_content_nothing_moves(project: Callable[..., Path]) -> None:
    """On the wide screen the code sat beside the date: the date stays in the centre square."""
    regions = _explain(project(), "--size", "center")  # 1920×1080
    assert "qr" not in regions
    assert regions["subtitle"]["box"] == [
        round(0.3 * 1920),
        round(0.52 * 1080),
        round(0.7 * 1920) - round(0.3 * 1920),
        round(0.8 * 1080) - round(0.52 * 1080),
    ]
    assert regions["title"]["box"][1] == round(0.06 * 1080)


@pytest.mark.parametrize("item", ["food-drug-medicine", "publicity-interaction-quiz", "publicity-interaction-story-call"])
def test_a_tall_screen_slide_sits_in_the_middle_of_its_space(project: Callable[..., Path], item: str) -> None:
    result = run_qm("poster", item, "--layout", "screen-slide", "--size", "station", "--explain", "-c", project())
    regions = {r["region"]: r for r in json.loads(result.stdout)["regions"]}
    title, line, footer = regions["title"], regions["subtitle"], regions["footer"]
    top = title["box"][1] + title["box"][3] - len(title["lines"]) * title["font_size"] * 1.2  # written bottom up
    bottom = line["box"][1] + len(line["lines"]) * line["font_size"] * 1.3  # written top down
    empty_above, empty_below = top, footer["box"][1] - bottom
    assert abs(empty_above - empty_below) < 0.12 * 1920, (item, empty_above, empty_below)
