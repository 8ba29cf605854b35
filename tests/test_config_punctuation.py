"""Slips of a Chinese keyboard in config.yaml: each message names the mark typed, the line it is on and
the English mark to type instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.support.errors import ConfigError

from .conftest import run_qm


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return [str(p) for p in info.value.problems]


def _line_of(path: Path, words: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if words in text)


@pytest.mark.parametrize(
    ("original", "typed", "column"),
    [
        ("campaign:\n", "campaign：\n", 9),  # a section's key: the parser trips only on the next line
        ("  theme: 提升质量水平", "  theme：提升质量水平", 8),  # a key with its value on the line
        ("    - name: 质量发展科", "    - name：质量发展科", 11),  # a key in a list item
        ('  hotline: "12315"', '  hotline："12315"', 10),
    ],
)
def test_a_key_written_with_the_chinese_colon_is_named_at_its_own_line(
    project: Callable[..., Path], original: str, typed: str, column: int
) -> None:
    path = project(lambda t: t.replace(original, typed, 1))
    line = _line_of(path, typed.strip())
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{line}：YAML 格式错误（第 {column} 列）："), problem
    assert "用了中文冒号“：”，键后面要写英文冒号“:”再加一个空格" in problem, problem
    assert "把“：”改成英文冒号加一个空格“: ”" in problem, problem


@pytest.mark.parametrize(
    ("original", "typed", "starts", "says"),
    [
        (  # the comma a Chinese keyboard types between the items of a [ ] list
            'times: ["09:30", "17:30"]',
            'times: ["09:30"，"17:30"]',
            "YAML 格式错误（第 20 列）：用了中文逗号“，”，[ ] 里的项之间要用英文逗号“,”分隔",
            "把“，”改成英文逗号“,”",
        ),
        (  # a time of day the parser reads as text: the reader names the mark
            'times: ["20:00"]',
            'times: ["20：00"]',
            "channels.wechat.times 的第 1 项不是有效时间：20：00",
            "其中的“：”是中文冒号，要用英文冒号“:”；时间写作 20:00",
        ),
        (  # a key indented deeper than its neighbours, below a list: not a list item
            "  theme: 提升质量水平",
            "    theme: 提升质量水平",
            "YAML 格式错误（第 5 列）：这个键的缩进和上面同一层的键不一致",
            "同一层的键要用同样多的空格左对齐",
        ),
    ],
)
def test_the_slip_is_named_at_its_line(project: Callable[..., Path], original: str, typed: str, starts: str, says: str) -> None:
    path = project(lambda t: t.replace(original, typed, 1))
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{_line_of(path, typed)}：{starts}"), problem
    assert says in problem and "列表缩进" not in problem, problem


def test_a_section_of_one_key_written_with_the_chinese_colon_is_named(project: Callable[..., Path]) -> None:
    path = project(lambda t: t + "\ndaemon:\n  lease_timeout：45\n")
    (problem,) = _problems(path)
    assert problem == f"{path}:{_line_of(path, 'daemon:')}：daemon 应当是一个映射（键: 值）（其中的“：”是中文冒号，要用英文冒号“:”）", (
        problem
    )


def test_the_command_says_it_in_chinese_with_exit_code_2(project: Callable[..., Path]) -> None:
    path = project(lambda t: t.replace("campaign:\n", "campaign：\n", 1))
    result = run_qm("check", "-c", path)
    assert result.returncode == 2, result.stderr
    assert f"{path}:{_line_of(path, 'campaign：')}：YAML 格式错误" in result.stderr and "中文冒号“：”" in result.stderr
    assert "Traceback" not in result.stderr
