"""A list item typed without the space after its dash (`-市总工会`): wherever the list is, the message
names the line of that item, says that `-` needs a space after it, and shows the line corrected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.support.errors import ConfigError, ContentError

from .conftest import HEIHE, run_qm
from .test_content import GOOD as ITEM

SAYS = "“-”后面少了一个空格：YAML 只把以“- ”（减号加一个空格）开头的行读作列表的一项"


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return [str(p) for p in info.value.problems]


def _line_of(path: Path, words: str) -> int:
    return next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text == words)


@pytest.mark.parametrize(
    ("original", "typed"),
    [
        ("    - 市总工会", "    -市总工会"),  # among the co-organisers: the parser stops at the next item
        ("    - goods-food-packaging", "    -goods-food-packaging"),  # first of many: they all become one text
        ("    - goods-coal", "    -goods-coal"),  # in the middle
        ("    - environment-quality", "    -environment-quality"),  # the last of its list
        ("    - id: center", "    -id: center"),  # an item that is a mapping: the screens
        ("  - item: publicity-launch-announcement", "  -item: publicity-launch-announcement"),  # pins, at the key's indent
        ("    - name: 质量发展科", "    -name: 质量发展科"),  # contacts
        ('    times: ["20:00"]', '    times:\n      -"20:00"\n      - "21:00"'),  # a channel's times
    ],
)
def test_a_list_item_without_the_space_is_named_at_its_line_with_the_fix(project: Callable[..., Path], original: str, typed: str) -> None:
    path = project(lambda t: t.replace(original, typed, 1))
    slip = next(line for line in typed.splitlines() if line.lstrip().startswith("-") and not line.lstrip().startswith("- "))
    (problem,) = _problems(path)
    column = len(slip) - len(slip.lstrip()) + 1
    assert problem.startswith(f"{path}:{_line_of(path, slip)}："), problem
    # the parser stops (most lists) or the list reads as one text (times: the next item continues it)
    assert f"YAML 格式错误（第 {column} 列）：{SAYS}" in problem or f"times 应当是一个列表：{SAYS}" in problem, problem
    assert problem.endswith(f"（改成“{slip.replace('-', '- ', 1)}”）"), problem


@pytest.mark.parametrize(
    ("units", "slip", "fixed", "read_as"),
    [
        ("units:\n  -市总工会\n", "  -市总工会", "  - name: 市总工会", "text"),  # the whole list is one piece of text
        ("units:\n  -name: 市总工会\n", "  -name: 市总工会", "  - name: 市总工会", "a mapping"),
        ("units:\n  - name: 市总工会\n  -name: 共青团市委\n", "  -name: 共青团市委", "  - name: 共青团市委", "a parser error"),
        ("units:\n  - name: 市总工会\n  -共青团市委\n", "  -共青团市委", "  - name: 共青团市委", "a parser error"),
    ],
)
def test_the_units_list_says_which_line_needs_the_space(
    project: Callable[..., Path], units: str, slip: str, fixed: str, read_as: str
) -> None:
    """A unit typed as its bare name is corrected to an entry (`- name: 市总工会`): the fix the message
    gives is one the config then accepts."""
    path = project(lambda t: t[: t.index("\nunits:\n")] + "\n" + units, config=HEIHE)  # the example's units replaced
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{_line_of(path, slip)}："), problem
    if read_as == "a parser error":
        assert f"YAML 格式错误（第 3 列）：{SAYS}" in problem, problem
    else:
        assert f"units 应当是一个列表：{SAYS}" in problem, problem
    assert problem.endswith(f"（改成“{fixed}”）"), problem
    path.write_text(path.read_text(encoding="utf-8").replace(f"\n{slip}\n", f"\n{fixed}\n"), encoding="utf-8")
    assert fixed.split(": ")[1] in [u.name for u in load_campaign(path).units]


def test_units_written_as_bare_names_are_told_to_write_each_as_an_entry(project: Callable[..., Path]) -> None:
    """`- 爱辉区` is a list item but not a unit: each line is named with the entry that would be one, and
    written so, the units are read."""
    path = project(lambda t: t[: t.index("\nunits:\n")] + "\nunits:\n  - 爱辉区\n  - 北安市\n", config=HEIHE)
    problems = _problems(path)
    assert problems == [
        f"{path}:{_line_of(path, '  - 爱辉区')}：units[0] 应当是一个映射（改成“- name: 爱辉区”）",
        f"{path}:{_line_of(path, '  - 北安市')}：units[1] 应当是一个映射（改成“- name: 北安市”）",
    ], problems
    path.write_text(
        path.read_text(encoding="utf-8").replace("  - 爱辉区", "  - name: 爱辉区").replace("  - 北安市", "  - name: 北安市"),
        encoding="utf-8",
    )
    assert [u.name for u in load_campaign(path).units] == ["爱辉区", "北安市"]


def test_qm_check_says_it_in_plain_chinese(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("    - 市总工会", "    -市总工会", 1))
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{config}:{_line_of(config, '    -市总工会')}：YAML 格式错误（第 5 列）：{SAYS}（改成“    - 市总工会”）" in result.stderr, (
        result.stderr
    )


def test_a_content_file_gets_the_same_message(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(ITEM.replace("line: 买盐看清定点标识\n", "line: 买盐看清定点标识\ntags:\n  -食盐\n"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {})
    (problem,) = [str(p) for p in info.value.problems]
    assert problem == f"{tmp_path / 'a.md'}:9：内容 test-item.tags 应当是一个列表：{SAYS}（改成“  - 食盐”）", problem


def test_text_that_starts_with_a_dash_is_not_taken_for_it(project: Callable[..., Path]) -> None:
    """A folded text whose line starts with `-` is no list item: another mistake in its section is
    explained as before."""
    theme = "  theme: >\n    -提升质量水平，建设质量强市"
    assert load_campaign(project(lambda t: t.replace("  theme: 提升质量水平，建设质量强市", theme, 1)))
    path = project(lambda t: t.replace("  theme: 提升质量水平，建设质量强市", theme, 1).replace("  timezone:", "\ttimezone:", 1))
    (problem,) = _problems(path)
    assert SAYS not in problem and "用了 Tab 键缩进" in problem, problem
