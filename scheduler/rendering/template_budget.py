"""The budgets of one template render, and the checks that keep them (see `sandbox`): loop iterations
and wall time, counted per render (the time also shared by all renders of a template in one run:
`rendering.payloads`); the length of any string or list a template builds (checked at `*`,
`+`, `~`, `%`, padding, replacing and joining, on what every call and filter returns, on literals and
on each item a loop takes); what a list, tuple or dict would take written out, counting a list that
appears in it many times as many times (one list repeated is cheap to build, not to print); the
size of integers; the widths and counts given to padding and formatting, and what formatting,
`translate`, `expandtabs` and `indent` would produce, checked before they run. Anything over a
budget raises `LimitError`, whose message is in Chinese.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2.exceptions import SecurityError
from markupsafe import soft_str

from .format_size import format_size, printf_size
from .written_size import CONTAINERS, written_size

MAX_ITERATIONS = 200_000  # loop iterations in one render, all loops together
MAX_LENGTH = 1_000_000  # characters (or items) of any string or list a template builds, and of its output
MAX_WIDTH = 10_000  # widths and counts given to padding, indenting, batching
MAX_INT_BITS = 4_096  # integers a template computes
MAX_SECONDS = 10.0  # wall time of one render
MAX_WRITTEN = 8 * MAX_LENGTH  # characters a list, tuple or dict a template builds would take written out

_FORMAT_SPEC = re.compile(r"\{[^{}]*:[^{}]*(?:\d{5,}|\{)")


class LimitError(SecurityError):
    """A template went over one of the sandbox's budgets; the message says which, in Chinese."""


class OutOfTime(LimitError):
    """A render ran out of its time (its own, or what was left of its template's in this run)."""


