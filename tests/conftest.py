from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.campaign import Campaign
from scheduler.clock import FakeClock
from scheduler.config import load_campaign
from scheduler.content import Library, load_library
from scheduler.planner import Plan, make_plan

from . import channel_helpers

ROOT = Path(__file__).resolve().parent.parent
HEIHE = ROOT / "examples" / "heihe-2016" / "config.yaml"
DEFAULT = ROOT / "config.yaml"


@pytest.fixture(scope="session")
def heihe() -> Campaign:
    return load_campaign(HEIHE)


@pytest.fixture(scope="session")
def library(heihe: Campaign) -> Library:
    return load_library(heihe.paths.content)


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


def run_qm(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
