"""The sandbox every user-editable Jinja2 template is loaded and rendered in.

Templates in `templates/` are written by staff, so they are treated as untrusted code:
- Jinja2's `ImmutableSandboxedEnvironment`: no `__dunder__` attributes (no way from `cycler` to
  `os`), no mutation of lists and dicts, `range` capped at 100 000 items;
- objects from the context expose their data but not their methods, except those of plain values
  (str, numbers, dates): a template cannot call `Path.read_text()` or `Path.write_text()`;
- budgets per render: loop iterations, the length of any string or list a template builds (checked
  at `*`, `+`, `~`, `%`, padding and joining), the size of integers, the output and the wall time.
Anything over a budget raises `LimitError`, whose message is in Chinese; the caller reports it
against the template's file and line (see `template_line`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

MAX_ITERATIONS = 200_000  # loop iterations in one render, all loops together
MAX_LENGTH = 1_000_000  # characters (or items) of any string or list a template builds, and of its output
MAX_WIDTH = 10_000  # widths and counts given to padding, indenting, batching
MAX_INT_BITS = 4_096  # integers a template computes
MAX_SECONDS = 10.0  # wall time of one render

# Values whose methods a template may call: plain data. Everything else offers its fields only.
PLAIN = (str, int, float, bool, list, tuple, dict, dt.date, dt.time, dt.timedelta, Markup)
_PRINTF = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*:[^{}]*(?:\d{5,}|\{)")


class LimitError(SecurityError):
    """A template went over one of the sandbox's budgets; the message says which, in Chinese."""


@dataclass
class _Budget:
    iterations: int = 0
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)

    def tick(self, count: int = 1) -> None:
        self.iterations += count
        if self.iterations > MAX_ITERATIONS:
            raise LimitError(f"模板中的循环一共超过了 {MAX_ITERATIONS} 次：检查 {{% for %}} 循环和 range() 的范围")
        if time.monotonic() > self.deadline:
            raise LimitError(f"模板渲染超过了 {MAX_SECONDS:.0f} 秒：检查循环和计算是否过大")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("qm_template_budget")


def _current() -> _Budget:
    budget = _budget.get(None)
    if budget is None:  # rendered outside `render` (e.g. a test calling Template.render): a fresh budget
        budget = _Budget()
        _budget.set(budget)
    return budget


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_LENGTH:
        raise LimitError(f"模板生成的文字或列表超过了 {MAX_LENGTH} 个字符（项）：检查字符串相乘、拼接和循环")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    _current().tick(0)
    return value


def _width(*values: Any) -> None:
    for value in values:
        if isinstance(value, int) and abs(value) > MAX_WIDTH:
            raise LimitError(f"模板中给出的宽度或数量 {value} 太大（最多 {MAX_WIDTH}）")


def _sized(value: Any, size: Any = 0, *_: Any, **__: Any) -> Any:
    """Filters whose first argument is a width or a count (center, batch, slice, indent)."""
    _width(size if isinstance(size, int) else len(str(size)))
    return value


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """Every `{% for %}` loops through this: one tick per iteration."""
    budget = _current()
    for value in iterable:
        budget.tick()
        yield value


def _multiply(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple, bytes)) and isinstance(count, int) and len(seq) * max(count, 0) > MAX_LENGTH:
            raise LimitError(f"模板中的字符串（或列表）相乘后超过了 {MAX_LENGTH} 个字符（项）")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    return _bounded(left * right)


def _power(left: Any, right: Any) -> Any:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and (left.bit_length() - 1 or 1) * right > MAX_INT_BITS
    ):
        raise LimitError("模板计算出的数字太大：检查乘法和乘方（**）")
    return _bounded(left**right)


def _printf(fmt: Any, args: Any) -> Any:
    _printf_filter(fmt, *(args if isinstance(args, tuple) else (args,)))
    return _bounded(fmt % args)


