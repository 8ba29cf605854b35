"""The tests' `run_qm` forks `qm` from a warm server (warm_qm.py): a run there must end as a fresh one does."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from . import warm_qm
from .conftest import HEIHE, ROOT, run_qm

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)


def fresh(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args], cwd=cwd, env=env, input=input_text, capture_output=True, text=True, timeout=120
    )


def same(warm: subprocess.CompletedProcess[str], cold: subprocess.CompletedProcess[str]) -> None:
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)


def test_a_warm_run_prints_and_exits_as_a_fresh_one(tmp_path: Path) -> None:
    for args in (["--version"], ["plan", "-c", str(HEIHE), "--date", "2016-09-01"], ["plan", "--date", "2016-13-01"], ["nonsense"]):
        same(run_qm(*args), fresh(*args))
    missing = ["check", "-c", str(tmp_path / "无.yaml")]
    same(run_qm(*missing), fresh(*missing))
    assert run_qm(*missing).returncode != 0


def test_the_run_takes_its_folder_environment_and_standard_input(project: Callable[..., Path]) -> None:
    config = project()
    env = {**os.environ, "QM_CONFIG": config.name}
    same(run_qm("check", cwd=config.parent, env=env), fresh("check", cwd=config.parent, env=env))
    assert "检查通过" in run_qm("check", cwd=config.parent, env=env).stdout
    added = run_qm("user", "add", "王科长", "--role", "admin", "-c", config, input_text="a-long-password\n")
    assert added.returncode == 0, added.stderr
    short = ["user", "add", "李", "--role", "editor", "-c", str(config)]
    same(run_qm(*short, input_text="short\n"), fresh(*short, input_text="short\n"))


def test_a_run_with_its_own_python_path_starts_a_process_of_its_own(tmp_path: Path) -> None:
    hidden = tmp_path / "path" / "scheduler"  # an empty package in front of qm's: a fresh Python finds no qm in it
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(hidden.parent)}
    assert warm_qm.SERVER.run(["--version"], tmp_path, env, None) is None
    hidden_run = run_qm("--version", cwd=tmp_path, env=env)
    assert hidden_run.returncode == 1 and str(hidden) in hidden_run.stderr  # the empty package was the one imported


def test_a_run_while_the_server_is_busy_starts_a_process_of_its_own() -> None:
    with warm_qm.SERVER.lock:  # another thread's run holds the server
        assert warm_qm.SERVER.run(["--version"], ROOT, None, None) is None
        assert run_qm("--version").stdout == fresh("--version").stdout
    done: list[subprocess.CompletedProcess[str]] = []
    threads = [threading.Thread(target=lambda: done.append(run_qm("--version"))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [d.returncode for d in done] == [0, 0, 0]


def test_a_run_past_its_time_is_killed_and_the_server_goes_on(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm_qm, "TIMEOUT", 3)
    with pytest.raises(subprocess.TimeoutExpired):
        run_qm("daemon", "-c", project())  # runs until stopped
    assert run_qm("--version").returncode == 0
