"""The content library: quality-knowledge items and slogans, loaded from Markdown or YAML files."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .domain import AREAS, CHANNEL_KINDS, LAUNCH_TOPIC, SLOGAN_TOPIC, TOPICS
from .errors import ContentError, Problem
from .schema import Reader
from .yamlsrc import Mapping, Sequence, YamlSyntaxError, parse, read_text

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
ITEM_KEYS = ("id", "area", "topic", "title", "summary", "line", "headline", "tags", "channels", "valid_from", "valid_to", "body")
# The limits content/README.md sets. Title and summary make the Weibo post (【标题】摘要 + link, at most
# 140 characters): 20 + 90 leaves room for the brackets, the hotline line and the link, so these are
# errors. A summary shorter than SUMMARY_MIN is thin as a WeChat digest but publishable: `qm check` says so.
TITLE_MAX, HEADLINE_MAX, LINE_MAX, SUMMARY_MIN, SUMMARY_MAX = 20, 12, 20, 40, 90
WEIBO_HINT = "标题和摘要组成微博正文（【标题】摘要 + 链接，不超过 140 字）"


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
    channels: tuple[str, ...] = tuple(CHANNEL_KINDS)  # channel kinds it may go to
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    digest: str = field(default="", compare=False)  # hash of the content, for change detection

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


@dataclass(frozen=True)
class Library:
    items: tuple[ContentItem, ...]

    def get(self, item_id: str) -> ContentItem | None:
        return self.by_id.get(item_id)

    @property
    def by_id(self) -> dict[str, ContentItem]:
        return {i.id: i for i in self.items}


def load_library(folder: Path) -> Library:
    """Load every .md/.yaml/.yml file under `folder` (README.md excepted); report all problems."""
    r = Reader("字段")
    items: list[ContentItem] = []
    if not folder.is_dir():
        raise ContentError(problems=[Problem("内容库目录不存在", str(folder), "检查 config.yaml 中的 paths.content")])
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".md", ".yaml", ".yml") or path.name.lower() == "readme.md" or not path.is_file():
            continue
        try:
            items += _load_file(r, path, str(path))
        except YamlSyntaxError as exc:
            r.problems.append(exc.problem)
    seen: dict[str, ContentItem] = {}
    for item in items:
        if item.id in seen:
            r.problem(item.source, f"内容编号 {item.id} 重复（另见 {seen[item.id].source}）", "每条内容的 id 必须唯一")
        seen[item.id] = item
    if r.problems:
        raise ContentError(f"内容库 {folder} 有 {len(r.problems)} 个问题", r.problems)
    if not items:
        raise ContentError(problems=[Problem("内容库是空的", str(folder), "参考 content/README.md 添加内容")])
    return Library(tuple(items))


def editorial_problems(library: Library) -> list[Problem]:
    """What the content guide asks for beyond what the channels need: reported by `qm check`."""
    return [
        Problem(
            f"内容 {item.id} 的摘要只有 {len(item.summary)} 字，内容库要求 {SUMMARY_MIN}–{SUMMARY_MAX} 字",
            item.source,
            "摘要用作公众号摘要和微博正文，请写完整，见 content/README.md",
        )
        for item in library.items
        if len(item.summary) < SUMMARY_MIN
    ]


def load_text(text: str, suffix: str, source: str) -> tuple[list[ContentItem], list[Problem]]:
    """The items of one content file's text (as `load_library` reads it) and its problems."""
    r = Reader("字段")
    try:
        items = _load_text(r, text, suffix, source)
    except YamlSyntaxError as exc:
        return [], [exc.problem]
    return items, r.problems


def _load_file(r: Reader, path: Path, source: str) -> list[ContentItem]:
    return _load_text(r, read_text(path, source), path.suffix, source)


def _load_text(r: Reader, text: str, suffix: str, source: str) -> list[ContentItem]:
    if suffix == ".md":
        front, body, offset = _split_front_matter(text, source)
        data = parse(front, source, line_offset=offset)
        if not isinstance(data, Mapping):
            raise YamlSyntaxError(Problem("文件头应当是 YAML 映射（键: 值）", f"{source}:1"))
        if "body" in data:
            r.problem(data.where("body"), "Markdown 文件的正文写在 --- 之后，文件头里不要写 body")
        item = _item(r, data, body.strip(), text)
        return [item] if item else []
    data = parse(text, source)
    entries = data if isinstance(data, Sequence) else [data]
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            where = data.where(i) if isinstance(data, Sequence) else f"{source}:1"
            r.problem(where, "每条内容应当是一个映射（键: 值）")
            continue
        body = entry.get("body", "")
        item = _item(r, entry, body.strip() if isinstance(body, str) else "", repr(sorted(entry.items())))
        if item:
            out.append(item)
    return out


def _split_front_matter(text: str, source: str) -> tuple[str, str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise YamlSyntaxError(Problem("Markdown 内容文件必须以 --- 开头的文件头", f"{source}:1", "参考 content/README.md"))
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), 1
    raise YamlSyntaxError(Problem("文件头没有结束的 ---", f"{source}:1", "在文件头末尾加一行 ---"))


def _item(r: Reader, m: Mapping, body: str, raw: str) -> ContentItem | None:
    before = len(r.problems)
    raw_id = m.get("id")
    path = f"内容 {raw_id if isinstance(raw_id, str) and raw_id else '?'}"
    r.keys(m, path, ITEM_KEYS)  # first, so that a missing field can point at its misspelling
    item_id = r.text(m, "id", "")
    if item_id and not ID_RE.match(item_id):
        r.problem(m.where("id"), f"内容编号 {item_id!r} 不合规", "只能用小写英文、数字和连字符，2–64 个字符")
    area = r.choice(m, "area", path, AREAS)
    topic = r.choice(m, "topic", path, TOPICS)
    title = r.text(m, "title", path, max_len=TITLE_MAX, hint=WEIBO_HINT)
    summary = r.text(m, "summary", path, max_len=SUMMARY_MAX, hint=WEIBO_HINT)
    headline = r.text(m, "headline", path, title, max_len=HEADLINE_MAX)
    if "headline" not in m and len(title) > HEADLINE_MAX:
        r.problem(m.where("title"), f"{path} 的标题超过 {HEADLINE_MAX} 字，电子屏放不下", "加一个 headline（≤12 字）")
    line = r.text(m, "line", path, max_len=LINE_MAX)
    channels = r.texts(m, "channels", path) if "channels" in m else tuple(CHANNEL_KINDS)
    for ch in channels:
        if ch not in CHANNEL_KINDS:
            r.problem(m.where("channels"), f"{path} 的渠道 {ch!r} 不可用", f"只能是 {' | '.join(CHANNEL_KINDS)}")
    if "wechat" in channels and not body:
        r.problem(m.where(), f"{path} 可以发公众号但没有正文", "写上正文，或把 channels 设为 [weibo, screen]")
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
        digest=hashlib.sha256(raw.encode()).hexdigest()[:16],
    )
