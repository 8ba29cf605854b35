"""How long formatting could make its result, found from the format and its arguments before Python builds it:
`'%(a)2500000000d' % {'a': 1}` asks for gigabytes in one placeholder, `'{:9999}' * 110000` in many small ones.

Both functions return (the widest width or precision any placeholder asks for, an upper bound of the result's
length): the format's own text plus, for each placeholder, its width, its precision and its argument written
out (a number in any base, with separators; a text; anything else as `written_size` counts it; ten times that
for `!r`, `!a`, `%r` and `%a` and for lists and dicts, whose texts are written with escapes). `template_budget` refuses what
is over its budgets; a format Python itself would refuse is left to Python."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import Any

from .written_size import CONTAINERS, written_size

HUGE = 10**18  # a width or precision of more digits: over every budget (and `int` of thousands of digits is refused)
FLOAT_DIGITS = 500  # %f of 1e308 with thousands separators, and the rest of any float written out
ATTRIBUTE = 100  # what `{0.upper}` writes: <built-in method upper of str object at 0x…>
SPEC_GROWTH = 12  # a date's format spec is strftime: `%c` (2 characters) writes 24

# after `%` and its `(key)`: flags, width, precision, a length modifier (ignored by Python), the conversion
_PRINTF_SPEC = re.compile(r"[-+ #0]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.)?", re.S)
_PLAIN_NAME = re.compile(r"[^.\[\]]+")  # a keyword, with no attribute or item read from it
_DIGITS = re.compile(r"\d+")


def number(digits: str) -> int:
    return int(digits) if len(digits) <= 18 else HUGE


def argument_size(value: Any, conversion: str, limit: int) -> int:
    """The most characters one argument can take in one placeholder, width and precision aside."""
    if isinstance(value, int):  # bool too: 'False'
        size = 2 * value.bit_length() + 16  # in binary, with a sign, a prefix and separators; or as %e
    elif isinstance(value, float):
        size = FLOAT_DIGITS
    elif isinstance(value, str):
        size = len(value)
    elif isinstance(value, bytes):
        size = 4 * len(value) + 3  # %s of bytes writes its repr
    elif isinstance(value, CONTAINERS):  # written with the repr of each element: escapes
        return escaped(written_size(value, limit), "r")
    else:
        size = written_size(value, limit)
    return escaped(size, conversion)


def escaped(size: int, conversion: str) -> int:
    """`size` characters as `!r` or `!a` (`%r`, `%a`) may write them: `'\\U0001f600'` for one."""
    return 10 * size + 2 if conversion in ("r", "a") else size


def _printf_placeholders(fmt: str, values: Any) -> Iterator[tuple[Any, Any, Any, str]]:
    """(width, precision, argument, conversion) of each placeholder of `fmt % values`, taken as Python does:
    a width or precision `*` and each placeholder without a `(key)` take the next argument of a tuple (or the
    one argument that is not a tuple), a `(key)` its value in a dict."""
    positional = values if isinstance(values, tuple) else (values,)
    taken = 0

    def take() -> Any:
        nonlocal taken
        taken += 1
        return positional[taken - 1] if taken <= len(positional) else None

    pos = 0
    while (start := fmt.find("%", pos)) >= 0:
        at, key = start + 1, None
        if fmt.startswith("(", at):  # a key may hold balanced parentheses: %(a(b))s
            depth, end = 1, at + 1
            while end < len(fmt) and depth:
                depth += {"(": 1, ")": -1}.get(fmt[end], 0)
                end += 1
            if depth:
                return  # Python: incomplete format key
            key, at = fmt[at + 1 : end - 1], end
        spec = _PRINTF_SPEC.match(fmt, at)
        assert spec is not None  # every part is optional
        width, precision, conversion = spec.groups()
        pos = spec.end()
        if conversion is None:
            return  # Python: incomplete format
        if conversion == "%" and pos == start + 2:  # '%%' writes '%'
            continue
        got_width = take() if width == "*" else number(width or "0")
        got_precision = take() if precision == "*" else number(precision or "0")
        value = values.get(key) if key is not None and isinstance(values, dict) else take()
        yield got_width, got_precision, value, conversion


def printf_size(fmt: str | bytes, values: Any, limit: int) -> tuple[int, int]:
    """(widest width or precision, most characters) of `fmt % values`."""
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    widest, total = 0, len(text)
    for width, precision, value, conversion in _printf_placeholders(text, values):
        asked = [abs(n) if isinstance(n, int) else 0 for n in (width, precision)]
        widest = max(widest, *asked)
        total += sum(asked) + argument_size(value, conversion, limit)
        if total > limit:
            break
    return widest, total


def format_size(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any], limit: int) -> tuple[int, int]:
    """(widest width or precision, most characters) of `fmt.format(*args, **kwargs)` (and of `format_map`,
    whose mapping is its one argument): a field whose argument is not found by its plain name or number, or
    that reads an attribute or an item of it, is counted as the longest argument."""
    values = [*args, *kwargs.values()]
    values += [x for v in values if isinstance(v, dict) for x in v.values()]  # format_map's, and those `{0[key]}` reads
    longest = max((argument_size(v, "", limit) for v in values), default=0)
    widest, total, auto = 0, len(fmt), 0
    try:
        fields = [(name, spec or "", conv or "") for _, name, spec, conv in string.Formatter().parse(fmt) if name is not None]
    except ValueError:
        return 0, 0  # Python refuses the format itself
    for name, spec, conversion in fields:
        asked = [number(d) for d in _DIGITS.findall(spec)]
        widest = max(widest, *asked, 0)
        index: int | str | None = None  # where the argument is found; None: not by a plain name or number
        if name == "":
            index, auto = auto, auto + 1
        elif name.isascii() and name.isdigit():
            index = number(name)
        elif _PLAIN_NAME.fullmatch(name) and not name[0].isdigit():
            index = name
        if isinstance(index, int) and index < len(args):
            size = argument_size(args[index], conversion, limit)
        elif isinstance(index, str) and index in kwargs:
            size = argument_size(kwargs[index], conversion, limit)
        else:  # an attribute of an argument may be a method: its repr
            size = escaped(longest, conversion) + ATTRIBUTE
        total += sum(asked) + size + SPEC_GROWTH * len(spec)
        if total > limit:
            break
    return widest, total
