"""One print PDF: what `qm print` and the posters batch (config `posters.print`) ask for.

A job names a sheet (`wallchart` 挂图, `leaflet` 传单) or a poster layout, the items (by topic or
area, or listed), the paper and RGB or CMYK. Items are taken from the content library in its order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..inputs.poster_settings import PrintSheet
from ..support.atomic_files import temp_beside
from ..support.errors import PosterError
from ..support.file_digest import file_digest
from ..support.suggest import titled
from . import cache, fonts, print_files, printsheets, sizes
from .arrange import Arrangement, arrange, shown_words
from .layout import family_folder, load_layout
from .print_entries import refused
from .print_forms import PAPERS, SHEETS
from .printpick import Picked, ordered, pick
from .texts import PosterText, fields


def chosen_items(campaign: Campaign, job: PrintSheet, library: Library, today: dt.date) -> list[PosterText]:
    """The items `job` prints when made on `today` (printpick.pick)."""
    return pick(campaign, job, library, today).items


def title_of(picked: Picked) -> str:
    if picked.about:
        return picked.about
    return picked.items[0].title if len(picked.items) == 1 else "质量知识"


def make_print(campaign: Campaign, library: Library, job: PrintSheet, out: Path, today: dt.date) -> tuple[Path, Picked]:
    """Write the PDF for `job`, made on `today`, to `out` (through a temporary file: never half-written)."""
    job, sheet, picked = ordered(campaign, job, library, today)
    items = picked.items
    title = title_of(picked)
    font_files = fonts.candidates(campaign.brand.font)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(out)  # its own name: the same sheet made twice at once (two presses of 重新生成) never shares one
    try:
        if job.layout in SHEETS:
            font = fonts.choose(font_files, printsheets.texts_needed(campaign, items, title))
            if job.layout == "wallchart":
                printsheets.wallchart(printsheets.Order(campaign, items, title, sheet, font, job.cmyk), tmp)
            else:
                printsheets.leaflet(printsheets.Order(campaign, items, title, sheet, font, job.cmyk), tmp)
        else:
            printsheets.poster_pdf(campaign, poster_arrangement(campaign, job, items[0], font_files), sheet, tmp, cmyk=job.cmyk)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    if out.parent.resolve() == (campaign.paths.posters / print_files.FOLDER).resolve():  # what the sign-off is asked about
        _note(out, library, items, job)
    return out, picked


def _note(out: Path, library: Library, items: list[PosterText], job: PrintSheet) -> None:
    """Beside a sheet in posters/print: the items it carries, each with its content's digest now, and the job that
    made it (`print_files`)."""
    print_files.note_items(out, [(i.id, library.by_id[i.id].digest) for i in items], job)


def poster_arrangement(campaign: Campaign, job: PrintSheet, item: PosterText, font_files: list[fonts.FontFile]) -> Arrangement:
    """A poster layout arranged for the print PDF of `item` on the job's paper: as its PNG of that paper is (same
    size, print rules, font), so the PDF says what the PNG says (the organiser in the footer where it fits)."""
    sheet = PAPERS[job.paper]
    layout = load_layout(family_folder(campaign.paths.templates, campaign.posters.family_for(item.area)), job.layout)
    size = sizes.on_paper(sheet.name, sheet.width_mm, sheet.height_mm)
    values = fields(campaign, item)
    font = fonts.choose(font_files, shown_words(layout, size, values))
    what = f"内容 {item.id} 的印刷海报 {titled(layout.name, layout.label, sheet.name)}"
    return arrange(layout, size, values, campaign.brand, font, what, campaign.posters.photo)


def remake(campaign: Campaign, library: Library, sheet: print_files.Sheet, today: dt.date) -> bool:
    """Make `sheet` again in its place as the command `print_standing.remaking` names would: a `posters.print`
    entry as `qm posters` makes it, else the `qm print` job noted beside it. False when what made it is not known."""
    ours = {p.file_name() for p in campaign.posters.prints}
    job = sheet.job
    if job is None or (job.where and job.file_name() in ours):
        name = job.file_name() if job is not None else sheet.name
        return name in ours and bool(make_prints(campaign, library, today, force=True, only=name).made)
    make_print(campaign, library, job, sheet.path, today)
    return True


__all__ = ["PAPERS", "PrintSheet", "make_print"]


@dataclass(frozen=True)
class Prints:
    made: list[Path]
    skipped: list[Path]  # unchanged since they were last made
    left_out: list[str]  # what a topic's sheet left out and why, each naming its config entry
    thin: list[str]  # wall charts of one or two items, each naming its config entry


def make_prints(campaign: Campaign, library: Library, today: dt.date, *, force: bool = False, only: str = "") -> Prints:
    """The print PDFs config `posters.print` asks for, made on `today`, under posters/print/ (`only`: the one of
    that file name). An entry that cannot be made is refused naming its file:line."""
    done = Prints([], [], [], [])
    font_files = fonts.candidates(campaign.brand.font)
    for sheet in campaign.posters.prints:
        if only and sheet.file_name() != only:
            continue
        try:
            sheet, _, picked = ordered(campaign, sheet, library, today)
            out = campaign.paths.posters / print_files.FOLDER / sheet.file_name()
            key = _key(campaign, library, sheet, picked.items, font_files)
            done.left_out.extend(f"{sheet.where}：{note}" for note in picked.left_out)
            done.thin.extend(f"{sheet.where}：{note}" for note in picked.thin)
            if not force and cache.fresh_files(out, key):
                if print_files.noted(out, file_digest(out))[1] is None:  # made before sheets (or their jobs) were noted
                    _note(out, library, picked.items, sheet)
                done.skipped.append(out)
                continue
            make_print(campaign, library, sheet, out, today)
        except PosterError as e:
            raise refused(sheet, e) from None
        cache.record(out, key, [out])
        done.made.append(out)
    return done


def _key(campaign: Campaign, library: Library, sheet: PrintSheet, items: list[PosterText], font_files: list[fonts.FontFile]) -> str:
    family = campaign.posters.family_for(items[0].area) if items else campaign.posters.family
    layout = family_folder(campaign.paths.templates, family) / f"{sheet.layout}.yaml"
    blob = [
        cache.code_version(),
        repr(sheet),
        [library.by_id[i.id].digest for i in items],
        repr(campaign.brand),
        [campaign.name, campaign.theme, campaign.organizer, campaign.hotline, repr(campaign.contacts)],
        [f.identity for f in font_files],
        cache.file_id(campaign.posters.photo),
        layout.read_text(encoding="utf-8") if layout.is_file() else "",
    ]
    return hashlib.sha256(json.dumps(blob, ensure_ascii=False, default=str).encode()).hexdigest()
