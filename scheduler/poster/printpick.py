"""Which items a print sheet carries, and what was left out and why.

A job lists its items, or names a topic (or area) whose items valid during the campaign are taken in the
library's order, as many as the sheet holds. Launch items written for before the event (`phase: before`:
"will be held", "come and see") never share a sheet with those reporting it (`phase: after`): a sheet
made before the launch day carries the first, one made on the launch day the second; a sheet made later
carries neither (the report says "today").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ..inputs.campaign import Campaign
from ..inputs.campaign_days import outdated, valid_during
from ..inputs.content import ContentItem, Library
from ..inputs.poster_settings import PrintSheet
from ..inputs.vocabulary import AREAS, TOPICS, subject, subject_name
from ..support.errors import PosterError
from ..support.suggest import close_to, did_you_mean, guess_of, named, titled
from .layout import layout_label, layout_named
from .print_forms import POSTER_PAPERS, SHEET_PAPERS, SHEETS, Paper, counts, paper
from .texts import PosterText

FULL_WALLCHART = 3  # fewer items than this leave most of a wall chart white
THIN = "挂图的内容太少"  # how the note on such a wall chart begins, from qm print and posters.print alike


@dataclass(frozen=True)
class Picked:
    items: list[PosterText]
    left_out: list[str]  # each: which items a topic's sheet left out, and why
    thin: list[str]  # for a wall chart of one or two items: what to print instead
    about: str = ""  # the Chinese name of the topic or area whose items these are; "" for items listed


def thin(job: PrintSheet, items: list[PosterText]) -> list[str]:
    """What to say of a wall chart of so few items that most of it stays white: nothing for others."""
    if job.layout != "wallchart" or len(items) >= FULL_WALLCHART:
        return []
    ids = "、".join(i.id for i in items)
    if job.where:
        instead = f"：在 posters.print 中每条写一项，如 - {{layout: knowledge-card, items: [{items[0].id}]}}"
    else:
        instead = f"，如：qm print knowledge-card --items {items[0].id}"
    return [
        f"挂图只有 {len(items)} 条内容（{ids}），版面会留下大片空白（字号不会大过挂图的标题）。一两条内容更适合印成海报，每条一张{instead}"
    ]


def option(job: PrintSheet, key: str) -> str:
    """How the person who asked names `key`: the `qm print` option, or the `posters.print` entry's key."""
    return f"{key}" if job.where else f"--{key}"


def ordered(campaign: Campaign, job: PrintSheet, library: Library, today: dt.date) -> tuple[PrintSheet, Paper, Picked]:
    """What `job` asks for, made on `today`, before anything is drawn: its layout by its file name, the items it
    carries (`pick`) and its paper; PosterError saying what to change when it cannot be made. `qm print`,
    `qm posters` and `qm check` (config `posters.print`) all ask here."""
    folder = campaign.paths.templates / "posters"
    job = replace(job, layout=layout_named(folder, job.layout, SHEETS))
    picked = pick(campaign, job, library, today)
    size = option(job, "size")
    if job.layout in SHEETS:
        return job, paper(job.paper, SHEET_PAPERS[job.layout], SHEETS[job.layout], size), picked
    return job, paper(job.paper, POSTER_PAPERS, f"海报版式 {titled(job.layout, layout_label(folder, job.layout))}", size), picked


def pick(campaign: Campaign, job: PrintSheet, library: Library, today: dt.date) -> Picked:
    """The items `job` prints, made on `today`. A listed item that is not valid during the campaign is
    refused (outdated rules must not go to the printer), as are listed launch items of both phases."""
    items, topic = option(job, "items"), option(job, "topic")
    if job.items and job.topic:
        raise PosterError(f"{topic} 和 {items} 只能用一个")
    if job.items:
        listed = _listed(campaign, job, library)
        _refuse_count(campaign, job, len(listed))
        return _picked(job, listed, [])
    if not job.topic:
        raise PosterError(f"请用 {topic} 指定主题（如 识假辨假）或领域（如 质量宣传），中文名或编号都可以；或用 {items} 列出内容编号")
    kind, key, of_topic = _of_subject(job.topic, library)
    what = subject_name(kind, key)
    if not of_topic:
        raise PosterError(f"内容库中没有{what}的内容")
    found = [i for i in of_topic if valid_during(campaign, i)]
    if not found:
        raise PosterError(
            f"{what}的 {len(of_topic)} 条内容都不在活动期 {campaign.start} 至 {campaign.end} 的有效期内",
            [p for p in (outdated(campaign, i, "印刷") for i in of_topic) if p],
        )
    left_out: list[str] = []
    launch = campaign.key_dates.launch
    keep = "before" if today < launch else "after"
    other = [i for i in found if i.phase and i.phase != keep]
    if other:
        found = [i for i in found if i not in other]
        when = (
            f"今天（{today}）还没到启动日 {launch}，只印活动前的预告和邀请"
            if keep == "before"
            else f"今天（{today}）已到启动日 {launch}，只印活动的报道"
        )
        left_out.append(
            f"略去 {len(other)} 条{'活动开始后的报道' if keep == 'before' else '活动开始前的预告和邀请'}（{_ids(other)}）："
            f"{when}，两种说法不能印在一起"
        )
    stale = [i for i in found if i.phase == "after"] if today > launch else []
    if stale:  # the report of the launch says "today": right on paper handed out that day only
        found = [i for i in found if i not in stale]
        left_out.append(
            f"略去 {len(stale)} 条启动当天的报道（{_ids(stale)}）：它写的是“今天……举行”，"
            f"只适合启动日 {launch} 当天发放的材料，今天（{today}）印的材料发出时已不是那一天"
        )
    lo, hi = counts(job.layout)
    if job.layout in SHEETS and len(found) > hi:
        left_out.append(
            f"{what}有 {len(found)} 条可印的内容，{SHEETS[job.layout]}最多 {hi} 条："
            f"印了内容库中的前 {hi} 条，略去 {len(found) - hi} 条（{_ids(found[hi:])}）；要印别的几条，用 {items} 列出内容编号"
        )
        found = found[:hi]
    if not lo <= len(found) <= hi:
        _refuse_count(campaign, job, len(found))
    return _picked(job, found, left_out, (TOPICS if kind == "topic" else AREAS)[key])


