"""The content library: quality-knowledge items and slogans, loaded from Markdown or YAML files."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..channels.kinds import kind_names, kinds
from ..support.errors import ContentError, Problem
from .alt_text import picture_alt
from .content_files import content_files
from .content_placeholders import expansion_hint, fill_placeholders
from .located_yaml import Mapping, Sequence, YamlSyntaxError, parse, read_text
from .readers import Reader
from .vocabulary import AREAS, FIELD_LABELS, LAUNCH_TOPIC, SLOGAN_TOPIC, TOPICS

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
ITEM_KEYS = tuple(FIELD_LABELS)
TEXT_FIELDS = ("title", "summary", "line", "headline")
# Launch items say when they fit: `before` the event starts (预告、邀请) or `after` it (报道); none: any time.
PHASES = {"before": "活动开始前（预告、邀请）", "after": "活动开始后（报道）"}
# The limits content/README.md sets. Title and summary make the Weibo post (【标题】摘要 + link, at most
# 140 characters): 20 + 90 leaves room for the brackets, the hotline line and the link, so these are
# errors. A summary shorter than SUMMARY_MIN is thin as a WeChat digest but publishable: `qm check` says so.
TITLE_MAX, HEADLINE_MAX, LINE_MAX, SUMMARY_MIN, SUMMARY_MAX = 20, 12, 20, 40, 90
WEIBO_HINT = "标题和摘要组成微博正文：【标题】摘要加链接，一共不超过 140 字"


@dataclass(frozen=True)
class ContentItem:
    id: str
    area: str
    topic: str
    title: str
    summary: str
    body: str  # Markdown
    line: str
    headline: str
    source: str  # file:line, for messages
    tags: tuple[str, ...] = ()
    channels: tuple[str, ...] = field(default_factory=kind_names)  # channel kinds it may go to (default: every registered kind)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    phase: str = ""  # launch items: before | after the event starts; "" fits any time
    digest: str = field(default="", compare=False)  # hash of the content, for change detection
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)  # (field, its line in the file), for messages
    body_line: int = field(default=0, compare=False)  # a Markdown body's first line, for messages

    def where(self, name: str) -> str:
        """file:line of field `name`; the item's own file:line when the field's line is not known."""
        return field_where(self.source, self.lines, name)

    def where_text(self, words: str) -> str:
        """file:line of the text `words` (a finding quotes): in the first field holding it, the very line
        of a Markdown body; the item's own file:line when no field holds it."""
        for name in (*TEXT_FIELDS, "body"):
            at = getattr(self, name).find(words) if words else -1
            if at < 0:
                continue
            if name == "body" and self.body_line:
                return field_where(self.source, (("body", self.body_line + self.body.count("\n", 0, at)),), "body")
            return self.where(name)
        return self.source

    @property
    def is_launch(self) -> bool:
        return self.topic == LAUNCH_TOPIC

    @property
    def is_slogan(self) -> bool:
        return self.topic == SLOGAN_TOPIC

    def allows(self, channel_kind: str) -> bool:
        return channel_kind in self.channels

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)

    @property
    def alt(self) -> str:
        """Alt text for the item's pictures: the title and the summary's first sentence, ending in 。！？."""
        return picture_alt(self.title, self.summary)


def field_where(source: str, lines: tuple[tuple[str, int], ...], name: str) -> str:
    """file:line of field `name`, given an item's own `source` (file:line) and its fields' lines."""
    line = dict(lines).get(name)
    return f"{source.rsplit(':', 1)[0]}:{line}" if line and source else source


@dataclass(frozen=True)
class Library:
    items: tuple[ContentItem, ...]
    problems: tuple[Problem, ...] = ()  # `read_library`: what keeps the other files' items out (file:line)
    aside: tuple[ContentItem, ...] = ()  # `read_library`: items read but kept out, their body not filled: checked, never planned

    def get(self, item_id: str) -> ContentItem | None:
        return self.by_id.get(item_id)

    @functools.cached_property  # asked for each post of a plan
    def by_id(self) -> dict[str, ContentItem]:
        return {i.id: i for i in self.items}

    def whole(self, folder: Path) -> Library:  # every file under `folder` loaded, or ContentError naming each problem
        if self.problems:
            raise ContentError(f"内容库 {folder} 有 {len(self.problems)} 个问题", list(self.problems))
        return self


def load_library(folder: Path, values: AnyMapping[str, str], example: dt.date | None = None) -> Library:
    """Every .md/.yaml/.yml file under `folder` but README.md, `values` filling {{ placeholders }}; ContentError on any problem.
    `example`: a day of the campaign, shown when a date (valid_from, valid_to) is written wrong."""
    return read_library(folder, values, example).whole(folder)


