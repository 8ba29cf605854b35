"""The edit form: a content item's title, summary, screen headline, line (一句话) and body, with messages next to each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..inputs.content import HEADLINE_MAX, LINE_MAX, SUMMARY_MAX, SUMMARY_MIN, TITLE_MAX
from ..inputs.content_edit import EDITABLE, FIELD_LABELS
from ..inputs.content_save import EditForm
from ..inputs.edit_findings import GENERAL
from ..publishing import states as st
from ..publishing.post_rows import AuditEntry
from ..publishing.review_reasons import rejection_said
from ..rendering.lint import body_channels
from .posts import Entry

# A content check names a field as its file does (`内容 x.headline 超过 12 字`, `加一个 headline`), or by
# its label (the glyph check: 电子屏标题; 短标题, the headline's old name, is still read as it); the form
# says it with its own labels. Item ids are lower-case letters, digits and -.
_FILE_WORDS = re.compile(
    r"(内容 [a-z0-9-]+)\.(title|summary|headline|line|body) ?| ?(?<![\w.{-])(title|summary|headline|line|body)(?![\w-]) ?|短标题"
)

HINTS = {
    "title": f"不超过 {TITLE_MAX} 字；公众号标题、微博【标题】",
    "summary": f"{SUMMARY_MIN}–{SUMMARY_MAX} 字；公众号摘要、微博正文",
    "headline": f"电子屏标题，不超过 {HEADLINE_MAX} 字；不写就用标题（此时标题须不超过 {HEADLINE_MAX} 字）",
    "line": f"不超过 {LINE_MAX} 字；印在海报、电子屏和印刷单上",
    "body": "公众号正文：段落之间空一行；一行以 ### 开头是小标题，以 - 开头是列表项，两个星号夹住的字（**像这样**）加粗",
}
# The body of an item no channel of its may publish (WeChat) is shown nowhere: said, not checked.
UNPUBLISHED_BODY = "这条内容不发公众号，正文不会发出，也不印在海报、电子屏和印刷单上，只留作资料，发布前不检查；要发公众号，请管理内容库的同事为它加上公众号"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str
    hint: str
    messages: tuple[str, ...]
    multiline: bool
    rows: int


@dataclass(frozen=True)
class Rejection:
    """Why one of the item's posts was sent back, as the latest rejection recorded it: the reason to fix."""

    post_id: str
    at: str  # 09-06 10:12, campaign time
    who: str  # 赵初审（web）
    stage: str  # 初审退回 (退回 with one review stage)
    reason: str


@dataclass(frozen=True)
class SheetUse:
    """A print sheet in posters/print that prints the item, as the 印刷品 page stands it."""

    name: str
    said: str  # 已签发（王科长（web），09-07 08:02），但印的是改动前的文字（重新生成后再签发）
    outdated: bool  # it prints the item's words from before a change: to be made again (and signed again)
    signed: bool  # its bytes were signed off: the printer may already have them


@dataclass(frozen=True)
class EditPage:
    item_id: str
    title: str
    source: str  # the file, relative to the content folder
    digest: str
    fields: tuple[Field, ...]
    general: tuple[str, ...]  # messages that concern no single field
    posts: tuple[Entry, ...]  # the posts that use the item
    locked: tuple[str, ...]  # ids of those that are going out: the item cannot be edited meanwhile
    rejections: tuple[Rejection, ...] = ()  # its rejected posts' latest rejections, said above the form
    redraw: tuple[str, ...] = ()  # ids of its posts whose posters show its words from before a change
    sheets: tuple[SheetUse, ...] = ()  # the print sheets that print it

    @property
    def remake(self) -> tuple[SheetUse, ...]:
        """The print sheets that print the item's old words: to be made again and signed again."""
        return tuple(s for s in self.sheets if s.outdated)

    @property
    def editable(self) -> bool:
        return not self.locked

    @property
    def problems(self) -> tuple[tuple[str, str], ...]:
        """Why a save was refused, one line each, with the id of the field it concerns ("" for none): listed
        above the form, so a phone that opens the answer at its top sees that nothing was saved, and why."""
        said = tuple(("", m) for m in self.general)
        return said + tuple((f"f-{f.name}", f"{f.label}：{m}") for f in self.fields for m in f.messages)