def _padding(width: int = 0, *rest: Any, **kwargs: Any) -> None:
    _width(width, *rest, *kwargs.values())


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
    "expandtabs": _padding,
}


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with qm's budgets (see the module's docstring)."""

    intercepted_binops = frozenset(("*", "**", "%", "+"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.binop_table.update({"*": _multiply, "**": _power, "%": _printf, "+": lambda a, b: _bounded(a + b)})
        self.globals.pop("lipsum", None)  # placeholder text generator: nothing a real template needs
        guards: dict[str, Callable[..., Any]] = {
            "format": _printf_filter,
            **dict.fromkeys(("center", "indent", "batch", "slice"), _sized),
            "replace": _replace_filter,
            "join": _join_filter,
            "sum": _sum_filter,
        }
        self.filters.update({name: _guard(self.filters[name], check) for name, check in guards.items()})
        self.filters.update({"qm_counted": _counted, "qm_bounded": _bounded})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop counts its iterations and every `~` checks the length it builds."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "qm_counted", [], [], None, None, lineno=loop.lineno)
        bounded: nodes.Template = _BoundConcat().visit(tree)
        return bounded

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, PurePath):
            return attr in ("name", "stem", "suffix")
        return isinstance(obj, PLAIN) or not callable(value) or isinstance(value, jinja2.runtime.Macro)

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in _STR_METHODS:
                _STR_METHODS[name](*args, **kwargs)
            elif name == "replace":
                _replace_size(owner, *args, **kwargs)
            elif name == "join" and args:
                items = [_bounded(x) for x in _counted(args[0])]
                _join_size(owner, items)
                args = (items, *args[1:])
        _current().tick(0)
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if _FORMAT_SPEC.search(fmt):
                raise LimitError("模板中 format 的宽度太大或由参数给出：写一个不超过 4 位数的宽度")
            return str(_bounded(wrapped(*args, **kwargs)))

        return checked


class _BoundConcat(NodeTransformer):
    """Wrap each `a ~ b` in a length check of its result."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, "qm_bounded", [], [], None, None, lineno=node.lineno)


def _guard(flt: Callable[..., Any], check: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter preceded by a size check of its arguments; `check` returns the value to filter."""
    pass_arg = getattr(flt, "jinja_pass_arg", None)
    if pass_arg is None:

        def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
            return _bounded(flt(check(value, *args, **kwargs), *args, **kwargs))

        return guarded

    def guarded_with(first: Any, value: Any, *args: Any, **kwargs: Any) -> Any:  # the environment or eval context first
        return _bounded(flt(first, check(value, *args, **kwargs), *args, **kwargs))

    guarded_with.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return guarded_with


def _printf_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(value, str):
        for match in _PRINTF.finditer(value):
            _width(*(int(g) for g in match.groups() if g and g.isdigit()))
            if "*" in match.groups():
                _width(*args)
    return value


def _replace_filter(value: Any, old: Any = "", new: Any = "", count: Any = None) -> Any:
    _replace_size(str(value), old, new, -1 if count is None else count)
    return value


def _join_filter(value: Any, d: Any = "", attribute: Any = None) -> Any:
    items = [_bounded(x) for x in _counted(value)]
    _join_size(d, items)
    return items


def _sum_filter(value: Any, attribute: Any = None, start: Any = 0) -> Any:
    if not isinstance(start, (int, float)):
        raise LimitError("模板中的 sum 只能对数字求和")
    return list(_counted(value))


def template_env(folder: Path, **options: Any) -> TemplateSandbox:
    """The sandboxed environment for the templates in `folder` (options as for `jinja2.Environment`)."""
    return TemplateSandbox(loader=jinja2.FileSystemLoader(str(folder)), **options)


def render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render within the budgets; the output is checked as it is produced."""
    token = _budget.set(_Budget())
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_LENGTH:
                raise LimitError(f"模板的输出超过了 {MAX_LENGTH} 个字符：检查循环和字符串相乘")
            out.append(chunk)
        return "".join(out)
    finally:
        _budget.reset(token)


def template_line(exc: BaseException) -> int | str:
    """The template line of a rendering error: Jinja2 rewrites tracebacks to template frames."""
    if getattr(exc, "lineno", None):
        return exc.lineno  # type: ignore[attr-defined, no-any-return]
    tb = exc.__traceback__ or sys.exc_info()[2]
    line: int | str = "?"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".html", ".txt")) or "<template>" in name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def sandbox_message(exc: BaseException) -> str | None:
    """The Chinese message for what the sandbox refused, or None for any other error."""
    if isinstance(exc, LimitError):
        return str(exc)
    if isinstance(exc, SecurityError):
        found = re.search(r"attribute '([^']+)' of '([^']+)'", str(exc))
        what = f"{found[2]} 的 {found[1]}" if found else "这个值"
        return f"模板不能访问 {what}：模板只能读取内容和配置的字段，不能调用程序内部的对象"
    if isinstance(exc, OverflowError) and "MAX_RANGE" in str(exc):
        return f"模板中的 range() 太大：最多 {100_000} 项"
    if isinstance(exc, (MemoryError, RecursionError)):
        return "模板运行时用尽了内存或嵌套太深：检查宏的递归调用和字符串相乘"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "模板计算出的数字太大，无法写出"
    return None