def read_library(folder: Path, values: AnyMapping[str, str], example: dt.date | None = None) -> Library:
    """The items that load and the problems (file:line) keeping the others out: a broken file leaves the rest usable.
    An item read whole but for a placeholder in its body is set aside (`aside`), so `qm check` still checks it."""
    r = Reader("字段", FIELD_LABELS)
    r.example_day = example
    items: list[ContentItem] = []
    aside: list[ContentItem] = []
    if not folder.is_dir():
        raise ContentError(problems=[Problem("内容库目录不存在", str(folder), "检查 config.yaml 中的 paths.content")])
    for path in content_files(folder, r):
        try:
            usable, unfilled = _load_file(r, path, str(path), values)
            items += usable
            aside += unfilled
        except YamlSyntaxError as exc:
            r.problems.append(exc.problem)
    first: dict[str, ContentItem] = {}
    for item in (*items, *aside):
        if first.setdefault(item.id, item) is not item:
            r.problem(item.source, f"内容编号 {item.id} 重复（另见 {first[item.id].source}）", "每条内容的 id 必须唯一")
    if not items and not r.problems:
        raise ContentError(problems=[Problem("内容库是空的", str(folder), "参考 content/README.md 添加内容")])
    twice = {i.id for i in (*items, *aside) if first[i.id] is not i}
    return Library(tuple(i for i in items if i.id not in twice), tuple(r.problems), tuple(i for i in aside if i.id not in twice))


def editorial_problems(library: Library) -> list[Problem]:
    """What the content guide asks for beyond what the channels need: reported by `qm check`."""
    fix = "摘要用作公众号摘要和微博正文，请写完整，见 content/README.md"
    short = [i for i in library.items if len(i.summary) < SUMMARY_MIN]
    return [
        Problem(f"内容 {i.id} 的摘要只有 {len(i.summary)} 字，内容库要求 {SUMMARY_MIN}–{SUMMARY_MAX} 字", i.where("summary"), fix)
        for i in short
    ]


def load_text(
    text: str, suffix: str, source: str, values: AnyMapping[str, str], example: dt.date | None = None
) -> tuple[list[ContentItem], list[Problem]]:
    """The items of one content file's text (as `load_library` reads it, and those it sets aside) and its problems."""
    r = Reader("字段", FIELD_LABELS)
    r.example_day = example
    try:
        items, aside = _load_text(r, text, suffix, source, values)
    except YamlSyntaxError as exc:
        return [], [exc.problem]
    return items + aside, r.problems


Items = tuple[list[ContentItem], list[ContentItem]]  # the usable items of a file; those set aside: a placeholder in the body not filled


def _load_file(r: Reader, path: Path, source: str, values: AnyMapping[str, str] | None) -> Items:
    return _load_text(r, read_text(path, source), path.suffix, source, values)


def _load_text(r: Reader, text: str, suffix: str, source: str, values: AnyMapping[str, str] | None) -> Items:
    if suffix == ".md":
        front, body, offset, body_line = _split_front_matter(text, source)
        data = parse(front, source, line_offset=offset)
        if not isinstance(data, Mapping):
            raise YamlSyntaxError(Problem("文件头应当是 YAML 映射（键: 值）", f"{source}:1"))
        if "body" in data:
            r.problem(data.where("body"), "Markdown 文件的正文写在 --- 之后，文件头里不要写 body")
        before = len(r.problems)
        body = fill_placeholders(r, body, f"{source}:{body_line}", values, body_line_base=(source, body_line))
        unfilled = len(r.problems) > before
        item = _item(r, data, body.strip(), text, values)
        if item is None:
            return [], []
        item = replace(item, body_line=body_line + body[: len(body) - len(body.lstrip())].count("\n"))
        return ([], [item]) if unfilled else ([item], [])
    data = parse(text, source)
    entries = data if isinstance(data, Sequence) else [data]
    out: Items = ([], [])
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            where = data.where(i) if isinstance(data, Sequence) else f"{source}:1"
            r.problem(where, "每条内容应当是一个映射（键: 值）")
            continue
        body, before = entry.get("body", ""), len(r.problems)
        body = fill_placeholders(r, body, entry.where("body"), values) if isinstance(body, str) else ""
        unfilled = len(r.problems) > before
        item = _item(r, entry, body.strip(), repr(sorted(entry.items())), values)
        if item:
            (out[1] if unfilled else out[0]).append(item)
    return out


def _kind_hint(written: str) -> str:
    """The channel kinds an item may name, as the file has them with what staff call them, and the one meant."""
    from ..support.suggest import as_written, did_you_mean  # only for a kind that does not exist

    labels = {k.name: k.short_label or k.label for k in kinds()}
    listed = f"只能是 {' | '.join(as_written(k, labels) for k in labels)}"
    return did_you_mean(written, labels, labels=labels, show=lambda k: as_written(k, labels)) + listed