# What the checks tell a file's editor to change in config.yaml or in a YAML list, said for an editor in the form:
# what to do, and who changes the settings (the form changes only the words).
_SETTINGS = "管理活动配置的同事"
EDITOR_HINTS = (
    (re.compile(r"或把 channels 设为 \[[^\]]*\]"), "或请管理内容库的同事把这条内容设为不发公众号"),
    (re.compile(r"可在 config\.yaml 的 brand\.font 指定一个包含它们的字体文件"), f"可请{_SETTINGS}换一个包含它们的海报字体"),
    (re.compile(r"在 config\.yaml 里补上"), f"请{_SETTINGS}补上"),
    (re.compile(r"或在 config\.yaml 的 campaign\.hotline 写短一些的热线号码"), f"或请{_SETTINGS}把热线写短一些"),
    (re.compile(r"（检查 config\.yaml 的 channels）"), f"（请{_SETTINGS}检查渠道设置）"),
)


def for_editors(message: str) -> str:
    """`message` with its advice about config.yaml keys and YAML lists said in an editor's words (`EDITOR_HINTS`)."""
    for pattern, said in EDITOR_HINTS:
        message = pattern.sub(said, message)
    return message


def in_form_words(message: str, item_id: str) -> str:
    """`message` with the form's field labels (电子屏标题) where it names a field by its file key (headline),
    and without naming the form's own item again (the page does): `内容 x 的标题超过 20 字` reads
    `标题超过 20 字`, `内容 x 可以发公众号但没有正文` reads `这条内容可以发公众号但没有正文`. Another item
    (one sharing the file) keeps its name."""

    def label(match: re.Match[str]) -> str:
        if match.group(1):
            return f"{match.group(1)} 的{FIELD_LABELS[match.group(2)]}"
        return FIELD_LABELS[match.group(3) or "headline"]

    labels = "|".join(sorted(FIELD_LABELS.values(), key=len, reverse=True))
    own = re.compile(rf"内容 {re.escape(item_id)}(?![\w-]) ?(的(?={labels}))?")
    return own.sub(lambda m: "" if m.group(1) else "这条内容", _FILE_WORDS.sub(label, for_editors(message)))


def edit_view(
    form: EditForm,
    source: str,
    posts: list[Entry],
    values: Mapping[str, str] | None = None,
    messages: Mapping[str, list[str]] | None = None,
    rejections: tuple[Rejection, ...] = (),
    redraw: tuple[str, ...] = (),
    sheets: tuple[SheetUse, ...] = (),
) -> EditPage:
    """The form for `form`'s item; `values` and `messages` are what was posted and what the checks said of it."""
    shown = {**form.values, **(values or {})}
    msgs = messages or {}
    fields = tuple(
        Field(
            name=name,
            label=FIELD_LABELS[name],
            value=shown.get(name, ""),
            hint=UNPUBLISHED_BODY if name == "body" and not body_channels(form.item) else HINTS[name],
            messages=tuple(in_form_words(m, form.item.id) for m in msgs.get(name, ())),
            multiline=name in ("summary", "body"),
            rows=min(30, max(12, shown.get(name, "").count("\n") + 3)) if name == "body" else 4,
        )
        for name in EDITABLE
    )
    locked = tuple(e.id for e in posts if e.state == st.PUBLISHING)
    general = tuple(in_form_words(m, form.item.id) for m in msgs.get(GENERAL, ()))
    return EditPage(form.item.id, form.item.title, source, form.digest, fields, general, tuple(posts), locked, rejections, redraw, sheets)


def rejection(move: AuditEntry, tz: dt.tzinfo, stages: Sequence[str]) -> Rejection:
    """A rejection from its history line (`rejection_said`; `stages`: the review stages' names)."""
    at = f"{dt.datetime.fromtimestamp(move.at, tz):%m-%d %H:%M}"
    stage, reason = rejection_said(move.why, stages)
    return Rejection(move.post_id, at, move.who, f"{stage}退回", reason)
