"""`qm check --stay`: later checks of the same config are answered by the waiting check, exactly as they
would have answered themselves; it answers nothing but checks of its own config, uses no folder another
user could enter, and when it is gone, outdated or killed, a check simply runs by itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.cli import resident_check

from .conftest import ROOT, run_qm

READY = "常驻检查已就绪"
BAKERY = Path("content") / "grassroots" / "grassroots-five-factors-bakery.md"


@dataclass
class Waiting:
    process: subprocess.Popen[str]
    config: Path
    env: dict[str, str]
    lines: queue.Queue[str]

    def next_line(self, timeout: float = 60) -> str:
        return self.lines.get(timeout=timeout)

    def socket(self) -> Path:
        path = resident_check.socket_path(self.config, str(self.config.parent), self.env)
        assert path is not None
        return path


def start(config: Path, env: dict[str, str], *extra: str, pythonpath: Path | None = None) -> Waiting:
    run_env = env | ({"PYTHONPATH": str(pythonpath)} if pythonpath else {})
    command = [sys.executable, "-m", "scheduler", "check", "--stay", *extra, "-c", str(config)]
    process = subprocess.Popen(command, cwd=config.parent, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    waiting = Waiting(process, config, env, lines)
    first = waiting.next_line()
    while first.startswith("提醒："):  # reminders before the verdict (e.g. a notification group with no address set)
        first = waiting.next_line()
    assert "检查通过" in first  # it checks once, as `qm check` would
    assert READY in waiting.next_line()
    return waiting


@pytest.fixture
def private_env() -> Iterator[dict[str, str]]:
    """The environment with the waiting checks' sockets in a folder of this test's own.

    The folder is short, under /tmp, whatever the test's own folder: a Unix socket's path has a limit
    (the fallback for a deeper folder is tested on its own), and parallel test workers have deep folders."""
    runtime = tempfile.mkdtemp(prefix="qm-run-", dir="/tmp")
    yield {**os.environ, "XDG_RUNTIME_DIR": runtime}
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def waiting(project: Callable[..., Path], private_env: dict[str, str]) -> Iterator[Waiting]:
    w = start(project(), private_env)
    yield w
    w.process.send_signal(signal.SIGTERM)
    assert w.process.wait(timeout=30) == 0
    assert not w.socket().exists()  # it cleans up after itself


def _ask(path: Path, question: object) -> object:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(60)
        conn.connect(str(path))
        return json.loads(resident_check.exchange(conn, json.dumps(question).encode()))


def test_a_later_check_is_answered_by_the_waiting_one_as_it_would_have_answered_itself(waiting: Waiting) -> None:
    config, env = waiting.config, waiting.env
    passed = run_qm("check", "-c", config, env=env)
    assert passed.returncode == 0 and "检查通过" in passed.stdout
    assert waiting.next_line().endswith("检查了一次：通过")

    path = config.parent / BAKERY
    path.write_text(path.read_text(encoding="utf-8") + "\n这是最佳做法。\n", encoding="utf-8")
    answered = run_qm("check", cwd=config.parent, env=env)  # the default config.yaml of the folder: the same file
    assert waiting.next_line().endswith("检查了一次：有问题（退出码 2）")
    alone = run_qm("check", "--no-cache", cwd=config.parent, env=env)  # never handed over
    assert answered.returncode == alone.returncode == 2 and "最佳" in answered.stderr
    assert (answered.stdout, answered.stderr) == (alone.stdout, alone.stderr)
    assert waiting.lines.empty()


def test_the_check_runs_in_the_askers_environment(waiting: Waiting) -> None:
    env = waiting.env | {"QM_CONFIG": str(waiting.config)}
    answered = run_qm("check", cwd=ROOT, env=env)  # the config named by the asker's QM_CONFIG only
    assert answered.returncode == 0 and "检查通过" in answered.stdout, answered.stderr
    assert waiting.next_line().endswith("检查了一次：通过")


def test_it_answers_only_checks_of_its_own_config(waiting: Waiting, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    shutil.copy(waiting.config, other)
    base = {"cwd": str(waiting.config.parent), "env": waiting.env}
    handed_by_mistake = (["check", "--stay=0.05"], ["check", "--sta", "0.05"], ["check", "--no-c"])  # written past the asker's quick test
    for argv in (
        ["cancel", "20160901-weibo-0930"],
        ["check", "--no-cache"],
        ["check", "-c", str(other)],
        ["check", "--nonsense"],
        *handed_by_mistake,
    ):
        assert _ask(waiting.socket(), base | {"argv": argv}) == {"other": True}, argv
    for question in ("check", {"argv": "check", "cwd": 1, "env": []}):
        assert _ask(waiting.socket(), question) == {"other": True}
    assert _ask(waiting.socket(), base | {"argv": ["check"]})["code"] == 0  # type: ignore[index]
    assert waiting.next_line().endswith("检查了一次：通过")
    assert waiting.lines.empty()  # nothing but the one check ran


def test_commands_that_must_run_where_they_are_typed_are_never_handed_over() -> None:
    for argv in (["check", "--no-cache"], ["check", "--stay"], ["check", "--help"], ["plan"], ["cancel", "x"]):
        assert resident_check.ask(argv, argv[0]) is None


def test_a_folder_another_user_could_enter_is_never_used(project: Callable[..., Path], private_env: dict[str, str]) -> None:
    config = project()
    path = resident_check.socket_path(config, str(config.parent), private_env)
    assert path is not None
    path.parent.mkdir()
    path.parent.chmod(0o777)
    refused = run_qm("check", "--stay", "-c", config, env=private_env)
    assert refused.returncode == 2 and "不是当前用户独用的" in refused.stderr and str(path.parent) in refused.stderr
    assert "Traceback" not in refused.stderr and not path.exists()

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:  # someone else's socket where ours would be
        listener.bind(str(path))
        listener.listen(1)
        listener.settimeout(0.5)
        checked = run_qm("check", "-c", config, env=private_env)
        assert checked.returncode == 0 and "检查通过" in checked.stdout
        with pytest.raises(TimeoutError):
            listener.accept()  # the check ran by itself and never called


def test_a_killed_waiting_check_leaves_nothing_in_the_way(project: Callable[..., Path], private_env: dict[str, str]) -> None:
    first = start(project(), private_env)
    first.process.kill()
    first.process.wait(timeout=30)
    assert first.socket().exists()  # left behind
    checked = run_qm("check", "-c", first.config, env=private_env)
    assert checked.returncode == 0 and "检查通过" in checked.stdout
    again = start(first.config, private_env)  # takes the place over
    assert run_qm("check", "-c", first.config, env=private_env).returncode == 0
    assert again.next_line().endswith("检查了一次：通过")
    assert run_qm("check", "--stay", "-c", first.config, env=private_env).stderr.count("已经有一个常驻检查在等待") == 1
    again.process.send_signal(signal.SIGINT)  # Ctrl+C
    assert again.process.wait(timeout=30) == 0 and again.next_line() == "常驻检查已退出。"


def test_it_leaves_when_qms_code_changes_and_when_idle(project: Callable[..., Path], private_env: dict[str, str], tmp_path: Path) -> None:
    copy = tmp_path / "code"
    shutil.copytree(ROOT / "scheduler", copy / "scheduler", ignore=shutil.ignore_patterns("__pycache__"))
    w = start(project(), private_env, pythonpath=copy)
    with (copy / "scheduler" / "cli" / "check_cache.py").open("a", encoding="utf-8") as f:
        f.write("# changed\n")
    checked = run_qm("check", "-c", w.config, env=private_env)  # the old code does not answer: checked here
    assert checked.returncode == 0 and "检查通过" in checked.stdout
    assert "程序已更新" in w.next_line() and w.process.wait(timeout=30) == 0

    idle = start(w.config, private_env, "0.05")
    assert idle.process.wait(timeout=60) == 0 and idle.next_line().startswith("0.05 分钟没有检查")


def test_qms_code_is_read_once_per_question(
    project: Callable[..., Path], private_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The waiting check reads qm's code once for each check it answers (to leave if it changed); the
    check it runs uses that reading instead of reading every file of qm again."""
    from scheduler.cli import check_cache
    from scheduler.cli.resident_check_server import stay

    config = project()
    monkeypatch.setenv("XDG_RUNTIME_DIR", private_env["XDG_RUNTIME_DIR"])
    reads: list[str] = []
    walk = check_cache._Digest.tree

    def tree(self: check_cache._Digest, root: str | Path, *, skip: frozenset[str] = frozenset()) -> None:
        if str(root) == check_cache.PACKAGE:
            reads.append("code")
        walk(self, root, skip=skip)

    monkeypatch.setattr(check_cache._Digest, "tree", tree)
    # what an earlier run with bytecode writing on (a benchmark) recorded of qm's files must not spare a reading here
    monkeypatch.setattr(check_cache, "CODE_RECORD", "no-record-in-this-test.json")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    left: list[int] = []
    waiting = threading.Thread(target=lambda: left.append(stay(config, 0.05)))  # leaves after 3 idle seconds
    waiting.start()
    path = resident_check.socket_path(config, str(config.parent))
    assert path is not None
    while not path.exists():
        waiting.join(0.05)
    question = {"argv": ["check", "-c", str(config)], "cwd": str(config.parent), "env": dict(os.environ)}
    for _ in range(3):
        answered = _ask(path, question)
        assert isinstance(answered, dict) and answered["code"] == 0 and "检查通过" in answered["stdout"], answered
    waiting.join(60)
    assert left == [0] and not path.exists()
    assert len(reads) == 1 + 3  # once when it starts, then once per question


