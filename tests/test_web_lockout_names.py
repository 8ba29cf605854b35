"""Locking out after wrong passwords must not tell which account names exist: a name nobody has is
answered exactly as a real account, attempt by attempt, and the lock holds for both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.support import http_client
from tests.web_helpers import Running, console_server, http_login, local


@pytest.fixture
def running(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path), heihe_plan) as r:
        r.add_user("王编辑", "editor")
        yield r


def answers(r: Running, name: str, tries: int = 7) -> list[tuple[int, str]]:
    """What the login form says to `tries` wrong passwords for `name`: the status and the message, the name left
    out. Two names tried 7 times each stay under the address's limit (20), so only the per-name lock answers."""
    said = []
    with http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        for n in range(tries):
            page = http_login(c, name, f"wrong-password-{n}")
            found = re.search(r'<p class="error"[^>]*>(.*?)</p>', page.text, re.S)
            said.append((page.status_code, found.group(1).replace(name, "某人") if found else ""))
    return said


def test_an_unknown_name_is_locked_out_like_a_real_account(running: Running) -> None:
    real, unknown = answers(running, "王编辑"), answers(running, "王编緝")  # one character off: a guess
    assert real == unknown
    assert real[4][0] == 429 and "登录失败次数过多" in real[4][1]
    assert all(status == 429 for status, _ in real[4:])


def test_a_locked_unknown_name_stays_locked_with_any_password(running: Running) -> None:
    answers(running, "没有这人", 5)
    with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
        again = http_login(c, "没有这人", "another-password")
    assert again.status_code == 429 and "登录失败次数过多" in again.text
