"""Jinja2's error messages, said in Chinese with the name that was wrong and what could be used instead."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2

from ..support.errors import Problem
from .sandbox import LinkOutside, NotUtf8, sandbox_message, template_frames


class TemplateCallError(Exception):
    """A function qm gives templates (`image()`) called with a value it cannot take: the message says which value
    and what it could be, and is shown as it is, at the template's line."""


# What a template calls an object, by class name (the context's `item`, `campaign`, `post`...).
NOUNS = {
    "ContentItem": "内容",
    "Campaign": "活动配置",
    "Brand": "品牌配置",
    "PlannedPost": "排期",
    "WeChatConfig": "公众号渠道配置",
    "WeiboConfig": "微博渠道配置",
    "ScreenConfig": "电子屏配置",
}


def _tags(text: str) -> str:
    """ "'endfor' or 'else'" -> "{% endfor %} 或 {% else %}"."""
    return " 或 ".join(f"{{% {t} %}}" for t in re.findall(r"'(\w+)'", text))


_SYNTAX: tuple[tuple[str, Callable[[re.Match[str]], str]], ...] = (
    (
        r"unexpected end of template.*looking for the following tags: (.*)\. The innermost block that needs to be closed is '(\w+)'",
        lambda m: f"模板在 {{% {m[2]} %}} 结束之前就完了：缺少 {_tags(m[1])}",
    ),
    (
        r"unknown tag '(\w+)'.*looking for the following tags: (.*)\. The innermost block that needs to be closed is '(\w+)'",
        lambda m: f"标签 {{% {m[1]} %}} 不认识：{{% {m[3]} %}} 之后这里应当是 {_tags(m[2])}",
    ),
    (r"unknown tag '(\w+)'", lambda m: f"标签 {{% {m[1]} %}} 不认识，或前面没有与它对应的开始标签"),
    (
        r"expected token 'end of print statement', got '(.+)'",
        lambda m: f"{{{{ }}}} 里多了 {m[1]}：一个 {{{{ }}}} 里只写一个变量或表达式",
    ),
    (r"expected token 'end of statement block', got '(.+)'", lambda m: f"{{% %}} 里多了 {m[1]}：检查是否少了 %}}"),
    (r"expected token '(.+)', got '(.+)'", lambda m: f"这里应当是 {m[1]}，却是 {m[2]}"),
    (r"unexpected end of template", lambda m: "模板提前结束：{{ 或 {% 没有配对的 }} 或 %}"),
    (r"unexpected '(.+?)'", lambda m: f"多余的 {m[1]}"),
    (r"unexpected char (.+) at", lambda m: f"无法识别的字符 {m[1]}：检查引号是否成对"),
    (r"no filter named '(\w+)'", lambda m: f"没有名为 {m[1]} 的过滤器（| 后面的名字）"),
    (r"no test named '(\w+)'", lambda m: f"没有名为 {m[1]} 的判断（is 后面的名字）"),
)


def syntax_message(message: str | None) -> str:
    text = message or ""
    for pattern, say in _SYNTAX:
        match = re.search(pattern, text, re.I | re.S)
        if match:
            return f"模板语法错误：{say(match)}"
    return "模板语法错误：这一行无法解析"


def not_utf8(path: Path, exc: UnicodeDecodeError) -> Problem:
    """A template (or any text file qm reads) that is not saved as UTF-8, with the line of the first bad byte."""
    line = exc.object[: exc.start].count(b"\n") + 1
    return Problem("文件不是 UTF-8 编码，无法读取", f"{path}:{line}", "用文本编辑器把它另存为 UTF-8 编码（不要用 GBK/GB2312）")


def file_problem(exc: NotUtf8 | LinkOutside) -> Problem:
    """A template file the loader refused to read: not saved as UTF-8, or a link out of the templates folder."""
    if isinstance(exc, NotUtf8):
        return not_utf8(exc.path, exc.error)
    return Problem(
        f"模板文件 {exc.path} 是指向 {exc.root} 文件夹以外的链接，不能使用",
        str(exc.path),
        f"模板只能使用 {exc.root}/ 里真正的文件：删掉这个链接，把要用的文字写进 {exc.root}/ 里的文件",
    )


