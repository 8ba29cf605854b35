"""A `qm check` that stays: it answers the next checks of the same config without starting again.

`qm check --stay` checks once, then waits. Each later `qm check` of the same config file, run by the
same user on this computer, hands its arguments, working folder and environment to the waiting check
over a Unix socket and prints the answer. The same code runs on the same files, so the answer is the
one the command would give by itself, only without a new Python importing Jinja2, PyYAML and qm's
modules (for editors who check after every change). When nothing answers (no check waits, it left,
it died, it was busy for too long), the command checks by itself: the waiting check is never needed.

The waiting check leaves after its idle time without a question, on Ctrl+C or SIGTERM, and when qm's
code changed since it started (it would answer with the old code). It answers `qm check` of its own
config only, never a command that changes anything, and only its own user: the socket is in a folder
only that user may enter (a folder anyone else could have made is not used), and each caller's uid is
checked.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

IDLE_MINUTES = 30.0  # without a question, the waiting check leaves
LIMIT = 4 << 20  # bytes of one question or answer
ASK_TIMEOUT = 600.0  # seconds a command waits for the answer before it checks by itself
SOCKET_PATH_MAX = 104  # bytes a Unix socket's path may take (108 on Linux, 104 on macOS), with its NUL
NOT_HANDED = frozenset({"--stay", "--no-cache", "-h", "--help"})  # these always run where they are typed
_serving = False  # inside the waiting check: its own checks never ask it


def socket_path(config: str | os.PathLike[str], cwd: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Where the waiting check of `config` listens; None where there are no Unix sockets."""
    if not hasattr(os, "getuid"):
        return None
    import hashlib

    real = os.path.realpath(os.path.join(cwd, config)).encode("utf-8", "surrogateescape")
    base = environ.get("XDG_RUNTIME_DIR") or environ.get("TMPDIR") or "/tmp"
    name = Path(f"qm-{os.getuid()}") / f"check-{hashlib.sha256(real).hexdigest()[:16]}.sock"
    if len(os.fsencode(Path(base) / name)) >= SOCKET_PATH_MAX:
        base = "/tmp"  # a folder too deep to hold a socket: every asker computes the same fallback
    return Path(base) / name


def private(folder: Path) -> bool:
    """True if `folder` is a real folder of this user that nobody else may enter."""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077 == 0


def config_argument(argv: list[str]) -> str:
    """The config file `argv` names (the last -c wins, as in the parser), else QM_CONFIG's, else config.yaml.
    Only a guess of which check to ask: the waiting check parses the arguments itself."""
    found = os.environ.get("QM_CONFIG", "config.yaml")
    for i, arg in enumerate(argv):
        if arg in ("-c", "--config") and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--config="):
            found = arg.partition("=")[2]
        elif arg.startswith("-c") and len(arg) > 2 and not arg.startswith("--"):
            found = arg[2:]
    return found


def ask(argv: list[str], command: str | None) -> int | None:
    """The waiting check's answer to `qm <argv>`, printed, and its exit code; None: check here."""
    if _serving or command != "check" or NOT_HANDED & set(argv):
        return None
    cwd = os.getcwd()
    path = socket_path(config_argument(argv), cwd)
    if path is None or not path.exists() or not private(path.parent):
        return None
    import json
    import socket

    question = {"argv": argv, "cwd": cwd, "env": dict(os.environ)}
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(str(path))
            conn.settimeout(ASK_TIMEOUT)
            answer = json.loads(exchange(conn, json.dumps(question).encode()))
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get("code"), int):
        return None  # the waiting check declined: another config, or it is leaving
    sys.stdout.write(str(answer.get("stdout", "")))
    sys.stderr.write(str(answer.get("stderr", "")))
    return int(answer["code"])


def exchange(conn: Any, message: bytes) -> bytes:
    """Send `message` whole, then read the other side's whole message (each ends when its writer stops writing)."""
    conn.sendall(message)
    conn.shutdown(1)  # SHUT_WR: the other side reads to the end
    return read_all(conn)


def read_all(conn: Any) -> bytes:
    chunks, size = [], 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > LIMIT:
            raise ValueError("message too long")
    return b"".join(chunks)


def serving(on: bool) -> None:
    global _serving
    _serving = on
