"""YAML loading that remembers where each value came from, so errors can say file:line.

Mappings load as `Mapping` (a dict with `.line_of(key)`), sequences as `Sequence` (a list with
`.line_of(index)`). Times such as `20:00` stay strings: YAML 1.1 would read them as base-60 ints.
A date that does not exist (`2027-09-31`) stays a string too, so the reader reports it like any
other bad value instead of the parser stopping. Syntax errors are explained in Chinese.

PyYAML is imported by the first text actually parsed: while a `parse_cache.ParseCache` is in use
(`use_cache`), texts it has seen come from it, and a command whose files are all unchanged starts
without the parser; the plainest texts (`plain_yaml`: a front matter of `key: text` lines) never need it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..support.errors import Problem
from ..support.os_messages import os_reason

if TYPE_CHECKING:
    import yaml


class Mapping(dict[str, Any]):
    source: str = ""
    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def where(self, key: Any = None) -> str:
        line = self.line if key is None else self.line_of(key)
        return f"{self.source}:{line}"


class Sequence(list[Any]):
    source: str = ""
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line

    def where(self, index: int | None = None) -> str:
        line = self.line if index is None else self.line_of(index)
        return f"{self.source}:{line}"


@functools.cache
def _loader_class() -> type[Any]:
    """One loader class for every file (libyaml's parser when installed: about ten times faster, same
    nodes and marks); the file's name and line offset are set on each instance."""
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type, misc]
        qm_source = ""
        qm_offset = 0

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
    Loader.add_constructor("tag:yaml.org,2002:int", _integer)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    return Loader


def _line(loader: Any, node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1 + int(loader.qm_offset)


def _mapping(loader: Any, node: yaml.MappingNode) -> Mapping:
    result = Mapping()
    result.source, result.line = loader.qm_source, _line(loader, node)
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = _key(loader, result, key_node, loader.construct_object(key_node, deep=True))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _line(loader, key_node)
    return result


def _key(loader: Any, mapping: Mapping, key_node: yaml.Node, raw_key: Any) -> str:
    """A mapping's next key, said as text: a plain value, not in the mapping yet."""
    if type(raw_key) is str and raw_key not in mapping:  # nearly every key
        return raw_key
    import yaml

    if not isinstance(raw_key, (str, int, float, bool)) and raw_key is not None:
        raise yaml.constructor.ConstructorError(None, None, "不支持的键类型", key_node.start_mark)
    key = str(raw_key)
    if key in mapping:
        raise yaml.constructor.ConstructorError(
            None, None, f"键 {key!r} 重复出现（第 {mapping.key_lines[key]} 行已有），请删去或合并其中一个", key_node.start_mark
        )
    return key


def _sequence(loader: Any, node: yaml.SequenceNode) -> Sequence:
    result = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.source, result.line = loader.qm_source, _line(loader, node)
    result.item_lines = [_line(loader, child) for child in node.value]
    return result


def _integer(loader: Any, node: yaml.ScalarNode) -> int | str:
    import yaml

    text = loader.construct_scalar(node)
    if isinstance(text, str) and ":" in text:
        return text  # "20:00" is a time of day, not 1200
    return yaml.SafeLoader.construct_yaml_int(loader, node)


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    import yaml

    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:  # shaped like a date but not one (2027-09-31): the reader says why
        return loader.construct_scalar(node)


def _load(text: str, source: str, line_offset: int) -> Any:
    loader = _loader_class()(text)
    loader.qm_source, loader.qm_offset = source, line_offset
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node)
    finally:
        loader.dispose()


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _build(loader: Any, root: yaml.Node) -> Any:
    """What `loader.get_single_data()` makes of `root` (the constructors above), built directly: plain
    strings, mappings and lists (nearly every node) without PyYAML's generic constructor machinery;
    any other node by the loader's own constructors. A node that contains itself (`&a [*a]`) fails
    as the constructors fail."""
    import yaml

    scalar, mapping, sequence = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    open_nodes: set[int] = set()

    def build(node: yaml.Node) -> Any:
        kind, tag = type(node), node.tag
        if kind is scalar:
            return node.value if tag == _STR else loader.construct_object(node)
        if not ((kind is mapping and tag == _MAP) or (kind is sequence and tag == _SEQ)):
            return loader.construct_object(node, deep=True)
        if id(node) in open_nodes:
            raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node", node.start_mark)
        open_nodes.add(id(node))
        result: Any
        if kind is sequence:
            result = Sequence(build(child) for child in node.value)
            result.item_lines = [_line(loader, child) for child in node.value]
        else:
            result = Mapping()
            result.key_lines = {}
            for key_node, value_node in node.value:
                key = _key(loader, result, key_node, build(key_node))
                result[key] = build(value_node)
                result.key_lines[key] = _line(loader, key_node)
        open_nodes.discard(id(node))  # (an exception ends the whole build)
        result.source, result.line = loader.qm_source, _line(loader, node)
        return result

    return build(root)


class YamlSyntaxError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Cache(Protocol):
    def parse(self, text: str, source: str, line_offset: int) -> Any: ...


_cache: Cache | None = None


def use_cache(cache: Cache | None) -> Cache | None:
    """Have `parse` answer from `cache` (None: parse every text); returns the cache used before."""
    global _cache
    previous, _cache = _cache, cache
    return previous


def parse(text: str, source: str, line_offset: int = 0) -> Any:
    """Parse YAML text; `source` names it in messages, `line_offset` shifts reported lines."""
    return _cache.parse(text, source, line_offset) if _cache is not None else parse_text(text, source, line_offset)


