"""The console beside a running `qm daemon` on one SQLite database, as an office runs them.

The campaign is today, with Weibo slots a little in the past (inside their grace window): a post the
daemon sees approved is published at its next sweep (every 15 s). Two people pass the two stages in
Chromium and the daemon publishes to the outbox; many approvals over HTTP while the daemon publishes
meet no "database is locked" and lose no update.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.publishing import states as st
from scheduler.support import http_client
from tests.browser_helpers import ARGS, CHROMIUM, need_chromium, sync_api
from tests.web_helpers import Running, console_server, csrf_of, http_login, login, today_config

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

need_chromium()
SLOTS = 12
STAGE_OF = {"王编辑": "初审", "李科长": "终审"}  # the stage each person passes (today_config's two stages)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, subprocess.Popen[str], Path]]:
    folder = tmp_path_factory.mktemp("live")
    config = today_config(folder, SLOTS)
    log = (folder / "daemon.err").open("w", encoding="utf-8")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "daemon", "-c", str(config)], cwd=folder, stdout=log, stderr=log, text=True
    )
    campaign = load_campaign(config)
    try:
        with console_server(campaign) as running:
            _wait(lambda: len(running.queue.find()) == SLOTS, 90, "the daemon fills the queue")
            running.add_user("王编辑", "editor")
            running.add_user("李科长", "reviewer")
            yield running, daemon, folder
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
        log.close()


def _wait(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.2)


def _outbox(folder: Path, post_id: str) -> Path:
    return folder / "state" / "outbox" / "weibo" / post_id / "payload.json"


def test_two_people_pass_the_two_stages_in_the_browser_and_the_running_daemon_publishes(
    live: tuple[Running, subprocess.Popen[str], Path],
) -> None:
    running, daemon, folder = live
    post = running.queue.find()[0]
    day = post.when(running.console.campaign.timezone).date()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for name, stage in (("王编辑", "初审"), ("李科长", "终审")):
                context = browser.new_context(viewport={"width": 375, "height": 800})
                page = context.new_page()
                login(page, running.url, name)
                page.goto(f"{running.url}/day/{day}")
                page.locator(f"article[id='post-{post.id}'] button:has-text('通过{stage}')").click()
                page.wait_for_load_state()
                assert f"已通过{stage}" in page.inner_text("main") or "审核完成" in page.inner_text("main")
                context.close()
        finally:
            browser.close()
    _wait(lambda: _outbox(folder, post.id).exists(), 120, "the daemon writes the post to the outbox")
    _wait(lambda: running.queue.get(post.id).state == st.PUBLISHED, 30, "the post is published")  # type: ignore[union-attr]
    assert daemon.poll() is None
    who = [(e.who, e.to_state) for e in running.queue.history(post.id)]
    assert ("王编辑（web）", st.PLANNED) in who and ("李科长（web）", st.APPROVED) in who and who[-1][1] == st.PUBLISHED


def test_approvals_while_the_daemon_publishes_meet_no_lock_and_lose_nothing(live: tuple[Running, subprocess.Popen[str], Path]) -> None:
    running, daemon, folder = live
    posts = [p.id for p in running.queue.find([st.PLANNED])]
    assert len(posts) >= SLOTS - 2
    answers: list[tuple[int, str]] = []

    def review_as(name: str, ids: list[str]) -> None:
        with http_client.client(base_url=running.url, timeout=30) as c:
            http_login(c, name)
            for post_id in ids:
                page = c.get(f"/post/{post_id}")
                version = running.queue.get(post_id).version  # type: ignore[union-attr]
                form = {"csrf": csrf_of(page.text), "version": version, "stage": STAGE_OF[name]}
                answer = c.post(f"/post/{post_id}/approve", data=form, follow_redirects=False)
                answers.append((answer.status_code, answer.text))

    # Two editors' sessions pass the first stage of every post at once, then two reviewers' the second.
    for name in ("王编辑", "李科长"):
        threads = [threading.Thread(target=review_as, args=(name, posts[half::2])) for half in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert [code for code, _ in answers] == [303] * (2 * len(posts)), [text[:300] for code, text in answers if code != 303]
    assert not any("locked" in text for _, text in answers)
    _wait(lambda: all(running.queue.get(i).state == st.PUBLISHED for i in posts), 180, "the daemon publishes every post")  # type: ignore[union-attr]
    for post_id in posts:
        history = running.queue.history(post_id)
        assert [e.to_state for e in history].count(st.PUBLISHED) == 1
        assert any(e.who == "王编辑（web）" for e in history) and any(e.who == "李科长（web）" for e in history)
        assert _outbox(folder, post_id).exists()
    errors = (folder / "daemon.err").read_text(encoding="utf-8")
    assert "locked" not in errors and "Traceback" not in errors
    assert daemon.poll() is None
