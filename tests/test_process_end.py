"""A quick command (`qm check`, `qm plan`) run as a process of its own ends without Python's tear-down
(`cli/process_end.py`): its exit handlers still run and all its output is written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import run_qm

# Started in every Python of the run (PYTHONPATH): an exit handler and an object torn down with its module
HOOKS = """
import atexit
import os

_MARKS = os.environ["MARKS"]


def _mark(name):
    with open(os.path.join(_MARKS, name), "a", encoding="utf-8") as f:
        f.write("x")


class _TornDown:
    def __init__(self, path, opener):
        self.path, self.opener = path, opener  # kept: the modules are cleared before it goes

    def __del__(self):
        with self.opener(self.path, "ab") as f:
            f.write(b"x")


_torn_down = _TornDown(os.path.join(_MARKS, "torn-down"), open)
atexit.register(_mark, "exit-handlers")
"""


def _run(tmp_path: Path, *args: str | Path) -> tuple[int, str, set[str]]:
    hooks, marks = tmp_path / "hooks", tmp_path / "marks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(HOOKS, encoding="utf-8")
    marks.mkdir()
    result = run_qm(*args, env={**os.environ, "PYTHONPATH": str(hooks), "MARKS": str(marks)})
    seen = {path.name for path in marks.iterdir()}
    os.rename(marks, tmp_path / f"marks-{len(list(tmp_path.iterdir()))}")
    return result.returncode, result.stdout, seen


@pytest.mark.parametrize("command", ["check", "plan"])
def test_a_quick_command_ends_without_tear_down_and_runs_its_exit_handlers(
    command: str, project: Callable[..., Path], tmp_path: Path
) -> None:
    config = project()
    code, stdout, seen = _run(tmp_path, command, "-c", config)
    assert code == 0
    assert seen == {"exit-handlers"}  # nothing torn down, the exit handlers run
    if command == "check":
        assert stdout.splitlines()[-1].startswith("检查通过：")  # the last line written too
    else:
        assert stdout.count("\n") > 100 and stdout.endswith("\n")
    code, _, seen = _run(tmp_path, "--help")  # any other command exits as Python does
    assert code == 0
    assert seen == {"exit-handlers", "torn-down"}
