"""`qm` runs in fresh processes without paying for imports each time: a fork server for the tests.

Most of a short `qm` run in the tests is Python importing SQLAlchemy, Pillow, matplotlib and qm itself.
The server (this module run as `python -m tests.warm_qm`) imports them once, then forks one child per
run. The child is a process of its own, as a user's would be: it takes the run's folder, environment,
standard input, output and error files and arguments, and runs `python -m scheduler` with `runpy`; its
exit ends like any interpreter's (atexit, threads joined, an uncaught exception printed), and its exit
status is passed back. The objects of the imported modules are frozen out of the garbage collector
before the first fork: a child's exit would otherwise scan all of them (about 0.5 s a run, most of
a short command's time), and every child's collections would copy the server's pages. The server never runs a command itself and starts no thread, so every child
starts from the same state: modules imported, nothing called.

Tests that are about what a run imports start their own interpreter instead (see test_cli.py).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import locale
import os
import pkgutil
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def preload() -> None:
    """Every module of qm, and with them the libraries its commands import."""
    import scheduler

    for module in pkgutil.walk_packages(scheduler.__path__, "scheduler."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def serve(control_in: IO[bytes], control_out: IO[bytes]) -> dict[str, Any] | None:
    """Fork a child per request line; returns the request in the child, None in the server at the end."""
    while line := control_in.readline():
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            return dict(request)
        control_out.write(f"{pid}\n".encode())
        control_out.flush()
        _, status = os.waitpid(pid, 0)
        control_out.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())
        control_out.flush()
    return None


def become(request: dict[str, Any]) -> None:
    """In the child: take the run's folder, environment and standard files, then run qm as `-m` would."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, (path, flags) in enumerate(
        [(request["stdin"] or os.devnull, os.O_RDONLY), (request["stdout"], os.O_WRONLY), (request["stderr"], os.O_WRONLY)]
    ):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    for fd in request["close"]:  # the control pipes, duplicated above their numbers
        with contextlib.suppress(OSError):
            os.close(fd)
    sys.argv = ["qm", *request["argv"]]


class Server:
    """The fork server for this test process, started on first use."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.settings: dict[str, str] = {}  # the PYTHON... variables the server started with

    def start(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.settings = _python_settings(os.environ)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.warm_qm"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
            )
        return self.process

    def run(
        self, args: list[str], cwd: Path, env: dict[str, str] | None, input_text: str | None
    ) -> subprocess.CompletedProcess[str] | None:
        """The finished run; None when the caller must start its own process: when the server is busy with
        another thread's run, or when the run's environment changes how Python starts or what it imports
        (PYTHONPATH pointing at a copy of qm, or at a folder hiding a library)."""
        env = dict(os.environ) if env is None else env
        if not self.lock.acquire(blocking=False):
            return None
        try:
            self.start()
            if _python_settings(env) != self.settings:
                return None
            return self._run(args, cwd, env, input_text)
        finally:
            self.lock.release()

    def _run(self, args: list[str], cwd: Path, env: dict[str, str], input_text: str | None) -> subprocess.CompletedProcess[str]:
        process = self.start()
        assert process.stdin is not None and process.stdout is not None
        with tempfile.TemporaryDirectory(prefix="qm-run-") as tmp:
            files = {name: Path(tmp) / name for name in ("stdin", "stdout", "stderr")}
            files["stdout"].write_bytes(b"")
            files["stderr"].write_bytes(b"")
            if input_text is not None:
                files["stdin"].write_text(input_text, encoding=locale.getpreferredencoding(False))
            request = {
                "argv": args,
                "cwd": str(cwd),
                "env": env,
                "stdin": str(files["stdin"]) if input_text is not None else None,
                "stdout": str(files["stdout"]),
                "stderr": str(files["stderr"]),
                "close": [],
            }
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.flush()
            pid = int(process.stdout.readline())
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
            if not ready:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
                process.stdout.readline()
                raise subprocess.TimeoutExpired([sys.executable, "-m", "scheduler", *args], TIMEOUT)
            code = int(process.stdout.readline())
            out, err = (_text(files[name].read_bytes()) for name in ("stdout", "stderr"))
        return subprocess.CompletedProcess([sys.executable, "-m", "scheduler", *args], code, out, err)


def _python_settings(env: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("PYTHON")}


def _text(data: bytes) -> str:
    """As `subprocess.run(text=True)` decodes: the locale's encoding, universal newlines."""
    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


SERVER = Server()


if __name__ == "__main__":
    control_in = os.fdopen(os.dup(0), "rb", buffering=0)
    control_out = os.fdopen(os.dup(1), "wb", buffering=0)
    preload()
    gc.freeze()  # the imported modules' objects: never scanned again, in the server or the children
    request = serve(control_in, control_out)
    if request is not None:
        request["close"] = [control_in.fileno(), control_out.fileno()]
        become(request)
        import runpy

        runpy.run_module("scheduler", run_name="__main__", alter_sys=True)
