"""argparse speaks English; qm's users read Chinese.

argparse looks its messages up through the module-level gettext functions `_` and `ngettext` at
call time, so replacing those two names translates usage, section titles and errors.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..support.suggest import did_you_mean, named
from ..views import columns

_MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "必须提供以下参数之一：%s",
    "unexpected option string: %s": "意外的选项：%s",
}


def _translate(message: str) -> str:
    return _MESSAGES.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


def install() -> None:
    argparse._ = _translate  # type: ignore[attr-defined]
    argparse.ngettext = _ntranslate  # type: ignore[attr-defined]


# One unit of wrapping: spaces; or an ASCII word (an option, a file name, `wechat-square`: never broken,
# not even at its hyphens) or a single Chinese character, with the opening punctuation before it and the
# closing punctuation after it, so that no line starts with "，" or ends with "（". A path's separators
# hold on to the Chinese on either side as well (海报目录/print/版式-主题.pdf breaks only between two
# Chinese characters).
_OPENING = "（《「『“‘〔【"
_CLOSING = "，。、；：！？）》」』”’〕】…"
_UNITS = re.compile(rf"\s+|[{_OPENING}]*(?:[\x21-\x7e]+|[^\s])[{_CLOSING}]*")
_JOINERS = "-/._~=+#@\\"


def _units(text: str) -> list[str]:
    out: list[str] = []
    for unit in _UNITS.findall(" ".join(text.split())):
        if (
            out
            and not unit.isspace()
            and not out[-1].isspace()
            and (out[-1][-1] in _JOINERS or unit[0] in _JOINERS or _times(out[-1], unit))
        ):
            out[-1] += unit
        else:
            out.append(unit)
    return out


def _times(before: str, unit: str) -> bool:
    """`unit` is the x of 宽x高 after a Chinese character, or the Chinese character after it: one size, read
    as one word."""
    if unit in ("x", "×"):
        return not before.isascii()
    return len(before) >= 2 and before[-1] in "x×" and not before[-2].isascii() and not unit.isascii()


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` columns, broken between Chinese characters or at spaces,
    never inside an ASCII word (a word longer than a line gets a line of its own)."""
    lines: list[str] = []
    line, used = "", 0
    for unit in _units(text):
        if unit.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = columns.width(unit)
        if line.strip() and used + size > width:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + unit, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, wrapping help and descriptions by `wrap` (textwrap breaks `wechat-square`
    at its hyphen and counts a Chinese character as one column).

    argparse also lines things up by counting characters: an option with a Chinese placeholder
    (`--from 日期`) would push its help right of the others, and the usage's continuation lines would
    start left of the first. Both are moved by the columns the Chinese characters add; section titles
    end with a full-width colon, as the usage's does."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        # argparse makes a formatter for every option added (to try its placeholder), and without a width
        # each one imports shutil for the terminal's: asked here as shutil would, without the import
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = columns.width(header) - len(header)
        first, newline, rest = text.partition("\n")
        at = first.find(header) + len(header)
        gap = len(first) - at - len(first[at:].lstrip(" "))
        if extra <= 0 or at == len(first):  # all ASCII, or the help already starts on the next line
            return text
        if gap - extra >= 2:
            first = first[:at] + " " * (gap - extra) + first[at + gap :]
        else:  # too wide to share a line with its help: the help starts below, in the help column
            first = first[:at] + "\n" + " " * (at + gap) + first[at + gap :]
        return first + newline + rest

    def _format_usage(self, *args: Any) -> str:
        usage = super()._format_usage(*args)
        prefix = _translate("usage: ")
        extra = " " * (columns.width(prefix) - len(prefix))
        return re.sub(r"(?m)(?<=\n)(?= )", extra, usage)

    def format_help(self) -> str:
        return re.sub(r"(?m)^([^\s:：]+):$", r"\1：", super().format_help())


