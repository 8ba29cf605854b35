"""Where each print sheet stands with its sign-off (签发), and what to look at before signing it: the same words
for `qm sign`, `qm posters` and the console's 印刷品 page. `standing` and `concerns` are pure (the sheets on
disk, the sign-offs, the rejected items and the library's digests are handed in); `read` gathers them, and without
a queue database yet (`engine` None) every sheet waits, with nothing opened or loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..inputs.campaign import Campaign
from ..inputs.content import Library
from ..inputs.poster_settings import SHEET_LAYOUTS
from ..inputs.vocabulary import subject, subject_name
from ..poster.layout import layout_label
from ..poster.print_files import FOLDER, Sheet, sheets
from ..support.moments import moment
from ..support.title_marks import book_title

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ..publishing.print_signoffs import Signoff

WAITING, SIGNED, CHANGED = "waiting", "signed", "changed"
LABELS = {WAITING: "待签发", SIGNED: "已签发", CHANGED: "签发后又改过，需重新签发"}
UNKNOWN_MAKING = "qm posters 或 qm print"  # a sheet whose making was not noted
OLD_WORDS = "印的是改动前的文字（重新生成后再签发）"
REMAKE_FIRST = "待重新生成"  # a sheet not signed for its bytes that prints changed words (its concerns say which)
AFTER_SIGNING = {  # what is said once a sheet is signed, by what was signed despite (`after_signing`)
    "signed": "这份文件可以交给印刷厂。",
    "signed-despite": "你核对过上面的问题，仍然签发了，这份文件可以交给印刷厂。",
}
# What keeps sheets from the printer, in the order it is counted: the same words on every card (`said`), count
# (`tally`) and piece of advice (`next_steps`), for `qm sign`, `qm posters` and the console's 印刷品 page.
TO_SIGN, TO_SIGN_AGAIN, TO_REMAKE = "sign", "sign-again", "remake"
COUNTED = {TO_SIGN: "份待签发", TO_SIGN_AGAIN: "份签发后又改过，需重新签发", TO_REMAKE: "份待重新生成（印的是改动前的文字）"}


@dataclass(frozen=True)
class Standing:
    sheet: Sheet
    state: str  # WAITING | SIGNED | CHANGED
    signed: Signoff | None  # the sign-off of these bytes (SIGNED), else the last one of earlier bytes (CHANGED)
    concerns: tuple[str, ...]  # what the officer should know before signing (a rejected item, changed words)
    said: str  # the state in words: 已签发（王科长，09-01 10:05）
    outdated: bool = False  # it prints words changed since it was made (or an item gone): not for the printer, signed or not

    @property
    def name(self) -> str:
        return self.sheet.name

    @property
    def step(self) -> str:
        """What must happen before it may go to the printer (a key of `COUNTED`), "" when nothing: it may go.
        A sheet printing changed words is made again first: signing it would not make it fit."""
        if self.outdated:
            return TO_REMAKE
        return "" if self.state == SIGNED else TO_SIGN if self.state == WAITING else TO_SIGN_AGAIN


def standing(
    sheet: Sheet,
    earlier: list[Signoff],
    rejected: Mapping[str, list[str]],
    digests: Mapping[str, str],
    tz: dt.tzinfo,
    year: int,
    titles: Mapping[str, str] | None = None,
    remake: str = UNKNOWN_MAKING,
) -> Standing:
    """`earlier`: the sheet's sign-offs, oldest first; `digests`: each library item's content digest now; `titles`:
    each item's title; `remake`: the command that makes the sheet again (`remaking`)."""
    these = [s for s in earlier if s.sha256 == sheet.sha256]
    signed = these[0] if these else (earlier[-1] if earlier else None)
    state = SIGNED if these else CHANGED if earlier else WAITING
    said = LABELS[state]
    old = outdated(sheet, digests)
    if signed is not None:
        by = f"{signed.who}，{moment(signed.at, tz, year)}"
        said = f"已签发（{by}）" if state == SIGNED else f"{said}（上次签发：{by}）"
        if state == SIGNED and old:
            said += f"，但{OLD_WORDS}"
        elif old:
            said = f"{REMAKE_FIRST}（上次签发：{by}）"
    elif old:
        said = REMAKE_FIRST
    return Standing(sheet, state, signed, tuple(concerns(sheet, rejected, digests, titles or {}, remake)), said, old)


def outdated(sheet: Sheet, digests: Mapping[str, str]) -> bool:
    """The sheet prints an item whose words changed after it was made, or one gone from the library."""
    return sheet.items is not None and any(digests.get(item) != digest for item, digest in sheet.items)


def concerns(
    sheet: Sheet, rejected: Mapping[str, list[str]], digests: Mapping[str, str], titles: Mapping[str, str], remake: str
) -> list[str]:
    """Why the sheet should be looked at again before it goes to the printer: an item whose post was rejected,
    one whose words changed after the sheet was made (made again with `remake`), one gone from the library; or its
    items are not known. Items are named by their title, with the id."""
    if sheet.items is None:
        return ["不知道这份文件印了哪些内容（不是 qm posters 或 qm print 生成在这里的，或生成后又被替换过），签发前请打开文件逐条核对"]
    found = []
    for item, digest in sheet.items:
        named = f"{book_title(titles[item])}（{item}）" if item in titles else f" {item}"
        if item in rejected:
            posts = "、".join(rejected[item][:3]) + (" 等" if len(rejected[item]) > 3 else "")
            found.append(f"印有内容{named}，它的发布内容（{posts}）在审核中被退回了：请先核对这条内容的文字")
        if item not in digests:
            found.append(f"印有内容 {item}，它已不在内容库中")
        elif digest != digests[item]:
            found.append(f"印有内容{named}，它的文字在这份文件生成之后改过：印的是改动前的文字，请重新生成（{remake}）后再签发")
    return found


