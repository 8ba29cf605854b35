"""Making one poster: resolve layout, size and font, skip it if its cache key is unchanged, else
arrange, paint, encode within the medium's limit and write its files atomically. Pillow and the
painting are imported only when a poster is drawn: a build with nothing to draw only compares keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.atomic_files import atomic_write_bytes
from . import cache, fonts
from .arrange import Arrangement, arrange, shown_words
from .job import Job
from .prepared import Prepared, describe
from .prepared import prepare as prepare  # callers prepare and draw through this module


@dataclass(frozen=True)
class Made:
    job: Job
    files: tuple[Path, ...]
    drawn: bool  # False: the cached files were up to date


def words(p: Prepared) -> str:
    """Every character the poster shows (`arrange.shown_words`)."""
    return shown_words(p.layout, p.size, p.fields)


def arrangement(campaign: Campaign, p: Prepared, font_files: Sequence[fonts.FontFile]) -> Arrangement:
    font = fonts.choose(font_files, words(p))
    return arrange(p.layout, p.size, p.fields, campaign.brand, font, describe(p), campaign.posters.photo)


def make_poster(
    campaign: Campaign, p: Prepared, font_files: Sequence[fonts.FontFile], force: bool = False, keep_key: bool = True, replace: bool = True
) -> Made:
    """Draw `p` unless its files are up to date. `keep_key=False` (a file the person named with -o) leaves
    no cache key beside it, nor removes the other format's file there: only qm's own posters folder holds
    them. `replace=False` puts no file over one that exists: FileExistsError (`atomic_write_bytes`)."""
    if not force and (files := cache.fresh_files(p.job.out, p.key)):
        return Made(p.job, tuple(files), False)
    from . import export
    from .draw import paint

    image = paint(arrangement(campaign, p, font_files), campaign.brand)
    encoded = export.encode(image, p.size.dpi, p.size.medium, describe(p))
    main = p.job.out.with_suffix(encoded.suffix)
    atomic_write_bytes(main, encoded.data, durable=False, replace=replace)
    written, data = [main], [encoded.data]
    if keep_key:  # qm's own folder: the poster drawn before in the other format
        p.job.out.with_suffix(".png" if encoded.suffix == ".jpg" else ".jpg").unlink(missing_ok=True)
    if p.size.pdf:
        pdf = p.job.out.with_suffix(".pdf")
        data.append(export.pdf_bytes(image, p.size.dpi))
        atomic_write_bytes(pdf, data[-1], durable=False, replace=replace)
        written.append(pdf)
    if keep_key:
        cache.record(p.job.out, p.key, written, data)
    return Made(p.job, tuple(written), True)
