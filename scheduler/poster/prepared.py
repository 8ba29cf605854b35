"""A poster job resolved for drawing: its layout, size and words, and the cache key they give.

No drawing code (Pillow): the daemon, which never draws, uses it to tell whether a poster on disk is
still the one its post needs (`freshness.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..support.errors import PosterError
from ..support.suggest import titled
from . import cache, fonts, sizes
from .job import Job
from .layout import Layout, family_folder, load_layout, shape_of
from .texts import fields


@dataclass(frozen=True)
class Prepared:
    """Everything a job needs, resolved once (cheap, no drawing): enough to compute its cache key."""

    job: Job
    layout: Layout
    size: sizes.Size
    fields: dict[str, str]
    key: str


def prepare(campaign: Campaign, job: Job, font_files: Sequence[fonts.FontFile]) -> Prepared:
    family = campaign.posters.family_for(job.text.area)
    layout = load_layout(family_folder(campaign.paths.templates, family), job.layout)
    size = sizes.resolve(job.size, campaign)
    refuse_unfit(campaign, layout, size)
    values = fields(campaign, job.text)
    drawn = layout.variant_for(size.width, size.height).photo  # the photograph under everything (`arrange`)
    photo = campaign.posters.photo if drawn else None  # counted in the key once, by its bytes: another one redraws it
    return Prepared(job, layout, size, values, cache.poster_key(layout, values, campaign.brand, size, font_files, photo))


SHAPE_LABELS = {"strip": "横幅（特宽）", "wide": "横向", "square": "方形", "tall": "竖向"}


def refuse_unfit(campaign: Campaign, layout: Layout, size: sizes.Size) -> None:
    """A clear refusal, naming the sizes that do fit, when the layout has no variant for this size's shape."""
    if layout.fits(size.width, size.height):
        return
    fitting = [n for n in sizes.names(campaign) if (s := sizes.resolve(n, campaign)) and layout.fits(s.width, s.height)]
    shapes = "、".join(SHAPE_LABELS[s] for s in layout.variants)
    raise PosterError(
        f"版式 {titled(layout.name, layout.label)}不适合尺寸 {size.name}（{size.width}×{size.height}，{SHAPE_LABELS[shape_of(size.width, size.height)]}）："
        f"它只排{shapes}画面，适合的尺寸有 {'、'.join(fitting) or '（无）'}，或同样形状的 宽x高"
    )


def describe(p: Prepared) -> str:
    """The poster as messages name it: whose, its layout by its Chinese name, its size."""
    whose = f"内容 {p.job.text.id} 的" if p.job.text.id else "自定义文字的"
    return f"{whose}海报 {titled(p.job.layout, p.layout.label, p.job.size)}"
