"""Output written to something that is no file (`/dev/null`, a pipe) goes into it: the target is never
replaced by a regular file, as renaming a finished temporary file over it would do."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from scheduler.support.atomic_files import atomic_write_text

from .conftest import run_qm


def _reading(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader, got = _reading(fifo)
    atomic_write_text(fifo, "排期")
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe
    assert got == ["排期".encode()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left beside it


def test_qm_plan_output_into_a_pipe(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    fifo = tmp_path / "plan.csv"
    os.mkfifo(fifo)
    reader, got = _reading(fifo)
    result = run_qm("plan", "--format", "csv", "-o", fifo, "-c", config)
    reader.join(timeout=30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and "发布编号" in got[0].decode("utf-8-sig")


def test_qm_plan_output_dash_is_the_screen(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    result = run_qm("plan", "--format", "csv", "-o", "-", "-c", config, cwd=tmp_path)
    assert result.returncode == 0 and "发布编号" in result.stdout, result.stderr
    assert not (tmp_path / "-").exists()  # no file named "-"
