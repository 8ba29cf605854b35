from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.runtime.clock import FakeClock

from . import channel_helpers, warm_qm
from .pg_server import PgServer, binaries

ROOT = Path(__file__).resolve().parent.parent
HEIHE = ROOT / "examples" / "heihe-2016" / "config.yaml"
DEFAULT = ROOT / "config.yaml"
# Two review stages, each for its own console role: appended to a config by the tests of staged review.
TWO_STAGES = """review:
  stages:
    - {name: 初审, role: editor}
    - {name: 终审, role: reviewer}
"""


# The files with the longest tests (a failover simulation, simulate through the fake platforms, print
# preflight, the work summary, the poster audit), slowest first: collected in name order they came last,
# and one worker went on alone with a long test at the end while the other had nothing left to do.
SLOW_FIRST = (
    "test_lease.py",
    "test_daemon_cli.py",
    "test_print.py",
    "test_report.py",
    "test_poster_rules.py",
    "test_queue_stages.py",
    "test_drawable.py",
    "test_channels_e2e.py",
    "test_web_live.py",
    "test_versions.py",
    "test_web_pages.py",
    "test_print_choice.py",
)


# The rehearsal clock (QM_NOW) every test's commands and console read: a morning before the bundled
# September 2027 campaign, so no test depends on the date it runs. A module whose daemon or
# campaign runs on the real time (`web_helpers.today_config`) sets REAL_CLOCK = True.
PINNED_NOW = "2027-06-01T09:00:00+08:00"


@pytest.fixture(scope="module", autouse=True)
def rehearsal_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Module-wide, so the module's own fixtures (a console, a daemon) see it too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        if getattr(request.module, "REAL_CLOCK", False):
            monkeypatch.delenv("QM_NOW", raising=False)
        else:
            monkeypatch.setenv("QM_NOW", PINNED_NOW)
        yield


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rehearsal clock for one test of a REAL_CLOCK module that runs only commands on the bundled campaign
    (no daemon): they must not depend on the date the suite runs, before, during or after September 2027."""
    monkeypatch.setenv("QM_NOW", PINNED_NOW)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files' tests first, each file's in its own order; the others as collected."""
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def heihe() -> Campaign:
    return load_campaign(HEIHE)


@pytest.fixture(scope="session")
def library(heihe: Campaign) -> Library:
    return load_library(heihe.paths.content, heihe.text_values)


@pytest.fixture(scope="session")
def heihe_plan(heihe: Campaign, library: Library) -> Plan:
    return make_plan(heihe, library)


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """A copy of the project's config, content and templates in tmp_path; returns the config path.

    `edit` rewrites the config text (str -> str) so a test can break exactly one thing.
    """

    def make(edit: Callable[[str], str] | None = None, config: Path = DEFAULT) -> Path:
        for name in ("content", "templates"):
            if not (tmp_path / name).exists():
                shutil.copytree(ROOT / name, tmp_path / name)
        text = config.read_text(encoding="utf-8")
        text = text.replace("../../content", "content").replace("../../templates", "templates")
        target = tmp_path / "config.yaml"
        target.write_text(edit(text) if edit else text, encoding="utf-8")
        return target

    return make


# -- the database: every database test runs on SQLite and on a throwaway PostgreSQL server ------------


def calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, arg: int) -> list[Any]:
    """The positional argument `arg` of every call of `owner.name` from now on (the real function still runs)."""
    seen: list[Any] = []
    real = getattr(owner, name)

    def recorded(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[arg])
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return seen


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources of the YAML texts PyYAML parsed in-process (the others came from the parsed-YAML cache)."""
    from scheduler.inputs import located_yaml

    return calls(monkeypatch, located_yaml, "parse_text", 1)  # parse_text(text, source, line_offset)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = binaries()
    if bindir is None:
        message = "没有找到 PostgreSQL 服务器程序（Debian: apt-get install postgresql）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="qm-pg-"))  # under /tmp: the server's unprivileged user must reach it
    server = PgServer(root, bindir)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"PostgreSQL did not start: {exc.stderr!r}\n{server.log()}")
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "" (the campaign's default SQLite file under its state folder) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield ""
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def pg_engine(pg_server: PgServer) -> Iterator[Any]:
    """An engine on a fresh PostgreSQL database (migrated), dropped afterwards."""
    from scheduler.publishing.db import open_db

    name = pg_server.create_database()
    engine = open_db(pg_server.url(name))
    yield engine
    engine.dispose()
    pg_server.drop_database(name)


# -- channels against fake platform servers: a test module sets PLATFORM = "wechat" | "weibo" --------


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> FakeClock:
    return FakeClock(channel_helpers.STARTS[request.module.PLATFORM])


@pytest.fixture
def server(request: pytest.FixtureRequest, clock: FakeClock) -> Iterator[Any]:
    with channel_helpers.running(channel_helpers.fake_server(request.module.PLATFORM, clock)) as started:
        yield started


@pytest.fixture
def campaign(request: pytest.FixtureRequest, heihe: Campaign, tmp_path: Path, server: Any) -> Campaign:
    """The example campaign with state and posters under tmp_path, its PLATFORM channel on the fake server."""
    return channel_helpers.with_api(channel_helpers.local(heihe, tmp_path), **{request.module.PLATFORM: server.url})


def unused_port() -> int:
    """A free port for a server a test starts in another process, below the range the system hands out for
    outgoing connections (32768 and up), so no other test's connection takes it between this check and the start."""
    while True:
        port = random.randint(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def run_qm(
    *args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh process, as a user would (`input_text` on its standard input).

    The process is forked from a server that has imported qm already (`warm_qm`), unless another thread's
    run holds it."""
    argv = [str(a) for a in args]
    done = warm_qm.SERVER.run(argv, cwd, env, input_text)
    if done is not None:
        return done
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        input=input_text,
        timeout=120,
    )


@pytest.fixture(autouse=True)
def _qm_logging_left_by_a_command() -> Iterator[None]:
    """A command run in this process (`qm daemon`, `qm web`) sets qm's logging up on the root logger, writing to a
    stream the test's capture closes afterwards: a later test's warning (`logs.warn`) then went to that closed stream
    ("Logging error") instead of its line on stderr. The handlers a test's command added are removed after it."""
    import logging

    from scheduler.support.logs import RedactingFilter

    root = logging.getLogger()
    before = set(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in before and any(isinstance(f, RedactingFilter) for f in h.filters)]:
        root.removeHandler(handler)
        handler.close()
