"""Debian's Chromium driven by Playwright, for the screen player's and the console's tests.

CI installs everything: there a missing browser or Playwright is a failure, not a skip.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

IN_CI = bool(os.environ.get("CI"))
if IN_CI:
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # without these, Chromium waits on a network that is not there
    "--disable-component-update",
    "--disable-sync",
]


def need_chromium() -> None:
    """Skip the calling test module when Chromium is missing outside CI."""
    if not CHROMIUM.exists() and not IN_CI:
        pytest.skip("需要 Chromium（apt-get install chromium），.ci/run 会自动安装", allow_module_level=True)


@contextmanager
def chromium(width: int = 960, height: int = 540) -> Iterator[Any]:
    """A browser context with a fresh profile; pages opened in it share cookies."""
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS, viewport={"width": width, "height": height}
        )
        try:
            yield context
        finally:
            context.close()