def _needs_body(r: Reader, m: Mapping, path: str, channels: tuple[str, ...]) -> None:
    """An item without a body may go only to kinds whose posts carry none (a WeChat article is the body)."""
    without = [k.name for k in kinds() if not k.needs_body]
    for kind in kinds():
        if kind.needs_body and kind.name in channels:
            what = kind.short_label or kind.label
            r.problem(m.where(), f"{path} 可以发{what}但没有正文", f"写上正文，或把 channels 设为 [{', '.join(without)}]")


def _split_front_matter(text: str, source: str) -> tuple[str, str, int, int]:
    """Front matter, body, the front matter's line offset and the body's first line number."""
    lines = text.removeprefix("\ufeff").splitlines(keepends=True)  # Windows Notepad saves UTF-8 with a BOM
    if not lines or lines[0].strip() != "---":
        raise YamlSyntaxError(Problem("Markdown 内容文件必须以 --- 开头的文件头", f"{source}:1", "参考 content/README.md"))
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), 1, i + 2
    raise YamlSyntaxError(Problem("文件头没有结束的 ---", f"{source}:1", "在文件头末尾加一行 ---"))


def _item(r: Reader, m: Mapping, body: str, raw: str, values: AnyMapping[str, str] | None) -> ContentItem | None:
    before = len(r.problems)
    raw_id = m.get("id")
    path = f"内容 {raw_id if isinstance(raw_id, str) and raw_id else '?'}"
    r.keys(m, path, ITEM_KEYS)  # first, so that a missing field can point at its misspelling
    written = {key: m[key] for key in TEXT_FIELDS if isinstance(m.get(key), str)}  # a length found says what {{ }} became
    for key in written:  # placeholders first, so that lengths are those of the words published
        m[key] = fill_placeholders(r, m[key], m.where(key), values)
    item_id = r.text(m, "id", "")
    if item_id and not ID_RE.match(item_id):
        r.problem(m.where("id"), f"内容编号 {item_id!r} 不合规", "只能用小写英文、数字和连字符，2–64 个字符")
    area = r.choice(m, "area", path, AREAS)
    topic = r.choice(m, "topic", path, TOPICS)
    became = {key: functools.partial(expansion_hint, written.get(key, ""), values) for key in TEXT_FIELDS}
    screens = f"加一个 headline（≤{HEADLINE_MAX} 字）" if "headline" not in m else ""  # the title is the screens' headline
    title_hint = WEIBO_HINT + (f"；电子屏也放不下，{screens}" if screens else "")
    title = r.text(m, "title", path, max_len=TITLE_MAX, hint=became["title"](title_hint))
    summary = r.text(m, "summary", path, max_len=SUMMARY_MAX, hint=became["summary"](WEIBO_HINT))
    headline = r.text(m, "headline", path, title, max_len=HEADLINE_MAX, hint=became["headline"]())
    if screens and HEADLINE_MAX < len(title) <= TITLE_MAX:  # longer: told once, with the title's limit
        r.problem(m.where("title"), f"{path} 的标题超过 {HEADLINE_MAX} 字，电子屏放不下", became["title"](screens))
    line = r.text(m, "line", path, max_len=LINE_MAX, hint=became["line"]())
    known = kind_names()
    channels = r.texts(m, "channels", path) if "channels" in m else known
    for ch in channels:
        if ch not in known:
            r.problem(m.where("channels"), f"{path} 的渠道 {ch!r} 不可用", _kind_hint(ch))
    if not body:
        _needs_body(r, m, path, channels)
    phase = r.choice(m, "phase", path, PHASES, "")
    if phase and topic != LAUNCH_TOPIC:
        r.problem(m.where("phase"), f"{path} 不是启动活动内容，不需要 phase", "phase 只用于 topic: launch 的内容")
    valid_from = r.date(m, "valid_from", path, None)
    valid_to = r.date(m, "valid_to", path, None)
    if valid_from and valid_to and valid_to < valid_from:
        r.problem(m.where("valid_to"), f"{path} 的有效期结束早于开始")
    if len(r.problems) > before:
        return None
    return ContentItem(
        id=item_id,
        area=area,
        topic=topic,
        title=title,
        summary=summary,
        body=body,
        line=line,
        headline=headline,
        source=m.where(),
        tags=r.texts(m, "tags", path),
        channels=channels,
        valid_from=valid_from,
        valid_to=valid_to,
        phase=phase,
        digest=hashlib.sha256(raw.encode()).hexdigest()[:16],
        lines=tuple(m.key_lines.items()),
    )
