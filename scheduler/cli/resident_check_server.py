"""The waiting side of `qm check --stay` (see resident_check): listen, answer each check as the
command would have answered it, leave when idle, asked to stop, or when qm's code changed."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import socket
import struct
import sys
import threading
from pathlib import Path
from typing import Any

from ..support.errors import InputError, Problem
from . import resident_check as rc
from .check_cache import code_identity, taken_code

TICK = 0.5  # seconds between looks at the stop flag while waiting


def stay(config: Path, idle_minutes: float) -> int:
    """Check `config` once, then answer the checks of `config` until idle, stopped or outdated."""
    cwd = os.getcwd()
    path = rc.socket_path(config, cwd)
    if path is None:
        raise InputError(problems=[Problem("这台电脑不支持常驻检查（需要 Unix 套接字）", hint="去掉 --stay，照常运行 qm check")])
    own = Path(os.path.realpath(config))
    listener = _listen(path)  # first: a second waiting check of this config stops here
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    rc.serving(True)
    try:
        code = code_identity()
        with taken_code(code):
            first = answer({"argv": ["check", "-c", str(config)], "cwd": cwd, "env": dict(os.environ)}, own)
        if "code" not in first:
            raise InputError(problems=[Problem("第一次检查没有完成，不能常驻", hint="去掉 --stay 运行 qm check，看看出了什么错")])
        sys.stdout.write(str(first["stdout"]))
        sys.stderr.write(str(first["stderr"]))
        print(
            f"常驻检查已就绪：之后对 {config} 运行的 qm check 都由这里检查并回答。"
            f"按 Ctrl+C 退出；{idle_minutes:g} 分钟没有检查、或 qm 的程序更新后自动退出。",
            flush=True,
        )
        why = _serve(listener, own, code, idle_minutes * 60, stop)
    finally:
        rc.serving(False)
        listener.close()
        with contextlib.suppress(OSError):
            path.unlink()
    print(why, flush=True)
    return 0


def _listen(path: Path) -> socket.socket:
    folder = path.parent
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    if not rc.private(folder):
        problem = "常驻检查用的文件夹不是当前用户独用的（别的用户可以进入，或它不属于当前用户），不能在这里等待检查"
        raise InputError(problems=[Problem(problem, str(folder), "删掉这个文件夹或把权限改为 700，再运行 qm check --stay")])
    if path.exists():
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(path))
            except OSError:
                path.unlink()  # left by a waiting check that died
            else:
                hint = "直接运行 qm check；要重新开始，先在它的窗口按 Ctrl+C"
                raise InputError(problems=[Problem("这份配置已经有一个常驻检查在等待", hint=hint)])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(8)
    listener.settimeout(TICK)
    return listener


def _serve(listener: socket.socket, own: Path, code: str, idle: float, stop: threading.Event) -> str:
    """Answer checks until a reason to leave; that reason, for the terminal."""
    waited = 0.0
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            waited += TICK
            if waited >= idle:
                return f"{idle / 60:g} 分钟没有检查，常驻检查退出。"
            continue
        waited = 0.0
        with conn:
            conn.settimeout(60)
            if not _same_user(conn):
                continue
            try:
                question = json.loads(rc.read_all(conn))
            except (OSError, ValueError):
                continue
            if code_identity() != code:  # taken once per question: the check below uses it too
                _reply(conn, {"leaving": True})
                return "qm 的程序已更新，常驻检查退出：之后的 qm check 照常自己检查；要常驻请重新运行 qm check --stay。"
            with taken_code(code):
                reply = answer(question, own)
            _reply(conn, reply)
            if "code" in reply:
                verdict = "通过" if reply["code"] == 0 else f"有问题（退出码 {reply['code']}）"
                print(f"{dt.datetime.now(_zone(own)):%H:%M:%S} 检查了一次：{verdict}", flush=True)
    return "常驻检查已退出。"


def _zone(config: Path) -> dt.tzinfo | None:
    """The campaign's time zone, as qm tells every time; the machine's while the config cannot be read."""
    from ..inputs.config import load_campaign

    try:
        return load_campaign(config).timezone
    except (InputError, OSError):
        return None


def _same_user(conn: socket.socket) -> bool:
    peer = getattr(socket, "SO_PEERCRED", None)
    if peer is None:
        return True  # the socket's folder is private to this user already
    _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, peer, struct.calcsize("3i")))
    return bool(uid == os.getuid())


def _reply(conn: socket.socket, reply: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):  # the asking command gave up: it checks by itself
        conn.sendall(json.dumps(reply).encode())


def answer(question: Any, own: Path) -> dict[str, Any]:
    """What `qm <argv>` prints and returns in the question's folder and environment, if it is a check
    of the config `own`; else {"other": True} (the asking command then checks by itself)."""
    from .main import _command_word, build_parser, main

    if not isinstance(question, dict):
        return {"other": True}
    argv, cwd, env = question.get("argv"), question.get("cwd"), question.get("env")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(cwd, str) and isinstance(env, dict)):
        return {"other": True}
    if _command_word(argv) != "check" or rc.NOT_HANDED & set(argv):
        return {"other": True}
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in env.items()})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                args = build_parser(argv).parse_args(argv)
            except SystemExit:
                return {"other": True}  # a mistake in the arguments: the command reports it itself
            if Path(os.path.realpath(args.config)) != own or args.stay is not None or args.no_cache:
                return {"other": True}  # another config's; or --stay / --no-cache however written (--stay=5, --no-c)
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:  # whatever went wrong here, the asking command checks by itself and shows it
        return {"other": True}
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}
