"""The poster cache key counts the campaign's photograph once, by its bytes, and only for posters whose layout
draws it: another photograph redraws the photo family's posters and no others; the same photograph saved
again redraws nothing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import fonts
from scheduler.poster.job import Job
from scheduler.poster.prepared import prepare
from scheduler.poster.texts import PosterText
from tests.conftest import ROOT

EXAMPLE = "templates/posters/photo/example-city.jpg"
PHOTO_ITEM, RED_ITEM = "mechanism-cma", "goods-salt-iodised"  # the example config's photo and red families


def test_the_key_follows_the_photographs_bytes_only_where_it_is_drawn(project: Callable[..., Path], tmp_path: Path) -> None:
    photo = tmp_path / "city.jpg"
    shutil.copyfile(ROOT / EXAMPLE, photo)
    campaign = load_campaign(project(lambda t: t.replace(f"photo: {EXAMPLE}", f"photo: {photo}")))
    assert campaign.posters.photo == photo
    library = load_library(campaign.paths.content, campaign.text_values)
    font_files = fonts.candidates(None)

    def keys() -> dict[str, str]:
        made = {}
        for item_id in (PHOTO_ITEM, RED_ITEM):
            job = Job(PosterText.of(library.by_id[item_id]), "knowledge-card", "square", tmp_path / f"{item_id}.png")
            made[item_id] = prepare(campaign, job, font_files).key
        return made

    assert campaign.posters.family_for(library.by_id[PHOTO_ITEM].area) == "photo"
    assert campaign.posters.family_for(library.by_id[RED_ITEM].area) == "red"
    before = keys()

    photo.write_bytes(photo.read_bytes())  # saved again unchanged, at another time
    os.utime(photo, ns=(1_000_000_000, 1_000_000_000))
    assert keys() == before

    Image.new("RGB", (640, 480), (30, 90, 160)).save(photo, "JPEG")  # another photograph
    after = keys()
    assert after[PHOTO_ITEM] != before[PHOTO_ITEM]  # drawn under the photo family's posters: they are drawn again
    assert after[RED_ITEM] == before[RED_ITEM]  # a red poster shows no photograph: it stays as it was
