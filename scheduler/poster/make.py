"""Making one poster: resolve layout, size and font, skip it if its cache key is unchanged, else
arrange, paint, encode within the medium's limit and write its files atomically. Pillow and the
painting are imported only when a poster is drawn: a build with nothing to draw only compares keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.atomic_files import atomic_write_bytes
from ..support.errors import PosterError
from . import cache, fonts, sizes
from .arrange import Arrangement, arrange
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


@dataclass(frozen=True)
class Made:
    job: Job
    files: tuple[Path, ...]
    drawn: bool  # False: the cached files were up to date


def prepare(campaign: Campaign, job: Job, font_files: Sequence[fonts.FontFile]) -> Prepared:
    layout = load_layout(family_folder(campaign.paths.templates, campaign.posters.family_for(job.text.area)), job.layout)
    size = sizes.resolve(job.size, campaign)
    refuse_unfit(campaign, layout, size)
    values = fields(campaign, job.text)
    return Prepared(job, layout, size, values, cache.poster_key(layout, values, campaign.brand, size, font_files))


SHAPE_LABELS = {"strip": "横幅（特宽）", "wide": "横向", "square": "方形", "tall": "竖向"}


def refuse_unfit(campaign: Campaign, layout: Layout, size: sizes.Size) -> None:
    """A clear refusal, naming the sizes that do fit, when the layout has no variant for this size's shape."""
    if layout.fits(size.width, size.height):
        return
    fitting = [n for n in sizes.names(campaign) if (s := sizes.resolve(n, campaign)) and layout.fits(s.width, s.height)]
    shapes = "、".join(SHAPE_LABELS[s] for s in layout.variants)
    raise PosterError(
        f"版式 {layout.name}（{layout.label}）不适合尺寸 {size.name}（{size.width}×{size.height}，{SHAPE_LABELS[shape_of(size.width, size.height)]}）："
        f"它只排{shapes}画面，适合的尺寸有 {'、'.join(fitting) or '（无）'}，或同样形状的 宽x高"
    )


def describe(job: Job) -> str:
    whose = f"内容 {job.text.id} 的" if job.text.id else "自定义文字的"
    return f"{whose}海报 {job.layout}（{job.size}）"


def words(p: Prepared) -> str:
    """Every character the poster shows: its regions' texts and captions at its size."""
    variant = p.layout.variant_for(p.size.width, p.size.height)
    return "".join(r.text.format_map(p.fields) + r.caption for r in variant.regions)


def arrangement(campaign: Campaign, p: Prepared, font_files: Sequence[fonts.FontFile]) -> Arrangement:
    font = fonts.choose(font_files, words(p))
    return arrange(p.layout, p.size, p.fields, campaign.brand, font, describe(p.job), campaign.posters.photo)


def make_poster(campaign: Campaign, p: Prepared, font_files: Sequence[fonts.FontFile], force: bool = False, keep_key: bool = True) -> Made:
    """Draw `p` unless its files are up to date. `keep_key=False` (a file the person named with -o) leaves
    no cache key beside it: only qm's own posters folder holds them."""
    if not force and (files := cache.fresh_files(p.job.out, p.key)):
        return Made(p.job, tuple(files), False)
    from . import export
    from .draw import paint

    image = paint(arrangement(campaign, p, font_files), campaign.brand)
    encoded = export.encode(image, p.size.dpi, p.size.medium, describe(p.job))
    main = p.job.out.with_suffix(encoded.suffix)
    atomic_write_bytes(main, encoded.data, durable=False)
    written = [main]
    stale = p.job.out.with_suffix(".png" if encoded.suffix == ".jpg" else ".jpg")
    stale.unlink(missing_ok=True)
    if p.size.pdf:
        pdf = p.job.out.with_suffix(".pdf")
        atomic_write_bytes(pdf, export.pdf_bytes(image, p.size.dpi), durable=False)
        written.append(pdf)
    if keep_key:
        cache.record(p.job.out, p.key, written)
    return Made(p.job, tuple(written), True)
