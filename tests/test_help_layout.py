"""`--help` lines up by what the terminal shows: a Chinese character takes two columns."""

from __future__ import annotations

import os
import re

import pytest

from scheduler.views.columns import width

from .conftest import run_qm
from .test_cli import _help_pages

SAME_LINE_HELP = re.compile(r"^(\s+\S.*?\S)( {2,})(\S.*)$")  # "  --from 日期    起始日期…"


def _help_columns(page: str) -> set[int]:
    """The columns where option help starts in a help page, on the option's line or below it."""
    found = set()
    for line in page.split("\n\n", 2)[2].splitlines():  # the sections after the usage and the description
        if same := SAME_LINE_HELP.match(line):
            found.add(width(same[1] + same[2]))
        elif (indent := len(line) - len(line.lstrip(" "))) > 4:  # help below its option, or a help's second line
            found.add(indent)
    return found


@pytest.mark.parametrize("columns", [60, 80, 100])
def test_option_help_starts_in_one_column_with_chinese_placeholders(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for page in _help_pages():
        shown = page.format_help()
        assert len(_help_columns(shown)) == 1, (page.prog, _help_columns(shown), shown)


def test_usage_continues_under_its_first_argument_and_titles_end_with_a_chinese_colon() -> None:
    shown = run_qm("plan", "--help", env={**os.environ, "COLUMNS": "60"}).stdout
    first, second = shown.splitlines()[:2]
    assert first.startswith("用法：qm plan [-h]"), first
    assert width(second) - width(second.lstrip()) == width("用法：qm plan "), shown  # "[" under "[-h]"
    assert "\n选项：\n" in shown and "选项:" not in shown, shown
