"""The sandbox every user-editable Jinja2 template is loaded and rendered in.

Templates in `templates/` are written by staff, so they are treated as untrusted code:
- Jinja2's `ImmutableSandboxedEnvironment`: no `__dunder__` attributes (no way from `cycler` to
  `os`), no mutation of lists and dicts, `range` capped at 100 000 items;
- objects from the context expose their data but not their methods, except those of plain values
  (str, numbers, dates): a template cannot call `Path.read_text()` or `Path.write_text()`;
- budgets per render: loop iterations, the length of any string or list a template builds (checked
  at `*`, `+`, `~`, `%`, padding and joining), the size of integers, the output and the wall time;
- only plain values become text (text, numbers, dates, Markup, lists and dicts of these): what `{{ }}`
  writes (the environment's `finalize`), and what the filters that write text (`|string`, `|join`,
  `|tojson`…), `~`, `%`, `format`, str methods and qm's own functions are given. A campaign, a
  channel's settings or a path would print a repr showing paths and settings.
Anything over a budget raises `LimitError`, and a value that is not plain `OutputError`, whose
messages are in Chinese; the caller reports them against the template's file and line (see
`template_frames`). The budgets and their checks are in `template_budget`, the plain values in
`template_output`; this module wires them into Jinja2.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from . import template_budget as budget
from . import template_output as output
from .template_budget import MAX_LENGTH, LimitError
from .template_output import OutputError

# Values whose methods a template may call: plain data. Everything else offers its fields only.
PLAIN = (str, int, float, bool, list, tuple, dict, dt.date, dt.time, dt.timedelta, Markup)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with qm's budgets (see the module's docstring)."""

    intercepted_binops = frozenset(("*", "**", "%", "+"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, finalize=output.written, **kwargs)  # every `{{ }}` writes a plain value
        self.binop_table.update(budget.BINOPS)
        self.binop_table["%"] = lambda fmt, values: budget.BINOPS["%"](fmt, output.written(values, "%"))
        self.globals.pop("lipsum", None)  # placeholder text generator: nothing a real template needs
        self.filters.update({name: _guard(flt, *self._checks(name)) for name, flt in self.filters.items()})
        self.filters.update({"qm_counted": budget.counted, "qm_bounded": budget.bounded, "qm_written": output.written})

    def _checks(self, name: str) -> list[Callable[..., Any]]:
        """What a built-in filter checks first: its budget, then whether what it writes as text is plain."""
        return [budget.FILTER_CHECKS.get(name, _as_is), *([output.text_filter(name, self)] if name in output.TEXT_FILTERS else [])]

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop counts its iterations; every `~` and every literal list, tuple and dict is checked."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "qm_counted", [], [], None, None, lineno=loop.lineno)
        bounded: nodes.Template = _Bound().visit(tree)
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
            args = budget.str_call(owner, name, args, kwargs)
        elif isinstance(owner, int):
            budget.int_call(name, args, kwargs)
        output.written_arguments(__obj, args, kwargs)
        budget.check_deadline()
        return budget.bounded(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        @functools.wraps(wrapped)  # named `format` in messages
        def checked(*args: Any, **kwargs: Any) -> str:
            output.written([args, kwargs], "format")
            budget.check_format(fmt, args, kwargs)
            return str(budget.bounded(wrapped(*args, **kwargs)))

        return checked


class _Bound(NodeTransformer):
    """Wrap each `a ~ b` and each literal list, tuple and dict in a size check of its value, and each
    part of `a ~ b` in a check that it is plain."""

    def _bound(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, "qm_bounded", [], [], None, None, lineno=node.lineno)

    visit_List = visit_Dict = _bound

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node.nodes = [nodes.Filter(n, "qm_written", [nodes.Const("~")], [], None, None, lineno=n.lineno) for n in node.nodes]
        return self._bound(node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        return self._bound(node) if node.ctx == "load" else self.generic_visit(node)  # not `{% for a, b in … %}`


def _guard(flt: Callable[..., Any], *checks: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter preceded by checks of its arguments, in turn; each returns the value to filter."""
    pass_arg = getattr(flt, "jinja_pass_arg", None)

    def checked(value: Any, *args: Any, **kwargs: Any) -> Any:
        for check in checks:
            value = check(value, *args, **kwargs)
        return value

    if pass_arg is None:

        def guarded(value: Any, *args: Any, **kwargs: Any) -> Any:
            return budget.bounded(flt(checked(value, *args, **kwargs), *args, **kwargs))

        return guarded

    def guarded_with(first: Any, value: Any, *args: Any, **kwargs: Any) -> Any:  # the environment or eval context first
        return budget.bounded(flt(first, checked(value, *args, **kwargs), *args, **kwargs))

    guarded_with.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return guarded_with


def _as_is(value: Any, *_: Any, **__: Any) -> Any:
    return value


class NotUtf8(Exception):
    """A template file not saved as UTF-8, named by the loader that read it (the decoding error does not say which)."""

    def __init__(self, path: Path, error: UnicodeDecodeError) -> None:
        super().__init__(str(error))
        self.path, self.error = path, error


class LinkOutside(Exception):
    """A template file that is a link (or lies in a linked folder) leading out of the templates folder: it is not
    read, so `{% include %}` of a link to a secret file does not put its text in posts and previews."""

    def __init__(self, path: Path, root: Path) -> None:
        super().__init__(str(path))
        self.path, self.root = path, root


class _Loader(jinja2.FileSystemLoader):
    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        root = os.path.realpath(self.searchpath[0])
        path = posixpath.join(self.searchpath[0], *split_template_path(template))  # as Jinja2 finds it
        if os.path.isfile(path) and os.path.commonpath([root, os.path.realpath(path)]) != root:
            raise LinkOutside(Path(os.path.normpath(path)), Path(self.searchpath[0]))
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            raise NotUtf8(Path(self.searchpath[0]) / template, exc) from exc


def template_env(folder: Path, **options: Any) -> TemplateSandbox:
    """The sandboxed environment for the templates in `folder` (options as for `jinja2.Environment`)."""
    return TemplateSandbox(loader=_Loader(str(folder)), **options)


def render(template: jinja2.Template, context: dict[str, Any], seconds: float = budget.MAX_SECONDS, late: str = "") -> str:
    """Render within the budgets (`seconds` when less time is left: `late` says so); the output is checked as it is produced."""
    with budget.budgeted(seconds, late):
        out: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_LENGTH:
                raise LimitError(f"模板的输出超过了 {MAX_LENGTH} 个字符：检查循环和字符串相乘")
            out.append(chunk)
        return "".join(out)


def template_frames(exc: BaseException, root: Path) -> list[tuple[str, int]]:
    """The template files under `root` and their lines that a rendering error went through, outermost first:
    the rendered template, then any it included or imported (Jinja2 rewrites tracebacks to template frames)."""
    folder = os.path.join(os.path.normpath(root), "")
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        name = os.path.normpath(tb.tb_frame.f_code.co_filename)
        if name.startswith(folder):
            frames.append((name, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def sandbox_message(exc: BaseException) -> str | None:
    """The Chinese message for what the sandbox refused, or None for any other error."""
    if isinstance(exc, (LimitError, OutputError)):
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
