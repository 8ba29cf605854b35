"""Draws docs/families.png: one item in the three poster families × the six layouts (each at its usual size).

Run from the project folder: .venv/bin/python docs/make_families.py
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.poster import fonts
from scheduler.poster.layout import FAMILIES, family_folder, layout_names, load_layout
from scheduler.poster.make import Job, make_poster, prepare
from scheduler.poster.texts import PosterText

ROOT = Path(__file__).resolve().parent.parent
ITEM = "anti-fake-sc-code"
SIZES = {"banner": "2400x240", "screen-slide": "1920x1080"}  # a shorter banner, so the sheet stays readable
CELL = 300


def main() -> None:
    campaign = load_campaign(ROOT / "config.yaml")
    item = load_library(campaign.paths.content, campaign.text_values).by_id[ITEM]
    layouts = layout_names(campaign.paths.templates / "posters")
    font_files = fonts.candidates(campaign.brand.font)
    label_font = fonts.choose(font_files, "红色知识单照片").load(22, "bold")
    sheet = Image.new("RGB", (130 + len(layouts) * (CELL + 16), 60 + len(FAMILIES) * (CELL + 16)), "#E8E8E8")
    draw = ImageDraw.Draw(sheet)
    for col, name in enumerate(layouts):
        draw.text((130 + col * (CELL + 16) + CELL // 2, 30), name, font=label_font, fill="#333333", anchor="mm")
    with tempfile.TemporaryDirectory() as tmp:
        for row, family in enumerate(FAMILIES):
            draw.text((12, 60 + row * (CELL + 16) + CELL // 2), FAMILIES[family].split("（")[0], font=label_font, fill="#333333", anchor="lm")
            fam = dataclasses.replace(campaign, posters=dataclasses.replace(campaign.posters, family=family, families=()))
            for col, name in enumerate(layouts):
                size = SIZES.get(name) or load_layout(family_folder(campaign.paths.templates, family), name).default_size
                job = Job(PosterText.of(item), name, size, Path(tmp) / f"{family}-{name}.png")
                made = make_poster(fam, prepare(fam, job, font_files), font_files, force=True)
                with Image.open(made.files[0]) as img:
                    img.thumbnail((CELL, CELL))
                    x = 130 + col * (CELL + 16) + (CELL - img.width) // 2
                    y = 60 + row * (CELL + 16) + (CELL - img.height) // 2
                    sheet.paste(img.convert("RGB"), (x, y))
    sheet.save(ROOT / "docs" / "families.png", optimize=True)


if __name__ == "__main__":
    main()