@dataclass
class _Budget:
    iterations: int = 0
    seconds: float = MAX_SECONDS
    late: str = ""  # said when the time runs out; "" for the one render's own budget
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def tick(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > MAX_ITERATIONS:
            raise LimitError(f"模板中的循环一共超过了 {MAX_ITERATIONS} 次：检查 {{% for %}} 循环和 range() 的范围")
        if time.monotonic() > self.deadline:
            raise OutOfTime(self.late or f"模板渲染超过了 {MAX_SECONDS:.0f} 秒：检查循环和计算是否过大")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("qm_template_budget")


@contextlib.contextmanager
def budgeted(seconds: float = MAX_SECONDS, late: str = "") -> Iterator[None]:
    """One render's budget: iterations and time counted from here, for what runs inside; `seconds` when less
    than a render's own time is left to its template (`late` then says so)."""
    token = _budget.set(_Budget(seconds=min(seconds, MAX_SECONDS), late=late if seconds < MAX_SECONDS else ""))
    try:
        yield
    finally:
        _budget.reset(token)


def _current() -> _Budget:
    budget = _budget.get(None)
    if budget is None:  # rendered outside `render` (e.g. a test calling Template.render): a fresh budget
        budget = _Budget()
        _budget.set(budget)
    return budget


def bounded(value: Any) -> Any:
    if isinstance(value, (str, bytes, *CONTAINERS)) and len(value) > MAX_LENGTH:
        raise LimitError(f"模板生成的文字或列表超过了 {MAX_LENGTH} 个字符（项）：检查字符串相乘、拼接和循环")
    if isinstance(value, CONTAINERS) and written_size(value, MAX_WRITTEN) > MAX_WRITTEN:
        raise LimitError(f"模板生成的列表写出来会超过 {MAX_WRITTEN} 个字符（其中重复的列表每次都算）：检查列表相乘、拼接和循环")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    _current().tick(0)
    return value


def check_deadline() -> None:
    _current().tick(0)


def _width(*values: Any) -> None:
    for value in values:
        if isinstance(value, int) and abs(value) > MAX_WIDTH:
            raise LimitError(f"模板中给出的宽度或数量 {value} 太大（最多 {MAX_WIDTH}）：改成不超过 {MAX_WIDTH} 的数")


def _sized(value: Any, size: Any = 0, *_: Any, **__: Any) -> Any:
    """Filters whose first argument is a width or a count (center, batch, slice, indent)."""
    _width(size if isinstance(size, int) else len(str(size)))
    return value


def counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` loops through this: one tick per iteration."""
    budget = _current()
    for value in iterable:
        budget.tick()
        yield bounded(value)


def _multiply(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple, bytes)) and isinstance(count, int) and len(seq) * max(count, 0) > MAX_LENGTH:
            raise LimitError(f"模板中的字符串（或列表）相乘后超过了 {MAX_LENGTH} 个字符（项）")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    return bounded(left * right)


def _power(left: Any, right: Any) -> Any:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and (left.bit_length() - 1 or 1) * right > MAX_INT_BITS
    ):
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    return bounded(left**right)


def _printf(fmt: Any, args: Any) -> Any:
    if isinstance(fmt, (str, bytes)):
        _formatted_size(*printf_size(fmt, args, MAX_LENGTH))
    return bounded(fmt % args)


def _formatted_size(widest: int, size: int) -> None:
    """Refuse formatting by what its placeholders ask for (`format_size`), before Python builds the text."""
    _width(widest)
    if size > MAX_LENGTH:
        raise LimitError(
            f"模板中格式化（format 或 %）写出的文字会超过 {MAX_LENGTH} 个字符：检查占位符的个数、宽度和填入的文字，减少占位符或把宽度改小"
        )


def _padding(width: int = 0, *rest: Any, **kwargs: Any) -> None:
    _width(width, *rest, *kwargs.values())


def _tabs_size(text: str, tabsize: Any = 8, *_: Any, **kwargs: Any) -> None:
    width = kwargs.get("tabsize", tabsize)
    _width(width)
    if isinstance(width, int) and len(text) + text.count("\t") * width > MAX_LENGTH:
        raise LimitError(f"模板中的 expandtabs 展开后超过了 {MAX_LENGTH} 个字符")


def _translate_size(text: str, table: Any = None, *_: Any) -> None:
    if isinstance(table, dict):
        counts = Counter(text)
        grown = sum(n * len(v) for c, n in counts.items() if isinstance(v := table.get(ord(c)), str))
        if len(text) + grown > MAX_LENGTH:
            raise LimitError(f"模板中的 translate 替换后超过了 {MAX_LENGTH} 个字符")


def _replace_size(text: Any, old: Any, new: Any, count: Any = -1, *_: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = len(text) + 1 if not old else text.count(old)
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        if len(text) + hits * len(new) > MAX_LENGTH:
            raise LimitError(f"模板中的 replace 替换后超过了 {MAX_LENGTH} 个字符")


def _join_size(sep: Any, items: list[Any]) -> None:
    if isinstance(sep, str) and len(sep) * len(items) + sum(len(str(i)) for i in items) > MAX_LENGTH:
        raise LimitError(f"模板中的 join 连接后超过了 {MAX_LENGTH} 个字符")


# str methods whose result size a template controls with its arguments: checked before the call
_STR_METHODS: dict[str, Callable[..., None]] = {
    "center": _padding,
    "ljust": _padding,
    "rjust": _padding,
    "zfill": _padding,
}


def str_call(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a call of a str method by its arguments before it runs; the arguments to call it with."""
    if name in _STR_METHODS:
        _STR_METHODS[name](*args, **kwargs)
    elif name == "expandtabs":
        _tabs_size(owner, *args, **kwargs)
    elif name == "translate":
        _translate_size(owner, *args)
    elif name == "replace":
        _replace_size(owner, *args, **kwargs)
    elif name == "join" and args:
        items = [bounded(x) for x in counted(args[0])]
        _join_size(owner, items)
        args = (items, *args[1:])
    return args


def int_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """`int.to_bytes(length)` allocates `length` bytes: a width like any other."""
    if name == "to_bytes":
        _width(*args[:1], kwargs.get("length"))


def check_format(fmt: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> None:
    """`str.format` with a width of five digits or more, or a width given by an argument, is refused,
    and so is one whose placeholders would write out more than `MAX_LENGTH` characters."""
    if _FORMAT_SPEC.search(fmt):
        raise LimitError("模板中 format 的宽度太大或由参数给出：写一个不超过 4 位数的宽度")
    _formatted_size(*format_size(fmt, args, kwargs or {}, MAX_LENGTH))


def _printf_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
    """`|format` is `soft_str(value) % (kwargs or args)`: a list or a number is formatted as its text."""
    _formatted_size(*printf_size(value if isinstance(value, str) else soft_str(value), kwargs or args, MAX_LENGTH))
    return value


def _wrap_size(value: Any, width: Any = 79, *_: Any, **kwargs: Any) -> Any:
    """`wordwrap` works line by line in Python: a narrow width over a long text takes minutes."""
    width = kwargs.get("width", width)
    if isinstance(value, str) and isinstance(width, int) and len(value) // max(width, 1) > MAX_WIDTH:
        raise LimitError(f"模板中的 wordwrap 会分出太多行（最多 {MAX_WIDTH} 行）：加大宽度或缩短文字")
    return value


def _indent_size(value: Any, width: Any = 4, *_: Any, **kwargs: Any) -> Any:
    """`indent` pads every line: the width times the lines."""
    width = kwargs.get("width", width)
    pad = width if isinstance(width, int) else len(str(width))  # a number of spaces, or the text to indent with
    _width(pad)
    if isinstance(value, str) and len(value) + (value.count("\n") + 1) * max(pad, 0) > MAX_LENGTH:
        raise LimitError(f"模板中的 indent 缩进后超过了 {MAX_LENGTH} 个字符")
    return value


def _replace_filter(value: Any, old: Any = "", new: Any = "", count: Any = None) -> Any:
    _replace_size(str(value), old, new, -1 if count is None else count)
    return value


def _join_filter(value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = [bounded(x) for x in counted(value)]
    _join_size(d, items)
    return items


def _sum_filter(value: Any, attribute: Any = None, start: Any = 0) -> Any:
    if not isinstance(start, (int, float)):
        raise LimitError("模板中的 sum 只能对数字求和")
    return list(counted(value))


# the operators `TemplateSandbox` intercepts, and the built-in filters it checks first (by their arguments)
BINOPS: dict[str, Callable[[Any, Any], Any]] = {"*": _multiply, "**": _power, "%": _printf, "+": lambda a, b: bounded(a + b)}
FILTER_CHECKS: dict[str, Callable[..., Any]] = {
    "format": _printf_filter,
    **dict.fromkeys(("center", "batch", "slice"), _sized),
    "indent": _indent_size,
    "wordwrap": _wrap_size,
    "replace": _replace_filter,
    "join": _join_filter,
    "sum": _sum_filter,
}
