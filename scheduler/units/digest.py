"""The consolidated document (汇总) of every unit's plan or summary, to send upward: a cover table
(unit, contact, when it arrived, status, file), then each unit's text as extracted, or a note that
its file goes along as an attachment, or why it could not be read. A bad file never stops the rest.

A Word document cannot hold every character a file may: the control characters other than tab and line
breaks (a \x01 in a text file, or in a file's name). They are left out of a unit's text, with a note naming
them, and written as 〔U+0001〕 in a file's name (`writable`), so the document is always written.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.text.paragraph import Paragraph

from ..inputs.campaign import Campaign
from ..report.document import day_label
from ..report.word import set_styles, table, title
from ..support.errors import Problem
from ..support.hidden_chars import named
from .copy_body import PICTURE_MARK, copy_body
from .extract import SubmissionError, extract
from .kinds import LABELS
from .numbering import chinese
from .submissions import LINKED, TOO_LONG, UnitStatus, arrival, gone_note, linked

COVER_WIDTHS = (1.1, 2.2, 1.5, 2.7, 3.3, 3.0, 2.0)  # cm, 15.8 in all: a date and time on one line, a status in a few


def render(campaign: Campaign, kind: str, statuses: Sequence[UnitStatus], made: dt.date) -> tuple[bytes, list[Problem]]:
    doc = Document()
    set_styles(doc)
    label = LABELS[kind]
    title(doc, writable(campaign.name), f"各单位{label}汇总")
    mine = [s for s in statuses if s.kind == kind]
    due = mine[0].due if mine else None
    arrived = sum(1 for s in mine if s.first)
    intro = f"报送截止日期：{day_label(due)}。" if due else ""
    _say(doc, f"{intro}应报送 {len(mine)} 个单位，已报送 {arrived} 个，未报送 {len(mine) - arrived} 个。（{day_label(made)}汇总）")
    tz = campaign.timezone
    rows = [
        [
            str(n),
            s.unit.name,
            s.unit.contact,
            s.unit.phone,
            f"{dt.datetime.fromtimestamp(s.first.arrived, tz):%Y-%m-%d %H:%M}" if s.first else "",
            s.plain_label,  # for readers outside the office, as the work summary says it: `qm units` says what to do
            "、".join(f.path.name for f in reversed(s.current)),  # the one collected first; a file replaced under its name once
        ]
        for n, s in enumerate(mine, start=1)
    ]
    rows = [[writable(cell) for cell in row] for row in rows]
    head = ["序号", "单位", "联系人", "电话", "报送时间", "状态", "文件"]
    table(doc, head, rows, widths=COVER_WIDTHS, small=True)
    problems: list[Problem] = []
    for n, status in enumerate(mine, start=1):
        _say(doc, f"{chinese(n)}、{status.unit.name}", "Heading 1")  # 一、二、 as in an official document
        if len(status.current) > 1 and status.latest is not None:
            _say(doc, _earlier_files(campaign, status, label))
        problems += _unit_text(doc, campaign, status, label)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue(), problems


def _earlier_files(campaign: Campaign, status: UnitStatus, label: str) -> str:
    """A unit that sent several files: which one is collected below, and the others by name, so none goes unseen."""
    latest = status.latest
    assert latest is not None
    others = [f for f in status.current if f != latest]
    earlier = "、".join(f"“{f.path.name}”（{arrival(campaign, f.arrived)}）" for f in others if not f.problem and not f.gone)
    broken = "、".join(f"“{f.path.name}”" for f in others if f.problem)
    gone = "、".join(f"“{f.path.name}”" for f in others if f.gone and not f.problem)
    which = "最近报送的可以读取的" if status.unreadable and status.readable else "最近报送的"
    told = [f"较早报送的{earlier}没有收入本汇总"] if earlier else []
    told += [f"{broken}无法打开，没有收入本汇总"] if broken else []
    told += [f"{gone}已不在报送目录中"] if gone else []
    return f"（共报送 {len(status.current)} 个文件。下面是{which}“{latest.path.name}”；{'；'.join(told)}。）"


def _unit_text(doc: DocumentObject, campaign: Campaign, status: UnitStatus, label: str) -> list[Problem]:
    latest = status.latest
    if status.first is None:  # what it sent, if anything, in the work summary's words (its files' problems: `qm units`)
        _say(doc, f"（未报送{label}：{status.plain_note}。）" if status.plain_note else f"（未报送{label}。）")
        return []
    assert latest is not None
    if latest.gone:
        note = gone_note(campaign, latest)
        _say(doc, f"（{note}，没有收入本汇总。）")
        return [Problem(f"{status.unit.name}的{label}：{note}，没有收入汇总", str(latest.path), "把文件放回原处，或请单位重新报送")]
    try:
        if linked(campaign, latest.path):  # made a link since it was recorded: what it points to is not read
            raise SubmissionError(LINKED)
        got = extract(latest.path)
    except SubmissionError as exc:  # readable when it was recorded
        _say(doc, f"（“{latest.path.name}”无法打开，没有收入本汇总。）")
        return [Problem(f"{status.unit.name}的{label}“{latest.path.name}”：{exc}", str(latest.path))]
    if got.too_long:
        _say(doc, f"（{label}“{latest.path.name}”{TOO_LONG}。）")
        return []
    if got.attachment:
        _say(doc, f"（{label}为{got.attachment}“{latest.path.name}”，作为附件随本汇总报送。）")
        return []
    if got.document is None:  # plain text
        left_out = [c for paragraph in got.paragraphs for c in UNWRITABLE.findall(paragraph)]
        for paragraph in got.paragraphs:
            doc.add_paragraph(UNWRITABLE.sub("", paragraph))
        if left_out:
            which = "、".join(named(c) for c in dict.fromkeys(left_out))
            _say(
                doc, f"（原文件“{latest.path.name}”中有 {len(left_out)} 个 Word 文档不能容纳的控制字符（{which}），已删去，其余文字照录。）"
            )
        return []
    pictures = copy_body(got.document, doc, below=1)  # under the unit's own heading
    if pictures:
        where = f"（在原来的位置标为“{PICTURE_MARK}”）"
        _say(doc, f"（原文件中的 {pictures} 张图片或图形没有收入本汇总{where}，请查看原文件“{latest.path.name}”。）")
    return []


# What XML 1.0, and so a Word document, cannot hold: control characters other than tab and line breaks, the
# noncharacters U+FFFE and U+FFFF, and lone surrogates (a file name undecodable as UTF-8 carries them).
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _say(doc: DocumentObject, text: str, style: str | None = None) -> Paragraph:
    """A paragraph of `text` added to `doc`: every text of the compiled document but a unit's own goes through here."""
    return doc.add_paragraph(writable(text), style)


def writable(text: str) -> str:
    """`text` a Word document can hold: each character it cannot written as its code point, 〔U+0001〕."""
    return UNWRITABLE.sub(lambda found: f"〔U+{ord(found.group()):04X}〕", text)
