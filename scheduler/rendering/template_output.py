"""What a template may turn into text: plain values only (see `sandbox`).

A value a template writes (`{{ }}`), and a value a filter, `~`, `%`, `format`, a str method or one
of qm's own functions turns into text, must be plain: text, numbers, True/False/None, dates, times
and durations, Markup, or lists, tuples and dicts made only of these. Anything else is one of qm's
own objects (a campaign, a channel's settings, a path, a generator), whose text is a repr showing
paths, settings and the names of environment variables: it is refused with `OutputError`, whose
message says in Chinese what to write instead. Reading an object's fields is fine, in any way
(`campaign.name`, `|map(attribute='name')`, `|join(attribute='name')`): what comes out is checked. A missing
name inside a list, tuple or dict (`|map(attribute='nmae')|list`, which would print `[Undefined, …]`) fails as
the missing name alone does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import PurePath
from typing import Any

from jinja2 import Undefined
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from markupsafe import Markup

_SCALARS = (str, int, float, bool, type(None))  # exact types: an Enum or a str subclass may print anything
_PLAIN = (Markup, dt.date, dt.time, dt.timedelta, Undefined)  # a datetime is a date; Undefined alone prints "" or fails itself
_CONTAINERS = (list, tuple, dict)  # exact types: a namedtuple prints its class

# Built-in filters that turn their value and their arguments into text
TEXT_FILTERS = frozenset(
    [
        "capitalize",
        "center",
        "e",
        "escape",
        "forceescape",
        "format",
        "indent",
        "join",
        "lower",
        "pprint",
        "replace",
        "safe",
        "string",
        "striptags",
        "title",
        "tojson",
        "trim",
        "truncate",
        "upper",
        "urlencode",
        "urlize",
        "wordcount",
        "wordwrap",
        "xmlattr",
    ]
)


class OutputError(SecurityError):
    """A template would have written one of qm's objects as text; the message says what to write instead."""


def _not_plain(value: Any) -> list[Any]:
    """The first value within `value` that is not plain ([] when all is plain); each list, tuple and
    dict is looked through once however often it appears."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) in _CONTAINERS:
            if id(item) not in seen:
                seen.add(id(item))
                stack += reversed([*item.keys(), *item.values()] if isinstance(item, dict) else item)  # the first first
        elif isinstance(item, Undefined) and item is not value:  # in a list it would print "Undefined"
            item._fail_with_undefined_error()  # the name that is missing, as `{{ }}` of it alone says (`|map(attribute=…)`)
        elif type(item) not in _SCALARS and not isinstance(item, _PLAIN):
            return [item]
    return []


def written(value: Any, how: str = "") -> Any:
    """`value` itself if it is plain; `how` names what would turn it into text (`|string`, `~`), "" for `{{ }}`."""
    for found in _not_plain(value):
        if isinstance(found, PurePath):
            hint = "路径只能写出文件名，例如 {{ campaign.paths.content.name }}"
        elif isinstance(found, Iterable):
            hint = "在后面加上 |list 或 |join('、')，把它变成列表或文字"
        else:
            hint = "写出对象的某个字段，例如 {{ campaign.name }}"
        via = f"（经 {how}）" if how else ""
        raise OutputError(
            f"模板不能把 {type(found).__name__} 对象写成文字{via}：它是程序内部的对象，写出来会露出内部的设置；"
            f"模板只能写出文字、数字、日期和由它们组成的列表，{hint}"
        )
    return value


def text_filter(name: str, environment: Any) -> Callable[..., Any]:
    """The check of a filter in `TEXT_FILTERS`: its value and arguments are plain (for `join` with an
    attribute, the attribute of each item); returns the value to filter."""
    how = f"|{name}"

    def check(value: Any, *args: Any, **kwargs: Any) -> Any:
        for arg in (*args, *kwargs.values()):
            written(arg, how)
        attribute = kwargs.get("attribute", args[1] if len(args) > 1 else None) if name == "join" else None
        if attribute is not None:
            get = make_attrgetter(environment, attribute)
            written([get(item) for item in value], how)
        else:
            written(value, how)
        return value

    return check


def written_arguments(function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The arguments of a call that may write them as text are plain: str and Markup methods
    (`Markup.join` escapes each item, writing its text) and qm's own functions given to templates."""
    owner = getattr(function, "__self__", None)
    if isinstance(owner, str) or (getattr(function, "__module__", None) or "").partition(".")[0] == __name__.partition(".")[0]:
        how = f"{getattr(function, '__name__', '')}()"
        for arg in (*args, *kwargs.values()):
            written(arg, how)