def parse_text(text: str, source: str, line_offset: int = 0) -> Any:
    """`parse` without the cache."""
    from .plain_yaml import simple

    if (plain := simple(text, source, line_offset)) is not None:  # a front matter of plain lines: no PyYAML
        return plain
    import yaml

    try:
        return _load(text, source, line_offset)
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError(_syntax_problem(exc, text, source, line_offset)) from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        problem = Problem(f"文件中有不可见的控制字符（#x{exc.character:04x}）", f"{source}:{line}", "删去这个字符后重新保存")
        raise YamlSyntaxError(problem) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Problem("YAML 格式错误，无法读取", source, "检查缩进、冒号和引号")) from exc


_TAB = "用了 Tab 键缩进：YAML 只能用空格缩进"
_LIST_INDENT = "列表缩进不一致：每一项都以“- ”开头并左对齐"
_KEY_INDENT = "这个键的缩进和上面同一层的键不一致：同一层的键要用同样多的空格左对齐"
_INDENT = "缩进不一致、引号后面多了文字，或前面有引号没有配对：同一层的键要左对齐"
# PyYAML's problem texts (libyaml's and the pure-Python parser's wording), first match wins.
_SYNTAX: tuple[tuple[str, str], ...] = (
    (r"mapping values are not allowed", "这里不能出现“键: 值”：可能是缩进不对，或文字里的“: ”需要用引号括起来"),
    (r"did not find expected key|expected <block end>", _INDENT),
    (r"could not find expected ':'", "缺少冒号：这一行的键后面要写英文冒号和空格“: ”"),
    (r"did not find expected node content|expected the node content", "这里缺少值：列表项或 [ ] 中少写了内容"),
    (r"did not find expected '-' indicator", _LIST_INDENT),
    (r"found unexpected end of stream", "引号没有配对：从这里开始的引号直到文件末尾都没有结束"),
    (r"expected ',' or '\]'", "方括号 [ ] 列表没有正确结束：项之间用逗号分隔，最后写 ]"),
    (r"expected ',' or '\}'", "花括号 { } 没有正确结束：项之间用逗号分隔，最后写 }"),
    (r"found undefined alias", "以 * 开头的文字会被当作引用：请用引号括起来"),
    (r"found unknown escape character", "双引号里的反斜杠 \\ 无效：路径请改用单引号或 /"),
    (r"found a tab character|found character '\\t'", _TAB),
    (r"cannot start any token", "字符 {char} 不能出现在值的开头：请用引号把这段文字括起来"),
    (r"found duplicate anchor", "以 & 开头的文字会被当作锚点：请用引号括起来"),
    (r"unknown directive|expected '<document start>'", "以 % 或 --- 开头的行不能出现在这里：请加引号或删去"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, source: str, line_offset: int) -> Problem:
    """A parser error in Chinese, at the line it concerns (where an unclosed quote opened, say)."""
    from . import full_width, list_dash, placeholder_value, yaml_breaks  # only to explain a syntax error

    if (broken := yaml_breaks.problem(text, source, line_offset)) is not None:  # U+2028 in a line: a break to YAML
        return broken
    problem = f"{exc.context or ''} {exc.problem or ''}"
    mark = exc.problem_mark or exc.context_mark
    # where the quote or bracket opened; the key that lacks its colon (not the line after it)
    if re.search(r"end of stream|expected ',' or|could not find expected ':'", problem) and exc.context_mark:
        mark = exc.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = text.splitlines()
    at = [m.line for m in (exc.problem_mark, exc.context_mark) if m]
    if (brace := placeholder_value.near_syntax_error(lines, *at)) is not None:  # `line: {{ x }}…`: a { } mapping
        where, reason = f"{source}:{brace + 1 + line_offset}", placeholder_value.REASON
        return Problem(f"YAML 格式错误：{reason}", where, placeholder_value.hint(lines[brace]))
    if re.search(r"[\u4e00-\u9fff]", problem):  # raised by this module's constructors, already Chinese
        return Problem(f"YAML 格式错误：{problem.strip()}", f"{source}:{line + 1 + line_offset}")
    slip = full_width.syntax_slip(lines, exc.problem_mark.line, exc.problem_mark.column) if exc.problem_mark else None
    hint = "检查缩进、冒号和引号"
    dash = list_dash.near_syntax_error(lines, exc.problem_mark.line) if exc.problem_mark and not slip else None
    if slip:
        line, column, typed = slip
        reason, hint = full_width.in_syntax(typed), full_width.fix(typed)
    elif dash is not None:
        line, column = dash, lines[dash].index("-")
        reason, hint = list_dash.REASON, list_dash.hint(lines[dash], list_dash.entry_key(lines, dash))
    else:
        char = lines[line][column : column + 1] if line < len(lines) else ""
        reason = next((zh for pattern, zh in _SYNTAX if re.search(pattern, problem)), "")
        if "{char}" in reason:
            reason = _TAB if char == "\t" else reason.format(char=repr(char))
        if reason == _LIST_INDENT and line < len(lines) and not lines[line].lstrip().startswith("-"):
            reason = _KEY_INDENT  # a key indented deeper than its neighbours, under a list: not a list item
    return Problem(
        f"YAML 格式错误（第 {column + 1} 列）" + (f"：{reason}" if reason else "：这里无法解析"),
        f"{source}:{line + 1 + line_offset}",
        hint,
    )


def load(path: Path, source: str | None = None) -> Any:
    return parse(read_text(path, source), source or str(path))


def read_text(path: Path, source: str | None = None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise YamlSyntaxError(Problem("文件不存在", source or str(path), "检查路径是否正确")) from exc
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(Problem("文件不是 UTF-8 编码", source or str(path), "请用 UTF-8 保存该文件")) from exc
    except OSError as exc:
        raise YamlSyntaxError(Problem(f"无法读取文件：{os_reason(exc)}", source or str(path))) from exc