def test_a_runtime_folder_too_deep_for_a_socket_still_gets_a_waiting_check(project: Callable[..., Path], tmp_path: Path) -> None:
    deep = tmp_path / ("运行目录" * 4) / ("x" * 60)  # longer than a Unix socket's path may be
    deep.mkdir(parents=True, mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(deep)}
    w = start(project(), env)
    try:
        assert len(os.fsencode(w.socket())) < resident_check.SOCKET_PATH_MAX
        passed = run_qm("check", "-c", w.config, env=env)
        assert passed.returncode == 0 and "检查通过" in passed.stdout
        assert w.next_line().endswith("检查了一次：通过")  # answered by the waiting check, not alone
    finally:
        w.process.send_signal(signal.SIGTERM)
        assert w.process.wait(timeout=30) == 0
    assert not w.socket().exists()


def test_the_time_of_each_check_is_the_campaigns_not_the_machines(project: Callable[..., Path], private_env: dict[str, str]) -> None:
    config = project()  # a campaign in Asia/Shanghai, on a machine in UTC
    w = start(config, private_env | {"TZ": "UTC"})
    try:
        assert run_qm("check", "-c", config, env=w.env).returncode == 0
        told = w.next_line()
        at = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
        hour, minute, second = (int(n) for n in told.split(" ")[0].split(":"))
        apart = (at.hour * 3600 + at.minute * 60 + at.second) - (hour * 3600 + minute * 60 + second)
        assert told.endswith("检查了一次：通过") and apart % 86400 < 120, (told, at)
    finally:
        w.process.send_signal(signal.SIGTERM)
        assert w.process.wait(timeout=30) == 0
