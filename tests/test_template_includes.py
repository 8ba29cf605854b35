"""A template may include or import others from templates/: an error in one is reported at its own file and
line, naming the line that brought it in; nothing outside templates/ can be included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.rendering.payloads import Renderer
from scheduler.support.errors import Problem, TemplateError

from .conftest import run_qm
from .test_sandbox import HEIHE, WEIBO, _first_post, _line_of_last, _with_line

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


def test_a_link_out_of_templates_is_not_included(project: Callable[..., Path], tmp_path: Path) -> None:
    """A link in templates/ to a file elsewhere would get around "only files in templates/": the check names the
    including line and the secret's text reaches no post, preview or message."""
    secret = tmp_path / "secret.txt"
    secret.write_text("口令：s3cret-words", encoding="utf-8")
    config, templates = _including(project, f"{{% include '{PART}' %}}", "")
    (templates / PART).unlink()
    (templates / PART).symlink_to(secret)
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert f"{templates / WEIBO}:{_line_of_last(templates / WEIBO)}：" in result.stderr, result.stderr
    assert f"模板文件 {templates / PART} 是指向 {templates} 文件夹以外的链接" in result.stderr, result.stderr
    problem = _problem(config)
    assert problem.where == f"{templates / WEIBO}:{_line_of_last(templates / WEIBO)}", problem


def test_a_template_that_is_a_link_out_of_templates_is_refused(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project(config=HEIHE)
    templates = config.parent / "templates"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name in (WEIBO, "screen/player.html"):
        (outside / Path(name).name).write_text((templates / name).read_text(encoding="utf-8") + "口令：s3cret", encoding="utf-8")
        (templates / name).unlink()
        (templates / name).symlink_to(outside / Path(name).name)
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    for name in (WEIBO, "player.html"):
        assert f"{name} 是指向" in result.stderr, result.stderr


def test_links_inside_templates_still_work(project: Callable[..., Path]) -> None:
    config, templates = _including(project, "{% include 'weibo/shared.txt' %}", "共用的结尾")
    (templates / "weibo" / "shared.txt").symlink_to(templates / PART)
    campaign, post = _first_post(config)
    assert "共用的结尾" in Renderer(campaign).render(post).payload["text"]
