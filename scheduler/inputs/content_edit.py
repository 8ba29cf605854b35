"""Change a content item's words inside its file without re-dumping the YAML.

Only the text of the edited values changes: the other fields, comments, quoting, key order, blank
lines and line endings (LF or CRLF) stay as they were. A value keeps its quoting style when the new
words allow it; a multi-line body is written as a literal block (`|`). Every edit is read back with
the YAML parser before it is returned: if the file would not say exactly the new words, with every
other field unchanged, nothing is returned but an error. Pure text in, text out; `content_save`
validates and writes the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..support.errors import InputError

EDITABLE = ("title", "summary", "headline", "line", "body")
FIELD_LABELS = {"title": "标题", "summary": "摘要", "headline": "电子屏标题", "line": "一句话", "body": "正文"}
# A field missing from the file is added after the first of these that is there.
_INSERT_AFTER = {"title": ("id",), "summary": ("title", "id"), "headline": ("title", "id"), "line": ("summary", "title", "id"), "body": ()}


class EditError(InputError):
    """The file cannot be changed safely by the form (an unusual layout): edit it by hand."""


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str


def normalize(field: str, value: str) -> str:
    """What a form sends, as the file should hold it: line breaks as \\n, no surrounding blanks."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if field == "body":
        return "\n".join(line.rstrip() for line in value.strip().split("\n"))
    return value.strip()


def current_values(text: str, suffix: str, item_id: str) -> dict[str, str]:
    """The editable fields of an item as written in its file ("" for one that is not there)."""
    front, _, body = _parts(text, suffix)
    mapping = _find(front, item_id, suffix)
    values = {field: "" for field in EDITABLE}
    for key, value in _constructed(front, mapping).items():
        if key in values and isinstance(value, str):
            values[key] = value.strip() if key == "body" else value
    if body is not None:
        values["body"] = body.strip().replace("\r\n", "\n")
    return values