def render_problem(exc: Exception, context: dict[str, Any], root: Path, name: str, doing: str, hint: str = "") -> Problem:
    """A rendering error of the template `name` in the folder `root`, at the file and line where it happened: the
    template itself, or one it included or imported, which is then named with the line that brought it in.
    `doing` says what was being rendered ("渲染 … 时出错")."""
    frames = template_frames(exc, root)
    if isinstance(exc, NotUtf8):  # an included template: it never ran, so the last frame is the line including it
        bad = not_utf8(exc.path, exc.error)
        by = f"（这个模板由 {frames[-1][0]}:{frames[-1][1]} 引入）" if frames else ""
        return Problem(f"{doing}{by}：{bad.message}", bad.where, bad.hint)
    if isinstance(exc, LinkOutside):  # never read: reported at the line including it
        bad = file_problem(exc)
        return Problem(f"{doing}：{bad.message}", f"{frames[-1][0]}:{frames[-1][1]}" if frames else bad.where, bad.hint)
    path, line = frames[-1] if frames else (str(root / name), getattr(exc, "lineno", None) or "?")
    outer = next((f"{p}:{n}" for p, n in reversed(frames) if p != path), None)
    if outer:
        doing += f"（这个模板由 {outer} 引入）"
    if isinstance(exc, jinja2.TemplateNotFound):
        message, hint = _not_found(str(exc.name or ""), root)
    else:
        message = render_message(exc, context)
    return Problem(f"{doing}：{message}", f"{path}:{line}", hint)


def _not_found(name: str, root: Path) -> tuple[str, str]:
    """What an `{% include %}`, `{% import %}` or `{% extends %}` of a template that is not there says, and how to fix it."""
    if name.startswith(("/", "\\", "~")) or ".." in re.split(r"[/\\]", name) or re.match(r"[A-Za-z]:", name):
        return (
            f"模板只能引入 {root} 文件夹里的文件，不能引入 {name}",
            f"把要引入的文件放进 {root}/，写它在 {root}/ 里的相对路径，例如 {{% include 'common/footer.html' %}}",
        )
    return f"引入的模板 {name} 不存在：{root / name} 没有这个文件", f"检查文件名，它是 {root}/ 里的相对路径"


def render_message(exc: Exception, context: dict[str, Any]) -> str:
    """What went wrong while rendering, naming the variable or field and what is available."""
    refused = sandbox_message(exc)
    if refused:
        return refused
    if isinstance(exc, TemplateCallError):
        return str(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError):  # in a template included while rendering
        return syntax_message(exc.message)
    text = str(exc)
    undefined = re.fullmatch(r"'(\w+)' is undefined", text)
    if undefined and undefined[1] in context:  # the rendered template has it; the one included or imported does not
        return (
            f"模板中的变量 {undefined[1]} 在这里用不了：用 {{% import %}} 导入或 without context 引入的模板看不到它，"
            f"写成 {{% import '…' as m with context %}}，或把 {undefined[1]} 作为参数传给宏"
        )
    if undefined:
        name = undefined[1]
        # {{ sumary }} or {{ title }}: perhaps item.summary, item.title; a field of an object in the context
        candidates = {f: f"{key}.{f}" for key, value in reversed(context.items()) for f in _fields(type(value))}
        candidates.update({key: key for key in context})
        import difflib  # only to explain a template error

        close = [name] if name in candidates else difflib.get_close_matches(name, list(candidates), n=1)
        guess = candidates[close[0]] if close else ""
        return f"模板中的变量 {name} 不存在" + (f"（是不是想写 {guess}？）" if guess else "") + f"，可用：{'、'.join(context)}"
    attribute = re.fullmatch(r"'(.+?)(?: object)?' has no attribute '(.+)'", text)
    if attribute:
        kind, name = attribute[1].rsplit(".", 1)[-1], attribute[2]
        cls = next((type(v) for v in _objects(context.values()) if type(v).__name__ == kind), None)
        if kind == "dict":
            return f"模板中取的 {name} 这一项不存在"
        if kind in ("None", "NoneType"):
            return f"模板中取 {name} 的那个值是空的（None）"
        if cls is None or kind not in NOUNS:
            return f"模板中的 {kind} 没有属性 {name}"
        return f"{NOUNS[kind]}没有字段 {name}" + _choices(name, _fields(cls))
    if isinstance(exc, ZeroDivisionError):
        return "模板中的计算除以了零"
    return "模板运行出错：检查这一行的变量和表达式"


def _choices(name: str, available: Iterable[str]) -> str:
    from ..support.suggest import did_you_mean  # only to explain a template error

    names = list(available)
    guess = did_you_mean(name, names)
    return (f"（{guess}）" if guess else "") + f"，可用：{'、'.join(names)}"


def _fields(cls: type) -> list[str]:
    """A dataclass's fields and public properties: what a template may read from it."""
    names = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
    return names + [n for n, v in vars(cls).items() if isinstance(v, property) and not n.startswith("_")]


def _objects(values: Iterable[Any]) -> Iterable[Any]:
    """The context's values and, one level down, their dataclass fields (post.item, campaign.brand...) and the
    items of those that are lists or tuples (campaign.channels, as `|map(attribute=…)` reads them)."""
    for value in values:
        yield value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                field = getattr(value, f.name)
                yield field
                if isinstance(field, (list, tuple)):
                    yield from field
