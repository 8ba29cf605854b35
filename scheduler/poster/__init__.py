"""Posters: Chinese typography with Pillow, in every size the campaign prints or shows.

    layout.py     declarative layouts from templates/posters/<layout>.yaml
    linebreak.py  Chinese line breaking with the 禁则 rules (pure)
    pieces.py     what a line may not break inside: 禁则 pieces, whole words, clauses, a footer's items (pure)
    fit.py        auto-fit: largest size that fits, down to a readable minimum (pure)
    fonts.py      CJK font resolution and glyph coverage
    arrange.py    arrange regions: boxes, lines and font sizes (what --explain shows)
    draw.py       paint an arrangement; judge it by the colours painted behind each text
    qr.py         QR codes
    sizes.py      size presets, screens, paper, banner, WxH
    export.py     file-size limits per medium, PNG/JPEG/PDF
    cache.py      cache keys: an unchanged poster is never drawn again
    job.py        a poster to make (what the daemon hands its drawing child: no Pillow)
    prepared.py   a job resolved: layout, size, words and cache key (no Pillow)
    freshness.py  whether a poster on disk was drawn from the inputs it has now
    make.py       one poster; batch.py many, in parallel

Other modules get a poster for an image reference with `ensure`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .texts import PosterText

if TYPE_CHECKING:  # drawing (Pillow) and rendering (Jinja) load on first use: `qm plan` reads fonts.py only
    from ..inputs.campaign import Campaign
    from ..inputs.content import ContentItem
    from ..support.values import ImageRef
    from .job import Job

__all__ = ["PosterText", "ensure", "job_for"]


def job_for(campaign: Campaign, source: ContentItem | PosterText, image: ImageRef) -> Job:
    from ..support.values import poster_path
    from .job import Job

    text = source if isinstance(source, PosterText) else PosterText.of(source)
    return Job(text, image.layout, image.size, poster_path(campaign.paths.posters, image))


def ensure(campaign: Campaign, source: ContentItem | PosterText, image: ImageRef) -> Path:
    """The poster file for an image reference, drawn now unless an up-to-date one exists."""
    from . import fonts
    from .make import make_poster
    from .prepared import prepare

    font_files = fonts.candidates(campaign.brand.font)
    prepared = prepare(campaign, job_for(campaign, source, image), font_files)
    return make_poster(campaign, prepared, font_files).files[0]