def remaking(sheet: Sheet, campaign: Campaign) -> str:
    """The command that makes `sheet` again as it was made: `qm posters` for a `posters.print` entry still in
    config.yaml, else `qm print` with the job's arguments (and `-o` when it was written under another name)."""
    from ..support.commands import shell_word  # only when a sheet needs remaking

    job, ours = sheet.job, {p.file_name() for p in campaign.posters.prints}
    if job is None:
        return "qm posters" if sheet.name in ours else UNKNOWN_MAKING
    if job.where and job.file_name() in ours:
        return "qm posters"
    words = ["qm print", job.layout]
    words += ["--topic", job.topic] if job.topic else []
    words += ["--items", ",".join(job.items)] if job.items else []
    words += ["--size", job.paper] if job.size else []
    words += ["--cmyk"] if job.cmyk else []
    words += ["-o", shell_word(str(sheet.path)), "--force"] if job.file_name() != sheet.name else []
    return " ".join(words)


def after_signing(s: Standing) -> str:
    """The key of `AFTER_SIGNING` for a sheet just signed as it stood (never one printing changed words: `unsignable`)."""
    return "signed-despite" if s.concerns else "signed"


def unsignable(s: Standing, remake: str) -> str:
    """Why the sheet is not signed as it is, "" when it may be: one printing changed words would be signed for nothing
    (it still could not go to the printer), so it is made again first (`remake`: how, as its concerns say); signed
    before, it may not go to the printer either, and the command and the page say so alike."""
    if not s.outdated:
        return ""
    if s.state == SIGNED and s.signed is not None:
        return (
            f"{s.name} 此前已签发（{s.signed.who}），文件没有变化，但它印的是改动前的文字，现在还不能交给印刷厂："
            f"请先重新生成（{remake}），打开新的文件核对后再签发。"
        )
    return f"没有签发：{s.name} 印的是改动前的文字，签发了也不能交给印刷厂。请先重新生成（{remake}），打开新的文件核对后再签发。"


def tally(standings: list[Standing]) -> str:
    """What keeps sheets from the printer, counted, for every listing and reminder: `1 份待签发，3 份待重新生成（印的是
    改动前的文字）`; empty only when every sheet may go (then they are 都已签发)."""
    steps = [s.step for s in standings]
    return "，".join(f"{steps.count(step)} {words}" for step, words in COUNTED.items() if step in steps)


def next_steps(standings: list[Standing]) -> list[str]:
    """What to do about the sheets `tally` counts, by command: make the old ones again, sign the others."""
    steps = {s.step for s in standings}
    told = []
    if TO_REMAKE in steps:
        told.append("印的是改动前的文字的，先按 qm sign 列表里“注意”所写的命令重新生成，再核对签发")
    if steps & {TO_SIGN, TO_SIGN_AGAIN}:
        told.append("要签发的，先打开 PDF 核对，再运行 qm sign 文件名 --by 姓名 签发（一次可以写几个文件名）")
    return told


ON_THE_PAGE = "按这份文件下面的“重新生成”，或运行 {}"  # how the console's 印刷品 page says to make a sheet again


def read(campaign: Campaign, engine: Engine | None, library: Library, remake: str = "{}") -> list[Standing]:
    """Every sheet in posters/print with its standing, by name; `engine` None: no database, nothing signed.
    `remake`: how to make a sheet again, around its command (`ON_THE_PAGE` for the console's button)."""
    found: Mapping[str, list[Signoff]] = {}
    rejected: Mapping[str, list[str]] = {}
    if engine is not None:
        from ..publishing.print_signoffs import rejected_items, signoffs

        found, rejected = signoffs(engine), rejected_items(engine)
    digests, titles = {i.id: i.digest for i in library.items}, {i.id: i.title for i in library.items}
    tz, year = campaign.timezone, campaign.start.year
    return [
        standing(sheet, found.get(sheet.name, []), rejected, digests, tz, year, titles, how_to_remake(remake, remaking(sheet, campaign)))
        for sheet in sheets(campaign.paths.posters / FOLDER)
    ]


def how_to_remake(remake: str, command: str) -> str:
    """How to make a sheet again: around its command, when it is known (no button can make an unknown one)."""
    return command if command == UNKNOWN_MAKING else remake.format(command)


def sheet_kind(campaign: Campaign, layout: str) -> str:
    """A print sheet's layout by its Chinese name: 挂图, 传单, or a poster layout's (知识卡片)."""
    return SHEET_LAYOUTS.get(layout) or layout_label(campaign.paths.templates / "posters", layout)


def sheet_title(sheet: Sheet, campaign: Campaign) -> str:
    """What the sheet is, in Chinese: 传单 A4, 知识卡片 A3（CMYK）, 挂图 A2·主题“识假辨假”; "" when not known."""
    job = sheet.job
    if job is None:
        return ""
    kind = sheet_kind(campaign, job.layout)
    named = subject(job.topic)
    about = f"·{subject_name(*named)}" if named else ""
    return f"{kind} {job.paper.upper()}{'（CMYK）' if job.cmyk else ''}{about}"
