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
from tests.web_helpers import BEFORE, Running, console_server, http_login, local


@pytest.fixture
def running(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[Running]:
    with console_server(local(heihe, tmp_path), heihe_plan) as r:
        r.console.clock = BEFORE.timestamp  # what the page says does not hang on the minute the test runs in
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


def test_the_last_tries_before_a_lock_are_counted_down_and_the_lock_says_until_when(running: Running) -> None:
    """Wrong passwords 3 and 4 say how many are left; the 5th says the lock holds until 06:15 (the clock stands at
    06:00). The same words for a name nobody has (`test_an_unknown_name_is_locked_out_like_a_real_account`)."""
    said = [message for _, message in answers(running, "王编辑", 5)]
    assert "再输错" not in said[0] and "再输错" not in said[1]
    assert "再输错 2 次，这个用户名将暂停登录 15 分钟" in said[2], said[2]
    assert "再输错 1 次，这个用户名将暂停登录 15 分钟" in said[3], said[3]
    assert "登录失败次数过多，请 15 分钟后（06:15 以后）再试。" in said[4], said[4]
    assert [m for _, m in answers(running, "没有这人", 5)] == said  # nothing tells the names apart
