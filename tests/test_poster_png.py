"""The fast PNG writer: the same pixels and resolution as Pillow's writer, decoded by Pillow."""

from __future__ import annotations

import io
import os
import zlib

import pytest
from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.poster import fonts, png
from scheduler.poster.draw import paint
from scheduler.poster.make import Job, arrangement, prepare
from scheduler.poster.texts import PosterText


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def same_picture(a: bytes, b: bytes) -> None:
    first, second = decoded(a), decoded(b)
    assert (first.mode, first.size) == (second.mode, second.size)
    assert first.tobytes() == second.tobytes()
    assert first.info["dpi"] == second.info["dpi"]


@pytest.mark.parametrize("layout,size", [("knowledge-card", "wechat-cover"), ("slogan", "portrait"), ("screen-slide", "1920x1080")])
def test_a_drawn_poster_decodes_to_the_pixels_pillow_writes(heihe: Campaign, layout: str, size: str) -> None:
    text = PosterText(
        "goods-salt-iodised", "吃盐要适量，碘盐要会选", "碘盐要会选", "买盐看包装，吃盐要适量", "食盐要到正规商超购买包装盐。"
    )
    font_files = fonts.candidates(heihe.brand.font)
    prepared = prepare(heihe, Job(text, layout, size, heihe.paths.posters / "unused.png"), font_files)
    image = paint(arrangement(heihe, prepared, font_files), heihe.brand)
    fast = png.png_bytes(image, 72)
    same_picture(fast, png.pillow_png_bytes(image, 72))
    assert decoded(fast).tobytes() == image.tobytes()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "1"])
def test_every_mode_round_trips_with_its_resolution(mode: str) -> None:
    image = Image.frombytes("RGB", (37, 23), os.urandom(37 * 23 * 3)).convert(mode)
    data = png.png_bytes(image, 300)
    assert decoded(data).mode == mode and decoded(data).tobytes() == image.tobytes()
    assert decoded(data).info["dpi"] == pytest.approx((300, 300), abs=0.01)
    same_picture(data, png.pillow_png_bytes(image, 300))


def test_rows_are_stored_without_filter_trials() -> None:
    image = Image.frombytes("RGB", (64, 8), os.urandom(64 * 8 * 3))
    data = png.png_bytes(image, 72)
    at = data.index(b"IDAT")
    length = int.from_bytes(data[at - 4 : at], "big")
    rows = zlib.decompress(data[at + 4 : at + 4 + length])
    assert [rows[y * (64 * 3 + 1)] for y in range(8)] == [0] * 8  # filter type "none" on every row


def test_the_standard_library_fallback_writes_the_same_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    image = Image.frombytes("RGB", (50, 40), os.urandom(50 * 40 * 3))
    fast = png.png_bytes(image, 72)
    monkeypatch.setattr(png, "_fast", None)
    plain = png.png_bytes(image, 72)
    assert plain != fast or png.DEFLATE == "zlib"
    same_picture(plain, fast)
