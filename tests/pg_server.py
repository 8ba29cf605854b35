"""A throwaway PostgreSQL server for the tests, from the operating system's own binaries.

`initdb` + `pg_ctl` in a temporary folder, listening only on a unix socket in that folder (no TCP
port to collide with). PostgreSQL refuses to run as root, so when the tests run as root (as CI
does) the server runs as the unprivileged `nobody` user, which owns the folder. Each test gets
its own database, dropped afterwards with every connection to it.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa

UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/<version>/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgServer:
    def __init__(self, root: Path, bindir: Path) -> None:
        self.root = root
        self.bindir = bindir
        self.data = root / "data"
        self.socket = root / "socket"
        self._names = itertools.count(1)
        self._admin: sa.Engine | None = None

    def _as_server_user(self, *args: str | Path) -> list[str]:
        cmd = [str(a) for a in args]
        if os.geteuid() != 0:
            return cmd
        user = pwd.getpwnam(UNPRIVILEGED)
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *cmd]

    def start(self) -> None:
        self.socket.mkdir(parents=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED)
            for path in (self.root, self.socket):
                os.chown(path, user.pw_uid, user.pw_gid)
        env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(self.root)}
        run = {"check": True, "capture_output": True, "env": env, "cwd": self.root}
        subprocess.run(
            self._as_server_user(self.bindir / "initdb", "-D", self.data, "-U", "qm", "--auth=trust", "-E", "UTF8", "--no-sync"), **run
        )
        options = f"-k {self.socket} -c listen_addresses='' -c fsync=off -c max_connections=400 -c shared_buffers=16MB"
        subprocess.run(
            self._as_server_user(
                self.bindir / "pg_ctl", "start", "-w", "-t", "60", "-D", self.data, "-l", self.root / "server.log", "-o", options
            ),
            **run,
        )
        self._admin = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.dispose()
        subprocess.run(
            self._as_server_user(self.bindir / "pg_ctl", "stop", "-m", "immediate", "-D", self.data), capture_output=True, cwd=self.root
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://qm@/{database}?host={self.socket}"

    def create_database(self) -> str:
        assert self._admin is not None
        name = f"qm_test_{next(self._names)}"
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return name

    def add_role(self, name: str, password: str = "") -> None:
        """A login role without rights of its own; with a password it must give it (scram) to log in
        (a line ahead of the others in pg_hba.conf), while every other role stays trusted."""
        import psycopg

        assert self._admin is not None
        if password:
            hba = self.data / "pg_hba.conf"
            hba.write_text(f"local all {name} scram-sha-256\n" + hba.read_text(encoding="utf-8"), encoding="utf-8")
        with self._admin.connect() as conn:
            conn.execute(sa.text(f"CREATE ROLE {name} LOGIN" + (f" PASSWORD '{password}'" if password else "")))
            conn.execute(sa.text("SELECT pg_reload_conf()"))
        deadline = time.monotonic() + 30
        while password and time.monotonic() < deadline:  # the server reads pg_hba.conf again soon after
            try:
                psycopg.connect(host=str(self.socket), user=name, dbname="postgres").close()
            except psycopg.OperationalError:
                return
            time.sleep(0.05)

    def drop_database(self, name: str) -> None:
        assert self._admin is not None
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
