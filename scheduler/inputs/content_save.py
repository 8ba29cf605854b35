"""Save an edit of a content item's words: check it as `qm check` would, then write the file atomically.

The new file text comes from `content_edit` (only the edited values change). Before anything is
written, the item is read back from that text by the content loader and every post the plan makes
of it is rendered and linted: a problem is reported in Chinese next to the field it concerns, and
the file stays untouched. After a save, `refresh` brings the queue in line: the posts that use the
item go back to review, their audit saying who changed which fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..planning.planner import Plan, make_plan
from ..poster import glyphs
from ..poster.texts import PosterText
from ..publishing.kept_posts import read_kept
from ..publishing.queue import Queue
from ..publishing.queue_sync import Edit, SyncResult, fill
from ..rendering.payloads import Renderer
from ..support.atomic_files import atomic_write_bytes
from ..support.errors import InputError, Problem
from ..support.title_marks import book_title
from .campaign import Campaign
from .content import SUMMARY_MAX, SUMMARY_MIN, ContentItem, Library, editorial_problems, load_library, load_text
from .content_edit import EDITABLE, FIELD_LABELS, EditError, apply, current_values, normalize
from .content_markup import markup_in
from .edit_findings import GENERAL, add, post_findings

_LOCK = threading.Lock()  # one save at a time in this process: read, compare, write


class StaleEdit(InputError):
    """The file changed since the form was opened."""


class EditRejected(InputError):
    """The new words do not pass the checks; `by_field` holds the messages per field ("" = general)."""

    def __init__(self, by_field: dict[str, list[str]]) -> None:
        self.by_field = by_field
        problems = [Problem(msg, FIELD_LABELS.get(f, "")) for f, msgs in by_field.items() for msg in msgs]
        super().__init__(f"修改未保存：发现 {len(problems)} 个问题", problems)


@dataclass(frozen=True)
class EditForm:
    """What the edit form shows: the item's words as written in its file, and the file's fingerprint."""

    item: ContentItem
    path: Path
    values: dict[str, str]
    digest: str


@dataclass(frozen=True)
class Saved:
    item: ContentItem
    path: Path
    changed: tuple[str, ...]  # field names, in form order
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)

    @property
    def what(self) -> str:
        return "修改了" + "、".join(FIELD_LABELS[f] for f in self.changed)

    @property
    def shown(self) -> str:
        """The short fields changed, before and after (`：一句话由“…”改为“…”`): the words a post's own text may
        not show (a poster's line, a screen's headline), so its history and its reviewers see them. Summary and
        body are left out: long, and the posts that carry them show them changed line by line."""
        said = [f"{FIELD_LABELS[f]}由“{self.before[f]}”改为“{self.after[f]}”" for f in self.changed if f in SHOWN]
        return "：" + "，".join(said) if said else ""


SHOWN = ("title", "headline", "line")  # each at most 20 characters


def item_path(item: ContentItem) -> Path:
    return Path(item.source.rsplit(":", 1)[0])


class UnreadableFile(InputError):
    """The item's file cannot be read now (a YAML error, say): its problems as `qm check` gives them (file:line)."""


def open_form(library: Library, item_id: str, text_values: Mapping[str, str] | None = None, example: dt.date | None = None) -> EditForm:
    """The form of an item of `library`; UnreadableFile when its file no longer reads (`text_values`: the config's;
    `example`: a day of the campaign, for a date written wrong)."""
    item = _item(library, item_id)
    path = item_path(item)
    raw = _read(path)
    text = _decode(raw, path)
    try:
        values = current_values(text, path.suffix, item_id)
    except EditError as exc:
        located = load_text(text, path.suffix, str(path), text_values or {}, example)[1]
        raise UnreadableFile(f"内容 {item_id} 的文件现在读不出来", located or [Problem(str(exc), str(path))]) from exc
    return EditForm(item, path, values, _digest(raw))


def save(
    campaign: Campaign, library: Library, plan: Plan, renderer: Renderer, item_id: str, values: Mapping[str, str], digest: str
) -> Saved:
    """Write the new words into the item's file if they pass the checks; raise EditRejected otherwise.

    `digest` is the fingerprint the form was opened with: a file changed since is not overwritten.
    """
    item = _item(library, item_id)
    path = item_path(item)
    with _LOCK:
        raw = _read(path)
        if _digest(raw) != digest:
            raise StaleEdit(f"内容 {item_id} 的文件在你打开表单后被修改过（{path}），请重新打开修改页面，再改一次")
        text = _decode(raw, path)
        before = current_values(text, path.suffix, item_id)
        after = {f: normalize(f, values[f]) for f in EDITABLE if f in values}
        changes = {f: v for f, v in after.items() if v != before[f]}
        if not changes:
            return Saved(item, path, ())
        shape = _shape_problems(changes)  # told with every other problem, not one per save
        try:
            new_text = apply(text, path.suffix, item_id, {f: v for f, v in changes.items() if f not in shape})
        except EditError as exc:
            raise EditRejected({**shape, GENERAL: [str(exc)]}) from exc
        new_item = _check(campaign, plan, renderer, item, new_text, path, changes, shape)
        atomic_write_bytes(path, new_text.encode("utf-8"))
    changed = tuple(f for f in EDITABLE if f in changes)
    return Saved(new_item, path, changed, {f: before[f] for f in changed}, {f: changes[f] for f in changed})


