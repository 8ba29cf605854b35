"""What a template asks formatting for is refused before Python allocates it: run under an address-space limit
of a few hundred megabytes, a render that built the text first would die of MemoryError (or, without the
limit, take gigabytes before the output's length is checked)."""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_sandbox import WEIBO, _line_of_last, _with_line

MEMORY = 600 * 2**20  # bytes of address space: far below what any of these would build, well above qm's own needs

RENDER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from pathlib import Path
from scheduler.rendering.sandbox import render, sandbox_message, template_env
try:
    print("rendered", len(render(template_env(Path(".")).from_string(sys.argv[1]), {{}})))
except Exception as exc:
    print(type(exc).__name__, sandbox_message(exc))
"""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        # a width after a named key: '%(a)2500000000d' is 2.5 GB of spaces
        ("{% set x = '%(a)2500000000d' % {'a': 1} %}", "宽度或数量 2500000000 太大"),
        ("{{ '%(a)300000000d'|format(a=1) }}", "宽度或数量 300000000 太大"),
        ("{{ '%(a).300000000d'|format(a=1) }}", "宽度或数量 300000000 太大"),
        ("{{ '%(a)-#0 300000000.2f' % {'a': 1.5} }}", "宽度或数量 300000000 太大"),
        # bytes a template makes from a number format like text: b'%2500000000d'
        ("{{ ((11511642828710134927034691684).to_bytes(12, 'big') % 1)|length }}", "宽度或数量 2500000000 太大"),
        # many placeholders, each of an allowed width: a gigabyte together
        ("{{ (('{:9999}' * 110000).format(*((1,)*110000)))|length }}", "格式化"),
        ("{{ (('{:.9999f}' * 50000).format(*((1.0,)*50000)))|length }}", "格式化"),
        ("{{ (('%9999d' * 120000) % ((1,)*120000))|length }}", "格式化"),
        ("{{ ('%9999d' * 120000)|format(*((1,)*120000))|length }}", "格式化"),
        ("{{ ('%(a)9999d' * 60000)|format(a=1)|length }}", "格式化"),
        # |format formats a list's or a tuple's text: its width counts too
        ("{{ ['%2500000000d']|format(1) }}", "宽度或数量 2500000000 太大"),
        ("{{ ('%2500000000d',)|format(1) }}", "宽度或数量 2500000000 太大"),
    ],
)
def test_formatting_is_refused_by_its_budget_before_it_takes_memory(payload: str, words: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RENDER.format(memory=MEMORY), payload], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("LimitError") and words in result.stdout, result.stdout  # not MemoryError, nor the output's length


def test_check_refuses_a_named_width_at_its_line_without_taking_memory(project: Callable[..., Path]) -> None:
    config = _with_line(project, "{% set x = '%(a)2500000000d' % {'a': 1} %}")
    line = _line_of_last(config.parent / "templates" / WEIBO)
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "check", "-c", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited,
    )
    assert result.returncode == 2, result.stderr
    assert f"{WEIBO}:{line}：" in result.stderr and "宽度或数量 2500000000 太大" in result.stderr, result.stderr
    assert "内存" not in result.stderr and "Traceback" not in result.stderr