def _of_subject(written: str, library: Library) -> tuple[str, str, list[ContentItem]]:
    """The topic (or area) a sheet names, as ("topic" | "area", id), and its items. An id both a topic
    and an area have (brand) takes the area's items when no item has the topic."""
    found = subject(written)
    if found is None:
        guess = _closest(written)
        raise PosterError(
            f"没有主题或领域 {written!r}{f'（{guess}）' if guess else ''}：中文名或编号都可以，"
            f"主题有 {'、'.join(named(t, TOPICS) for t in TOPICS)}；领域有 {'、'.join(named(a, AREAS) for a in AREAS)}"
        )
    kind, key = found
    items = [i for i in library.items if (i.topic if kind == "topic" else i.area) == key]
    if not items and kind == "topic" and written == key and key in AREAS:
        kind, items = "area", [i for i in library.items if i.area == key]
    return kind, key, items


def _closest(written: str) -> str:
    """The topics or areas `written` probably means: a mistyped id (brand: the topic's and the area's), else
    the one whose Chinese name shares most of it, topics and areas ranked together (维权: the area rights)."""
    ids = close_to(written, [*TOPICS, *AREAS])
    shown = [named(i, TOPICS) for i in ids if i in TOPICS] + [named(i, AREAS) for i in ids if i in AREAS]
    names = {**{n: named(t, TOPICS) for t, n in TOPICS.items()}, **{n: named(a, AREAS) for a, n in AREAS.items()}}
    return guess_of(shown or [names[n] for n in close_to(written, names, labels={n: n for n in names})])


def _picked(job: PrintSheet, found: list[ContentItem], left_out: list[str], about: str = "") -> Picked:
    items = [PosterText.of(i) for i in found]
    return Picked(items, left_out, thin(job, items), about)


def _ids(items: list[ContentItem], most: int = 5) -> str:
    shown = "、".join(i.id for i in items[:most])
    return shown if len(items) <= most else f"{shown} 等"


def _listed(campaign: Campaign, job: PrintSheet, library: Library) -> list[ContentItem]:
    key = option(job, "items")
    missing = [i for i in job.items if library.get(i) is None]
    if missing:
        named = "、".join(f"{i}（{guess}）" if (guess := did_you_mean(i, library.by_id)) else i for i in missing)
        raise PosterError(f"内容库中没有这些内容编号：{named}；用 qm plan 查看内容编号")
    twice = [i for n, i in enumerate(job.items) if i in job.items[:n] and i not in job.items[n + 1 :]]
    if twice:
        raise PosterError(f"{key} 重复列出了 {'、'.join(twice)}：每条内容只印一次，请删去重复的编号")
    listed = [library.by_id[i] for i in job.items]
    refused = [p for p in (outdated(campaign, i, "印刷") for i in listed) if p]
    if refused:
        raise PosterError(problems=refused)
    before, after = ([i.id for i in listed if i.phase == phase] for phase in ("before", "after"))
    if before and after:
        raise PosterError(
            f"{key} 同时列出了启动活动开始前的预告和邀请（{'、'.join(before)}，phase: before）"
            f"和开始后的报道（{'、'.join(after)}，phase: after）：一张印刷品上不能既说“将要举行”又说“已经举行”，请只列其中一种"
        )
    return listed


def _refuse_count(campaign: Campaign, job: PrintSheet, n: int) -> None:
    lo, hi = counts(job.layout)
    if lo <= n <= hi:
        return
    items, topic = option(job, "items"), option(job, "topic")
    if job.layout not in SHEETS:
        raise PosterError(
            f"海报版式 {titled(job.layout, layout_label(campaign.paths.templates / 'posters', job.layout))}一次印一条内容：用 {items} 给出一个内容编号（现在是 {n} 条）"
        )
    what = SHEETS[job.layout]
    raise PosterError(
        f"{what}要有 {lo}–{hi} 条内容，现在是 {n} 条：用 {items} 列出 {lo}–{hi} 个内容编号"
        + (f"，或换一个内容更多的 {topic}" if job.layout == "leaflet" else "")
    )
