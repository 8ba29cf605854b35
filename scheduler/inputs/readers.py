"""Small typed readers over `located_yaml.Mapping`: each returns a value or records a Problem.

Readers never raise for bad input; they collect every problem so a check reports them all at once.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..support.errors import Problem
from .dates_written import date_error, parse_date, parse_time, time_error
from .located_yaml import Mapping, Sequence

_MISSING = object()
_LISTED = 10  # choices listed in full after a guess at the one meant
# A telephone number as people dial it: digits, with hyphens between groups (12315, 0456-8221234, 400-123-4567).
PHONE_RE = re.compile(r"^[0-9]+(?:-[0-9]+)*$")  # half-width digits only


class Reader:
    """`noun` is what the keys are called in messages: 配置项 in a config file, 字段 in a content item.

    With `labels` (key -> what staff call it), `path` names a thing rather than a place in a file, and a
    missing key is said of it: `内容 x 缺少字段 title（标题）`; choices given as a dict are listed with
    their labels too."""

    def __init__(self, noun: str = "配置项", labels: dict[str, str] | None = None) -> None:
        self.problems: list[Problem] = []
        self.noun = noun
        self.labels = labels
        self.example_day: dt.date | None = None  # a day of the campaign, to show how a date is written
        self._typos: dict[tuple[int, str], tuple[str, int]] = {}  # (mapping, known key) -> (typo, its line)
        self._headers: dict[int, int] = {}  # id of a section read -> the line of its key (`campaign:`)

    def problem(self, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(message, where, hint))

    def missing(self, m: Mapping, key: str, path: str, hint: str = "") -> None:
        """A required key is absent; if an unknown key nearby looks like a misspelling of it, say so."""
        typo = self._typos.get((id(m), key))
        if typo:
            hint = f"第 {typo[1]} 行的 {typo[0]} 是不是 {key} 写错了？"
        if key in m:  # written with nothing after it (`hotline:`): said at its own line, not the section's
            if self.labels is None:  # 配置项 campaign.hotline; 第 4 个单位的 name (says what it is)
                named = f"{'' if path.startswith('第 ') else self.noun + ' '}{join_path(path, key)} "
            else:
                named = f"{path + ' 的' if path else ''}{self.noun} {key}（{self.labels.get(key, key)}）"
            self.problem(m.where(key), f"{named}没有填写", hint or f"在“{key}:”后面写上它的值")
            return
        header = self._headers.get(id(m))
        if self.labels is None and header:  # said at the section's own line, where the key goes
            hint = hint or f"在第 {header} 行“{path.rsplit('.', 1)[-1]}:”这一节里加一行“{key}: ”，写上它的值，与这一节的其他项对齐"
            self.problem(f"{m.source}:{header}", f"缺少{self.noun} {join_path(path, key)}", hint)
        elif self.labels is None:
            self.problem(m.where(), f"缺少{self.noun} {join_path(path, key)}", hint)
        else:
            owner = f"{path} " if path else ""
            self.problem(m.where(), f"{owner}缺少{self.noun} {key}（{self.labels.get(key, key)}）", hint)

    # -- structure ---------------------------------------------------------------------------

    def keys(self, m: Mapping, path: str, allowed: Iterable[str]) -> None:
        """Every key of `m` is one of `allowed`; a dict of them (key -> label: the areas) is listed with its labels."""
        labels = allowed if isinstance(allowed, dict) else {}
        allowed = list(allowed)
        for key in m:
            if key in allowed:
                continue
            from ..support.suggest import as_written, close_to, guess_of  # only for a key the reader does not know

            close = close_to(str(key), [a for a in allowed if a not in m], labels=labels)[:1]
            if close:
                self._typos[(id(m), close[0])] = (key, m.line_of(key))
                hint = guess_of(as_written(c, labels) for c in close)
            else:
                hint = f"可用的{self.noun}：{'、'.join(as_written(a, labels) for a in allowed)}"
            self.problem(m.where(key), f"未知的{self.noun} {join_path(path, key)}", hint)

    def section(self, m: Mapping, key: str, path: str, required: bool = True) -> Mapping | None:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.missing(m, key, path, "请补上这一节")
            return None
        if not isinstance(value, Mapping):
            from .full_width import in_value  # a section of one key written `key：value` reads as text

            self.problem(m.where(key), f"{join_path(path, key)} 应当是一个映射（键: 值）", in_value(value))
            return None
        self._headers[id(value)] = m.line_of(key)
        return value

    def seq(self, m: Mapping, key: str, path: str, required: bool = False, item_key: str = "") -> Sequence:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.missing(m, key, path)
            empty = Sequence()
            empty.source, empty.line, empty.item_lines = m.source, m.line_of(key), []
            return empty
        if not isinstance(value, Sequence):
            from .list_dash import not_a_list  # only to explain it: `-市总工会` reads as text

            self.problem(*not_a_list(value, m, key, join_path(path, key), item_key))
            empty = Sequence()
            empty.source, empty.line, empty.item_lines = m.source, m.line_of(key), []
            return empty
        return value

    def entries(self, m: Mapping, key: str, path: str, item_key: str = "") -> Iterator[tuple[str, Mapping]]:
        """Each mapping in the list at `key`, with its path (`path.key[i]`); anything else is reported, a
        bare text with the fix `- item_key: text` when entries can be that alone (`- name: 北安市`)."""
        items = self.seq(m, key, path, item_key=item_key)
        for i, item in enumerate(items):
            where = f"{join_path(path, key)}[{i}]"
            if isinstance(item, Mapping):
                yield where, item
            else:
                bare = item_key and isinstance(item, (str, int)) and not isinstance(item, bool)
                self.problem(items.where(i), f"{where} 应当是一个映射", f"改成“- {item_key}: {item}”" if bare else "")

    # -- scalars -----------------------------------------------------------------------------

    def text(self, m: Mapping, key: str, path: str, default: Any = _MISSING, max_len: int | None = None, hint: str = "") -> str:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.missing(m, key, path, "" if key in m else self._add_line(key, max_len))
                return ""
            return str(default)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a hotline such as 12315 written without quotes
        if not isinstance(value, str):
            self.problem(m.where(key), f"{join_path(path, key)} 应当是文字")
            return ""
        if max_len is not None and len(value) > max_len:
            self.problem(m.where(key), f"{join_path(path, key)} 超过 {max_len} 字（现为 {len(value)} 字）", hint)
        return value

    def _add_line(self, key: str, max_len: int | None) -> str:
        """How to add a missing field of a content item (a reader with `labels`): the line to write, and its limit."""
        if self.labels is None:
            return ""
        limit = f"，不超过 {max_len} 字" if max_len else ""
        return f"在这条内容里加一行“{key}: ”，后面写上{self.labels.get(key, key)}{limit}"

    def filled(self, m: Mapping, key: str, path: str, why: str, hint: str, max_len: int | None = None) -> str:
        """A required text that may not be blank either: one given blank is refused, `x 不能为空：why`."""
        text = self.text(m, key, path, max_len=max_len)
        if isinstance(m.get(key), str) and not text.strip():
            self.problem(m.where(key), f"{join_path(path, key)} 不能为空：{why}", hint)
            return ""
        return text

    def phone(self, m: Mapping, key: str, path: str, why: str = "", hint: str = "") -> str:
        """A telephone number (the hotline, a contact's or a unit's phone), printed or sent as written, so
        a typo would reach every poster or reminder: optional, or required and not blank `why` when given."""
        value = self.filled(m, key, path, why, hint) if why else self.text(m, key, path, "")
        if value and not PHONE_RE.match(value):
            self.problem(
                m.where(key),
                f"{join_path(path, key)} 不是电话号码：{value!r}",
                "只写半角数字，区号和号码之间可用 - 连接，如 12315 或 0456-8221234",
            )
        return value

    def texts(self, m: Mapping, key: str, path: str) -> tuple[str, ...]:
        values = self.seq(m, key, path)
        out: list[str] = []
        for i, value in enumerate(values):
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                out.append(str(value))
            else:
                self.problem(values.where(i), f"{join_path(path, key)} 的第 {i + 1} 项应当是文字")
        return tuple(out)

    def choice(self, m: Mapping, key: str, path: str, choices: Iterable[str], default: Any = _MISSING) -> str:
        """One of `choices`; a dict of them (value -> label) is listed with its labels when one is wrong: the
        value first, as the file must have it (rights（严格质量整治与消费维权）)."""
        labels = choices if isinstance(choices, dict) else {}
        choices = list(choices)
        value = self.text(m, key, path, default)
        if value and value not in choices:
            from ..support.suggest import as_written, did_you_mean  # only for a value that is not one of the choices

            shown = [as_written(c, labels) for c in choices]
            hint = f"只能是 {' | '.join(shown)}"
            guess = did_you_mean(value, choices, labels=labels, show=lambda c: as_written(c, labels))
            if guess:  # a long list is left out behind a likely guess
                hint = guess + (hint if len(choices) <= _LISTED else "")
            self.problem(m.where(key), f"{join_path(path, key)} 的值 {value!r} 不可用", hint)
        return value

    def flag(self, m: Mapping, key: str, path: str, default: bool) -> bool:
        value = m.get(key, default)
        if not isinstance(value, bool):
            self.problem(
                m.where(key), f"{join_path(path, key)} 应当是 true 或 false，现为 {value!r}", f"例如 {key}: {str(default).lower()}"
            )
            return default
        return value

    def integer(self, m: Mapping, key: str, path: str, default: Any = _MISSING, lo: int | None = None, hi: int | None = None) -> int:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.missing(m, key, path)
                return 0
            return int(default)
        if not isinstance(value, int) or isinstance(value, bool):
            example = default if default is not _MISSING else (lo if lo is not None else 1)
            self.problem(m.where(key), f"{join_path(path, key)} 应当是整数，现为 {value!r}", f"写一个不带引号的整数，例如 {key}: {example}")
            return 0 if default is _MISSING else int(default)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            span = f"{lo if lo is not None else ''}–{hi if hi is not None else ''}"
            self.problem(m.where(key), f"{join_path(path, key)} 超出范围（{span}）")
        return value

    def number(self, m: Mapping, key: str, path: str, default: float, lo: float, hi: float, hint: str = "") -> float:
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.problem(
                m.where(key), f"{join_path(path, key)} 应当是数字，现为 {value!r}", hint or f"写一个不带引号的数字，例如 {key}: {default:g}"
            )
            return default
        if not lo <= value <= hi:
            self.problem(m.where(key), f"{join_path(path, key)} 超出范围（{lo:g}–{hi:g}）", hint)
            return default
        return float(value)

    def date(self, m: Mapping, key: str, path: str, default: Any = _MISSING) -> dt.date | None:
        parsed: dt.date | None = self._parsed(m, key, path, default, parse_date, "日期", lambda v: date_error(v, self.example_day))
        return parsed

    def time(self, m: Mapping, key: str, path: str, default: Any = _MISSING) -> dt.time | None:
        parsed: dt.time | None = self._parsed(m, key, path, default, parse_time, "时间", time_error)
        return parsed

    def _parsed(
        self, m: Mapping, key: str, path: str, default: Any, parse: Callable[[Any], Any], what: str, why: Callable[[Any], str]
    ) -> Any:
        """A date or time; `why` says what is wrong with a value that is not one (or how to write one)."""
        value = m.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.missing(m, key, path, why(None))
            return None if default is _MISSING else default
        parsed = parse(value)
        if parsed is None:
            self.problem(m.where(key), f"{join_path(path, key)} 不是有效{what}：{value}", why(value))
        return parsed

    def times(self, m: Mapping, key: str, path: str, required: bool = True) -> tuple[dt.time, ...]:
        values = self.seq(m, key, path, required=required)
        out: list[dt.time] = []
        for i, value in enumerate(values):
            parsed = parse_time(value)
            if parsed is None:
                self.problem(values.where(i), f"{join_path(path, key)} 的第 {i + 1} 项不是有效时间：{value}", time_error(value))
            elif parsed in out:
                self.problem(values.where(i), f"{join_path(path, key)} 中时间 {value} 重复")
            else:
                out.append(parsed)
        return tuple(sorted(out))


def under(base: Path, written: str) -> Path:
    """A path written in a file, relative to that file's folder, without `a/../` detours."""
    return Path(os.path.normpath(base / written))


def join_path(path: str, key: Any) -> str:
    """campaign.hotline; 第 4 个单位的 name (an item of a list counted as staff count it)."""
    return (f"{path}的 {key}" if path.startswith("第 ") else f"{path}.{key}") if path else str(key)
