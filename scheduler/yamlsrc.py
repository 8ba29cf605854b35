"""YAML loading that remembers where each value came from, so errors can say file:line.

Mappings load as `Mapping` (a dict with `.line_of(key)`), sequences as `Sequence` (a list with
`.line_of(index)`). Times such as `20:00` stay strings: YAML 1.1 would read them as base-60 ints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem


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


# libyaml's parser when installed: about ten times faster, same nodes and marks.
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_for(source: str, line_offset: int) -> type[yaml.SafeLoader]:
    class Loader(_BASE):  # type: ignore[valid-type, misc]
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Mapping:
        result = Mapping()
        result.source, result.line = source, node.start_mark.line + 1 + line_offset
        result.key_lines = {}
        for key_node, value_node in node.value:
            raw_key = loader.construct_object(key_node, deep=True)
            if not isinstance(raw_key, (str, int, float, bool)) and raw_key is not None:
                raise yaml.constructor.ConstructorError(None, None, "不支持的键类型", key_node.start_mark)
            key = str(raw_key)
            if key in result:
                raise yaml.constructor.ConstructorError(None, None, f"键 {key!r} 重复出现", key_node.start_mark)
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1 + line_offset
        return result

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Sequence:
        result = Sequence(loader.construct_object(child, deep=True) for child in node.value)
        result.source, result.line = source, node.start_mark.line + 1 + line_offset
        result.item_lines = [child.start_mark.line + 1 + line_offset for child in node.value]
        return result

    def integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
        text = loader.construct_scalar(node)
        if isinstance(text, str) and ":" in text:
            return text  # "20:00" is a time of day, not 1200
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    Loader.add_constructor("tag:yaml.org,2002:int", integer)
    return Loader


class YamlSyntaxError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse(text: str, source: str, line_offset: int = 0) -> Any:
    """Parse YAML text; `source` names it in messages, `line_offset` shifts reported lines."""
    try:
        return yaml.load(text, Loader=_loader_for(source, line_offset))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        reason = exc.problem or exc.context or "格式错误"
        raise YamlSyntaxError(Problem(f"YAML 格式错误：{reason}", f"{source}:{line}", "检查缩进、冒号和引号")) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(Problem(f"YAML 格式错误：{exc}", source)) from exc


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
        raise YamlSyntaxError(Problem(f"无法读取文件：{exc.strerror}", source or str(path))) from exc