def _terminal_columns() -> int:
    """The terminal's width as `shutil.get_terminal_size().columns` gives it: $COLUMNS, else the
    terminal of standard output, else 80."""
    try:
        if (columns_env := int(os.environ.get("COLUMNS", "0"))) > 0:
            return columns_env
    except ValueError:
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class RawDescriptionHelpFormatter(HelpFormatter):
    """Descriptions as written (qm's own list of commands); option help wrapped as above."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


class Parser(argparse.ArgumentParser):
    """A parser that reports options it does not know itself, with its own usage and a likely spelling.

    argparse hands a command's unknown options up to the top-level parser, which prints `qm`'s usage;
    the command's usage is the one that helps. After a command every remaining argument is the
    command's, so nothing is lost by reporting here. Help is wrapped by `HelpFormatter`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            known = [o for action in self._actions for o in action.option_strings]
            guess = "".join(f"（{g}）" for e in extras if e.startswith("-") and (g := did_you_mean(e.split("=")[0], known)))
            self.error(f"无法识别的参数：{' '.join(extras)}{guess}")
        return parsed, extras

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A value that is not one of the choices: said as people write them (不支持 pdf：可用 docx、xlsx),
        a command or an action with a likely spelling."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(c) for c in action.choices]
        guess = f"（{g}）" if (g := did_you_mean(str(value), choices)) else ""
        if isinstance(action, argparse._SubParsersAction):  # said without argparse's "参数 命令：" before it
            noun = action.metavar or "命令"
            usage = f"；每个命令的用法：{self.prog} 命令 --help" if noun == "命令" else ""
            raise argparse.ArgumentError(None, f"没有 {value} 这个{noun}{guess}。可用的{noun}：{'、'.join(choices)}{usage}")
        raise argparse.ArgumentError(action, f"不支持 {value}{guess}：可用 {'、'.join(choices)}")


def action_required(parser: argparse.ArgumentParser, actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """A command made of actions (`qm screen build`), run without one: argparse's message for a missing
    argument, naming the action and the ones there are; exit 2."""
    message = f"缺少必需的参数：操作（可选：{'、'.join(actions.choices)}）"
    parser.set_defaults(run=lambda ctx, args: parser.error(message))


@dataclass(frozen=True, eq=False)  # hashed by identity: argparse looks its types up in a dict
class Named:
    """An argparse type for one of `labels`' ids (id -> Chinese name), typed as the id, its Chinese name or
    one of `aliases` (another name -> id): `--state 待审核` is `--state planned`. `listed` shows the choices
    as staff read them (待审核（planned）、…); an unknown value is told with them and the closest one."""

    noun: str
    labels: Mapping[str, str]
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def listed(self) -> str:
        return "、".join(named(key, self.labels) for key in self.labels)

    def __call__(self, text: str) -> str:
        text = text.strip()
        by_name = {**{label: key for key, label in self.labels.items()}, **self.aliases}
        if text in self.labels or text in by_name:
            return by_name.get(text, text)
        guess = did_you_mean(text, self.labels, labels=self.labels)
        raise argparse.ArgumentTypeError(f"没有 {text} 这个{self.noun}{f'（{guess}）' if guess else ''}：可用 {self.listed}")


@dataclass(frozen=True)
class NumberIn:
    """An argparse type for a number from `lo` to `hi`; its messages say the range and give an example.
    The option's help states `range` too (a test checks)."""

    kind: Callable[[str], float]
    lo: float
    hi: float
    example: float

    @property
    def range(self) -> str:
        return f"{self.lo}–{self.hi}"

    def __call__(self, text: str) -> float:
        what = "整数" if self.kind is int else "数字"
        try:
            value = self.kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} 不是{what}，应为 {self.range} 之间的{what}，例如 {self.example}") from None
        if not self.lo <= value <= self.hi:
            raise argparse.ArgumentTypeError(f"{text} 超出范围，应为 {self.range} 之间的{what}，例如 {self.example}")
        return value