def apply(text: str, suffix: str, item_id: str, changes: Mapping[str, str]) -> str:
    """`text` with the item's fields set to `changes` (normalized values; "" removes a headline)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise EditError(f"不能在网页上修改字段 {'、'.join(sorted(unknown))}")
    for quoted in (False, True):  # a style that does not read back exactly falls back to "double quotes"
        new = _apply(text, suffix, item_id, changes, quoted)
        if _reads_back(text, new, suffix, item_id, changes):
            return new
    raise EditError(f"无法把修改安全地写回内容 {item_id} 的文件（文件写法特殊），请直接编辑文件")


def _apply(text: str, suffix: str, item_id: str, changes: Mapping[str, str], quoted: bool) -> str:
    nl = "\r\n" if "\r\n" in text else "\n"
    front, offset, body = _parts(text, suffix)
    mapping = _find(front, item_id, suffix)
    fields = {k: v for k, v in changes.items() if not (k == "body" and body is not None)}
    splices = [_Splice(s.start + offset, s.end + offset, s.text) for s in _mapping_splices(front, mapping, fields, nl, quoted)]
    if body is not None and "body" in changes:
        start = len(text) - len(body)
        lead = body[: len(body) - len(body.lstrip("\r\n"))]
        new_body = changes["body"].replace("\n", nl)
        splices.append(_Splice(start, len(text), lead + new_body + (nl if new_body else "")))
    for s in sorted(splices, key=lambda s: s.start, reverse=True):
        text = text[: s.start] + s.text + text[s.end :]
    return text


def _parts(text: str, suffix: str) -> tuple[str, int, str | None]:
    """(the YAML text, its offset in the file, the Markdown body after the front matter or None)."""
    if suffix != ".md":
        return text, 0, None
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip().removeprefix("\ufeff") != "---":  # a BOM stays where it is, as CRLF does
        raise EditError("Markdown 内容文件必须以 --- 开头的文件头")
    pos = len(lines[0])
    for line in lines[1:]:
        if line.strip() == "---":
            return text[len(lines[0]) : pos], len(lines[0]), text[pos + len(line) :]
        pos += len(line)
    raise EditError("文件头没有结束的 ---")


def _compose(text: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise EditError("内容文件现在无法读取（YAML 格式错误），请先用 qm check 找到并改正") from exc
    if node is None:
        raise EditError("内容文件是空的")
    return node


def _find(text: str, item_id: str, suffix: str) -> yaml.MappingNode:
    root = _compose(text)
    entries = root.value if isinstance(root, yaml.SequenceNode) else [root]
    for entry in entries:
        if isinstance(entry, yaml.MappingNode) and (suffix == ".md" or _scalar_value(entry, "id") == item_id):
            return entry
    raise EditError(f"文件里找不到内容 {item_id}")


def _key(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _scalar_value(mapping: yaml.MappingNode, key: str) -> str | None:
    pair = _key(mapping, key)
    return pair[1].value if pair and isinstance(pair[1], yaml.ScalarNode) else None


def _constructed(text: str, mapping: yaml.MappingNode) -> dict[str, Any]:
    loader = yaml.SafeLoader(text)
    try:
        return {str(loader.construct_object(k, deep=True)): loader.construct_object(v, deep=True) for k, v in mapping.value}
    finally:
        loader.dispose()


def _mapping_splices(text: str, mapping: yaml.MappingNode, changes: Mapping[str, str], nl: str, quoted: bool) -> list[_Splice]:
    out = []
    for field, value in changes.items():
        pair = _key(mapping, field)
        if pair is None:
            if value:
                out.append(_insert(text, mapping, field, value, nl, quoted))
            continue
        key, node = pair
        if not isinstance(node, yaml.ScalarNode):
            raise EditError(f"字段 {field} 不是文字，无法在网页上修改")
        if not value:
            if field != "headline":
                raise EditError(f"{FIELD_LABELS[field]}不能为空")
            out.append(_remove(text, key, node))
            continue
        out.append(_replace(text, key, node, value, nl, quoted))
    return out


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _line_end(text: str, pos: int) -> int:
    """Index of the line break ending the line that holds `pos` (len(text) on the last line)."""
    end = text.find("\n", pos)
    if end < 0:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def _is_block(node: yaml.ScalarNode) -> bool:
    return node.style in ("|", ">")


def _value_end(text: str, node: yaml.Node) -> int:
    """Where the line after a value starts (a block scalar's span already reaches it)."""
    if isinstance(node, yaml.ScalarNode) and _is_block(node):
        return int(node.end_mark.index)
    end = _line_end(text, node.end_mark.index)
    return min(len(text), end + (2 if text.startswith("\r\n", end) else 1))


def _remove(text: str, key: yaml.Node, node: yaml.ScalarNode) -> _Splice:
    start = _line_start(text, key.start_mark.index)
    if text[start : key.start_mark.index].strip():
        raise EditError("电子屏标题和其他字段写在同一行，无法删除，请直接编辑文件")
    return _Splice(start, _value_end(text, node), "")


def _insert(text: str, mapping: yaml.MappingNode, field: str, value: str, nl: str, quoted: bool) -> _Splice:
    if mapping.flow_style:
        raise EditError(f"这条内容写在 {{ }} 里，无法添加字段 {field}，请直接编辑文件")
    anchor = next((p for name in _INSERT_AFTER[field] if (p := _key(mapping, name))), None) or mapping.value[-1]
    column = mapping.value[0][0].start_mark.column
    pos = _value_end(text, anchor[1])
    prefix = "" if pos == 0 or text[pos - 1] == "\n" else nl
    rendered = _render(value, None, column, nl, quoted).removesuffix(nl)
    return _Splice(pos, pos, f"{prefix}{' ' * column}{field}: {rendered}{nl}")


def _replace(text: str, key: yaml.Node, node: yaml.ScalarNode, value: str, nl: str, quoted: bool) -> _Splice:
    start, end = node.start_mark.index, node.end_mark.index
    column = key.start_mark.column
    if _is_block(node):
        header_end = _line_end(text, start)
        header = text[start:header_end]
        content = text[header_end:end]
        blank_tail = content[len(content.rstrip("\r\n \t")) :]
        blank_tail = blank_tail[blank_tail.find("\n") + 1 :] if "\n" in blank_tail else nl
        indent = _block_indent(content) or column + 2
        if "\n" in value and not quoted and _literal_ok(value):
            return _Splice(start, end, header.replace(">", "|") + nl + _indented(value, indent, nl) + nl + blank_tail)
        # a one-line value (or a quoted one) where a block was: the value, then the blank lines that followed
        return _Splice(start, end, _render(value, None, column, nl, quoted) + nl + blank_tail)
    rendered = _render(value, node.style, column, nl, quoted)
    if "\n" in rendered:  # a block: its header, then whatever followed the old value on its line (a comment)
        line_end = _line_end(text, end)
        header, _, rest = rendered.partition(nl)
        return _Splice(start, line_end, header + text[end:line_end] + nl + rest.removesuffix(nl))
    return _Splice(start, end, rendered)


def _block_indent(content: str) -> int:
    for line in content.splitlines():
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _indented(value: str, indent: int, nl: str) -> str:
    return nl.join(" " * indent + line if line else "" for line in value.split("\n"))


def _literal_ok(value: str) -> bool:
    return not value[:1].isspace() and "\t" not in value and not any(ch in value for ch in "\x85\u2028\u2029\ufeff")


_PLAIN_UNSAFE = re.compile(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|[:#]\s|\s#|:$|\s$|[\x00-\x1f\x7f\x85\u2028\u2029\ufeff]")


def _render(value: str, style: str | None, column: int, nl: str, quoted: bool) -> str:
    if "\n" in value:
        if quoted or not _literal_ok(value):
            return json.dumps(value, ensure_ascii=False)
        return "|" + nl + _indented(value, column + 2, nl) + nl
    if not quoted and style == "'":
        return "'" + value.replace("'", "''") + "'"
    if not quoted and style in (None, "", "|", ">") and not _PLAIN_UNSAFE.search(value) and _plain_reads_as(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _plain_reads_as(value: str) -> bool:
    """A plain scalar that the parser reads back as this very string (not a number, date, true...)."""
    try:
        return bool(yaml.safe_load(f"k: {value}") == {"k": value})
    except yaml.YAMLError:
        return False


def _reads_back(old: str, new: str, suffix: str, item_id: str, changes: Mapping[str, str]) -> bool:
    """The new text parses, the item holds exactly the new words, and everything else is as before."""
    try:
        old_front, _, old_body = _parts(old, suffix)
        new_front, _, new_body = _parts(new, suffix)
        before, after = yaml.safe_load(old_front), yaml.safe_load(new_front)
    except (EditError, yaml.YAMLError):
        return False
    many = isinstance(before, list)
    before_entries, after_entries = (before, after) if many else ([before], [after])
    if not isinstance(after_entries, list) or len(before_entries) != len(after_entries):
        return False
    for was, now in zip(before_entries, after_entries, strict=True):
        if not (isinstance(was, dict) and isinstance(now, dict) and (suffix == ".md" or was.get("id") == item_id)):
            if was != now:
                return False
            continue
        expected = dict(was)
        if old_body is not None and new_body is not None:
            expected["body"], now = old_body, {**now, "body": new_body}
        for key, value in changes.items():
            if value or key != "headline":
                expected[key] = value
            else:
                expected.pop(key, None)
        if "body" in expected and isinstance(now.get("body"), str):
            expected["body"] = _plain_body(expected["body"])
            now = {**now, "body": _plain_body(now["body"])}
        if expected != now:
            return False
    return True


def _plain_body(body: str) -> str:
    return body.replace("\r\n", "\n").strip()