def refresh(queue: Queue, campaign: Campaign, renderer: Renderer, saved: Saved, who: str, now: float) -> tuple[Library, Plan, SyncResult]:
    """Reload the library and plan after a save and refresh the queue; the audit names `who` and the fields."""
    library = load_library(campaign.paths.content, campaign.text_values, campaign.example_day)
    plan = make_plan(campaign, library, read_kept(campaign.db_url))
    edits = {saved.item.id: Edit(who, f"{saved.what}（{book_title(saved.item.title)}）{saved.shown}")} if saved.changed else None
    return library, plan, fill(queue, campaign, plan, renderer, now, edits)


def _item(library: Library, item_id: str) -> ContentItem:
    item = library.get(item_id)
    if item is None:
        raise InputError(f"内容库里没有编号为 {item_id} 的内容")
    return item


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"无法读取内容文件 {path}：{exc.strerror}") from exc


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"内容文件 {path} 不是 UTF-8 编码，请用 UTF-8 保存后再修改") from exc


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _shape_problems(changes: Mapping[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f, value in changes.items():
        if f in ("title", "summary", "line") and not value:
            out.setdefault(f, []).append(f"{FIELD_LABELS[f]}不能为空")
        if f != "body" and "\n" in value:
            out.setdefault(f, []).append(f"{FIELD_LABELS[f]}只能写一行")
    return out


def _check(
    campaign: Campaign,
    plan: Plan,
    renderer: Renderer,
    item: ContentItem,
    text: str,
    path: Path,
    changes: Mapping[str, str],
    shape: Mapping[str, list[str]],
) -> ContentItem:
    """The item as the loader reads it from `text`, after the checks of `qm check`; EditRejected if any fails.

    When the loader refuses the words (a title too long for the screens), or `text` could not take a field
    (`shape`: empty, two lines), the other checks still run on the words as typed (`changes`), so the form
    shows every problem at once, not one per try."""
    universal = text.replace("\r\n", "\n").replace("\r", "\n")  # what read_text would have given the loader
    items, problems = load_text(universal, path.suffix, str(path), campaign.text_values, campaign.example_day)
    by_field = {f: list(msgs) for f, msgs in shape.items()}
    lines = _field_lines(universal, path.suffix, item.id)
    for p in problems:
        add(by_field, _field_of(p, lines), _message(p))
    new_item = next((i for i in items if i.id == item.id), None)
    if new_item is None:
        if not by_field:
            raise EditRejected({GENERAL: [f"修改后读不出内容 {item.id}"]})
        new_item = _as_typed(item, changes)
    elif shape:  # the fields the file cannot take (empty, two lines) are checked as typed
        new_item = _as_typed(new_item, {f: changes[f] for f in shape})
    post_findings(campaign, plan, renderer, new_item, by_field)
    for p in editorial_problems(Library((new_item,))):
        add(by_field, "summary", f"摘要只有 {len(new_item.summary)} 字，内容库要求 {SUMMARY_MIN}–{SUMMARY_MAX} 字（{p.hint}）")
    for m in (m for m in markup_in(new_item) if m.field in EDITABLE):
        add(by_field, m.field, f"{FIELD_LABELS[m.field]}{m.reason}（{m.hint}）")
    for p in glyphs.drawing_problems([PosterText.of(new_item)], campaign.brand.font):
        add(by_field, _field_of(p, lines), _message(p))
    by_field.update({f: list(msgs) for f, msgs in shape.items() if not changes[f]})  # empty: "不能为空" says it all
    if by_field:
        raise EditRejected(by_field)
    return new_item


def _as_typed(item: ContentItem, changes: Mapping[str, str]) -> ContentItem:
    """The item with the words as typed, for the checks that need no loader (placeholders left as written)."""
    title = changes.get("title", item.title)
    own = item.headline != item.title and "headline" not in changes  # a headline of its own, left as it was
    headline = changes.get("headline") or (item.headline if own else title)  # none: the title is shown
    summary, line, body = (changes.get(f, getattr(item, f)) for f in ("summary", "line", "body"))
    return dataclasses.replace(item, title=title, summary=summary, headline=headline, line=line, body=body)


def _message(p: Problem) -> str:
    return f"{p.message}（{p.hint}）" if p.hint else p.message


def _field_lines(text: str, suffix: str, item_id: str) -> dict[int, str]:
    """File line -> editable field whose key is on it."""
    offset = 0
    if suffix == ".md":  # the front matter: from the second line to the closing ---
        text, offset = text.split("\n", 1)[-1].split("\n---", 1)[0], 1
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    entries = root.value if isinstance(root, yaml.SequenceNode) else [root]
    for entry in entries:
        if not isinstance(entry, yaml.MappingNode):
            continue
        keys = {k.value: k.start_mark.line + 1 + offset for k, _ in entry.value if isinstance(k, yaml.ScalarNode)}
        if suffix == ".md" or any(k.value == "id" and v.value == item_id for k, v in entry.value if isinstance(v, yaml.ScalarNode)):
            return {line: key for key, line in keys.items() if key in EDITABLE}
    return {}


def _field_of(p: Problem, lines: dict[int, str]) -> str:
    line = p.where.rsplit(":", 1)[-1]
    if line.isdigit() and int(line) in lines:
        return lines[int(line)]
    return "body" if "正文" in p.message else GENERAL
