"""One print PDF: what `qm print` and the posters batch (config `posters.print`) ask for.

A job names a sheet (`wallchart` 挂图, `leaflet` 传单) or a poster layout, the items (by topic or
area, or listed), the paper and RGB or CMYK. Items are taken from the content library in its order.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..inputs.campaign import Campaign, PrintSheet
from ..inputs.campaign_days import outdated, valid_during
from ..inputs.content import Library
from ..inputs.vocabulary import AREAS, TOPICS
from ..support.errors import PosterError
from . import cache, fonts, printsheets, sizes
from .arrange import arrange
from .layout import family_folder, layout_names, load_layout
from .printpage import PAPERS
from .printsheets import SHEET_PAPERS, SHEETS
from .texts import PosterText, fields

POSTER_PAPERS = ("a3", "a2", "a1")
WALLCHART_MAX = 8


def layouts(campaign: Campaign) -> list[str]:
    return [*SHEETS, *layout_names(campaign.paths.templates / "posters")]


def chosen_items(campaign: Campaign, job: PrintSheet, library: Library) -> list[PosterText]:
    """The items `job` prints: those it lists, or its topic's (or area's) that are valid during the
    campaign. A listed item that is not valid during the campaign is refused: outdated rules must
    not go to the printer."""
    if job.items and job.topic:
        raise PosterError("--topic 和 --items 只能用一个")
    if job.items:
        missing = [i for i in job.items if library.get(i) is None]
        if missing:
            raise PosterError(f"内容库中没有这些内容编号：{'、'.join(missing)}（用 qm plan 查看内容编号）")
        listed = [library.by_id[i] for i in job.items]
        refused = [p for p in (outdated(campaign, i, "印刷") for i in listed) if p]
        if refused:
            raise PosterError(problems=refused)
        return [PosterText.of(i) for i in listed]
    if not job.topic:
        raise PosterError("请用 --topic 指定主题（如 anti-fake）或领域（如 rights），或用 --items 列出内容编号")
    if job.topic not in TOPICS and job.topic not in AREAS:
        raise PosterError(f"没有主题或领域 {job.topic!r}（主题：{'、'.join(TOPICS)}；领域：{'、'.join(AREAS)}）")
    of_topic = [i for i in library.items if i.topic == job.topic] or [i for i in library.items if i.area == job.topic]
    if not of_topic:
        raise PosterError(f"内容库中没有主题或领域为 {job.topic} 的内容")
    found = [PosterText.of(i) for i in of_topic if valid_during(campaign, i)]
    if not found:
        raise PosterError(
            f"主题或领域 {job.topic} 的 {len(of_topic)} 条内容都不在活动期 {campaign.start} 至 {campaign.end} 的有效期内",
            [p for p in (outdated(campaign, i, "印刷") for i in of_topic) if p],
        )
    return found


def title_of(job: PrintSheet, items: list[PosterText]) -> str:
    if job.topic:
        return TOPICS.get(job.topic) or AREAS[job.topic]
    return items[0].title if len(items) == 1 else "质量知识"


def make_print(campaign: Campaign, library: Library, job: PrintSheet, out: Path) -> Path:
    """Write the PDF for `job` to `out` (through a temporary file: never half-written)."""
    if job.layout not in layouts(campaign):
        raise PosterError(
            f"没有版式 {job.layout!r}（可用：{'、'.join(f'{n}（{SHEETS[n]}）' if n in SHEETS else n for n in layouts(campaign))}）"
        )
    items = chosen_items(campaign, job, library)
    title = title_of(job, items)
    font_files = fonts.candidates(campaign.brand.font)
    tmp = out.with_name(f".{out.name}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if job.layout in SHEETS:
            sheet = printsheets.paper(job.paper, SHEET_PAPERS[job.layout], SHEETS[job.layout])
            font = fonts.choose(font_files, printsheets.texts_needed(campaign, items, title))
            if job.layout == "wallchart":
                printsheets.wallchart(printsheets.Order(campaign, items[:WALLCHART_MAX], title, sheet, font, job.cmyk), tmp)
            else:
                chosen = items[: printsheets.LEAFLET_ITEMS[1]] if job.topic else items  # a topic gives its first six
                printsheets.leaflet(printsheets.Order(campaign, chosen, title, sheet, font, job.cmyk), tmp)
        else:
            if len(items) != 1:
                raise PosterError(f"海报版式 {job.layout} 一次印一条内容：用 --items 给出一个内容编号（现在是 {len(items)} 条）")
            sheet = printsheets.paper(job.paper, POSTER_PAPERS, f"海报版式 {job.layout}")
            layout = load_layout(family_folder(campaign.paths.templates, campaign.posters.family_for(items[0].area)), job.layout)
            size = sizes.Size(
                sheet.name,
                sizes.mm_to_px(sheet.width_mm, sizes.PRINT_DPI),
                sizes.mm_to_px(sheet.height_mm, sizes.PRINT_DPI),
                sizes.PRINT_DPI,
            )
            values = fields(campaign, items[0])
            variant = layout.variant_for(size.width, size.height)
            font = fonts.choose(font_files, "".join(r.text.format_map(values) + r.caption for r in variant.regions))
            what = f"内容 {items[0].id} 的印刷海报 {job.layout}（{sheet.name}）"
            arr = arrange(layout, size, values, campaign.brand, font, what, campaign.posters.photo)
            printsheets.poster_pdf(campaign, arr, sheet, tmp, cmyk=job.cmyk)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


__all__ = ["PAPERS", "PrintSheet", "make_print"]


def make_prints(campaign: Campaign, library: Library, *, force: bool = False) -> tuple[list[Path], list[Path]]:
    """The print PDFs config `posters.print` asks for, under posters/print/: (made, skipped as unchanged)."""
    made: list[Path] = []
    skipped: list[Path] = []
    font_files = fonts.candidates(campaign.brand.font)
    for sheet in campaign.posters.prints:
        out = campaign.paths.posters / "print" / sheet.file_name()
        key = _key(campaign, library, sheet, font_files)
        if not force and cache.fresh_files(out, key):
            skipped.append(out)
            continue
        make_print(campaign, library, sheet, out)
        cache.record(out, key, [out])
        made.append(out)
    return made, skipped


def _key(campaign: Campaign, library: Library, sheet: PrintSheet, font_files: list[fonts.FontFile]) -> str:
    items = chosen_items(campaign, sheet, library)
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
