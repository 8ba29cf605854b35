"""A template may include or import others from templates/: an error in one is reported at its own file and
line, naming the line that brought it in; nothing outside templates/ can be included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.rendering.payloads import Renderer
from scheduler.support.errors import Problem, TemplateError

from .conftest import run_qm
from .test_sandbox import WEIBO, _first_post, _line_of_last, _with_line

PART = "weibo/part.txt"


def _problem(config: Path) -> Problem:
    campaign, post = _first_post(config)
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    (problem,) = info.value.problems
    assert post.id in problem.message, problem
    return problem


def _including(project: Callable[..., Path], tag: str, part: str) -> tuple[Path, Path]:
    """The project with `tag` as the last line of the Weibo template and `part` as templates/weibo/part.txt."""
    config = _with_line(project, tag)
    templates = config.parent / "templates"
    (templates / PART).write_text(part, encoding="utf-8")
    return config, templates


def test_error_in_an_included_template_is_reported_at_its_own_line(project: Callable[..., Path]) -> None:
    config, templates = _including(project, f"{{% include '{PART}' %}}", "第一行\n第二行\n{{ sumary }}\n")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    including = f"{templates / WEIBO}:{_line_of_last(templates / WEIBO)}"
    assert f"{PART}:3：" in result.stderr and f"由 {including} 引入" in result.stderr, result.stderr
    assert "变量 sumary 不存在（是不是想写 item.summary？）" in result.stderr, result.stderr


def test_syntax_error_in_an_included_template_is_reported_at_its_own_line(project: Callable[..., Path]) -> None:
    config, templates = _including(project, f"{{% include '{PART}' %}}", "第一行\n{{ item.title }\n")
    problem = _problem(config)
    assert problem.where == f"{templates / PART}:2" and "模板语法错误" in problem.message, problem
    assert f"由 {templates / WEIBO}:{_line_of_last(templates / WEIBO)} 引入" in problem.message, problem


@pytest.mark.parametrize(
    ("tag", "part"),
    [
        (f"{{% include '{PART}' without context %}}", "第一行\n{{ item.title }}\n"),
        (f"{{% import '{PART}' as p %}}{{{{ p.title() }}}}", "{% macro title() %}\n{{ item.title }}\n{% endmacro %}\n"),
    ],
)
def test_variable_a_template_imported_without_context_cannot_see(project: Callable[..., Path], tag: str, part: str) -> None:
    """`item` exists where the template was included, not in it: no "did you mean item?"."""
    config, templates = _including(project, tag, part)
    problem = _problem(config)
    assert problem.where == f"{templates / PART}:2", problem
    assert "变量 item 在这里用不了" in problem.message and "with context" in problem.message, problem
    assert "是不是想写" not in problem.message, problem


@pytest.mark.parametrize("name", ["/etc/passwd", "../config.yaml", "weibo/../../config.yaml"])
def test_only_files_in_templates_can_be_included(project: Callable[..., Path], name: str) -> None:
    config = _with_line(project, f"前言{{% include '{name}' %}}后记")
    templates = config.parent / "templates"
    problem = _problem(config)
    assert problem.where == f"{templates / WEIBO}:{_line_of_last(templates / WEIBO)}", problem
    assert f"模板只能引入 {templates} 文件夹里的文件，不能引入 {name}" in problem.message, problem


def test_included_template_that_is_not_there_is_named(project: Callable[..., Path]) -> None:
    config = _with_line(project, "{% include 'weibo/footer.txt' %}")
    templates = config.parent / "templates"
    problem = _problem(config)
    assert problem.where == f"{templates / WEIBO}:{_line_of_last(templates / WEIBO)}", problem
    assert f"引入的模板 weibo/footer.txt 不存在：{templates / 'weibo' / 'footer.txt'}" in problem.message, problem


def test_included_template_not_saved_as_utf8_is_named_with_its_line(project: Callable[..., Path]) -> None:
    config, templates = _including(project, f"{{% include '{PART}' %}}", "")
    (templates / PART).write_bytes("第一行\n".encode() + "第二行".encode("gbk") + b"\n")
    problem = _problem(config)
    assert problem.where == f"{templates / PART}:2" and "不是 UTF-8 编码" in problem.message, problem
    assert f"由 {templates / WEIBO}:{_line_of_last(templates / WEIBO)} 引入" in problem.message, problem
    assert "另存为 UTF-8" in problem.hint
