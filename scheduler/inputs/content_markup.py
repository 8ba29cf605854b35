"""Markup written into content text: template tags, Markdown links and HTML, which qm publishes as the
characters they are (escaped, so harmless) and readers would see as such. Content is plain text; a body
may use the small Markdown subset `rendering/markdown.py` knows (subheadings, lists, **bold**). A body
may hold no hidden character either (`support.hidden_chars`: a zero-width space, a direction override),
named (零宽空格 U+200B) with the words around it; the fields posters print are checked for them with their glyphs (`poster.glyphs`).

`qm check` reports each as a problem at the content file's line, as it does the other editorial
findings; the console's edit form refuses the words with the same message."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from ..support.errors import Problem
from ..support.hidden_chars import described, where_hidden
from .content import TEXT_FIELDS, ContentItem, Library, editorial_problems, field_where
from .content_placeholders import PLACEHOLDER_RE
from .vocabulary import FIELD_LABELS

_PLAIN = "内容里的文字按原样发出，读者会看到这些符号"
# What is looked for, in this order: (pattern, what it is, how to write it instead). A {{ placeholder }}
# left in the text is not found here: the loader fills it or reports it as an unknown placeholder.
_KINDS = (
    (
        re.compile(r"\{[%#].*?[%#]\}|\{[{%#]|[%#]\}|\}\}"),
        "模板标记",
        "只写文字：内容里不能写模板的 {% %}，热线、启动日期等写占位符 {{ hotline }} 等，见 content/README.md",
    ),
    (
        re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)|<https?://[^>\s]*>"),
        " Markdown 链接",
        "只写文字，链接不会生效：内容没有链接字段，要告诉读者去哪里查，就写出网站名称或网址本身，如“登录国家市场监督管理总局网站查询”",
    ),
    (
        re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>\n]*)?/?>|<!--|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);"),
        " HTML 标记",
        "只写文字，HTML 不会生效：正文另起一段空一行，加粗写 **文字**，小标题写 ### 标题；标题、摘要和电子屏文字只写文字",
    ),
)


_HIDDEN = "看不见的字符"
_HIDDEN_WHY = "读者看不见它们，它们却会把字词隔开（检查就认不出禁用词）或颠倒文字的显示顺序"
_HIDDEN_HINT = "删去这些字符：在编辑器里删掉这一处前后的字再重新输入，或用查找替换把它们替换为空"


class Markup(NamedTuple):
    """Markup found in one field of an item: its first words and where they start, how many, what it is, the fix."""

    field: str
    words: str
    at: int
    times: int
    what: str
    hint: str

    @property
    def reason(self) -> str:
        if self.what == _HIDDEN:  # the characters cannot be shown: named, and placed by the words around them
            return f"里有 {self.times} 个{self.what}：{self.words}。{_HIDDEN_WHY}"
        more = f"等 {self.times} 处" if self.times > 1 else ""
        return f"里有{self.what}“{self.words}”{more}：{_PLAIN}"


def markup_in(item: ContentItem) -> list[Markup]:
    """The markup in the item's text fields, each kind once per field, at its first place."""
    found: list[Markup] = []
    for name in (*TEXT_FIELDS, "body"):
        text = getattr(item, name)
        if name == "headline" and text == item.title:
            continue  # no headline of its own: it is the title
        text = PLACEHOLDER_RE.sub(lambda m: " " * len(m.group(0)), text)  # filled, or reported by the loader
        for pattern, what, hint in _KINDS:
            matches = list(pattern.finditer(text))
            if matches:
                found.append(Markup(name, matches[0].group(0), matches[0].start(), len(matches), what, hint))
    if at := where_hidden(item.body):  # the other fields: the poster glyph check
        found.append(Markup("body", described(item.body, at), at[0], len(at), _HIDDEN, _HIDDEN_HINT))
    return found


def guide_problems(
    items: Iterable[ContentItem], of_item: Callable[[ContentItem], list[tuple[bool, Problem]]] | None = None
) -> list[Problem]:
    """What the content guide asks of the items beyond what the channels need (a full summary, no markup):
    `qm check` reports them, and auto-approval holds the posts of an item that has them. `of_item`: each
    item's `guide_rows` (`qm check` keeps them per item)."""
    rows = [row for item in items for row in (of_item or guide_rows)(item)]
    return [p for markup, p in rows if not markup] + [p for markup, p in rows if markup]


def guide_rows(item: ContentItem) -> list[tuple[bool, Problem]]:
    """The item's `guide_problems`, each marked whether it is about markup (those are told after the others)."""
    return [(False, p) for p in editorial_problems(Library((item,)))] + [(True, p) for p in markup_problems((item,))]


def guide_reasons(item: ContentItem) -> list[str]:
    """The item's `guide_problems` as `qm check` words them (file:line：what（how to fix）): the preview, the
    console's day page and auto-approval's hold reasons say the same."""
    return [str(p) for p in guide_problems((item,))]


def markup_problems(items: Iterable[ContentItem]) -> list[Problem]:
    """The markup in the items' text, at the content file's line of the words found."""
    return [Problem(f"内容 {i.id} 的{FIELD_LABELS[m.field]}{m.reason}", _where(i, m), m.hint) for i in items for m in markup_in(i)]


def _where(item: ContentItem, markup: Markup) -> str:
    """The field's line; in a Markdown body, the line of the words."""
    if markup.field == "body" and item.body_line:
        return field_where(item.source, (("body", item.body_line + item.body.count("\n", 0, markup.at)),), "body")
    return item.where(markup.field)
