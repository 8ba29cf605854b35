"""The console reads config.yaml once: when the file changes under a running console (say, `database:` moved to
another database), every page says so and nothing is written to the database it still uses, until it is restarted.
A file saved again with the same bytes changes nothing. The real application over a real SQLite queue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.config import load_campaign
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.support import http_client
from tests.conftest import run_qm
from tests.web_helpers import Running, console_server, csrf_of, http_login, today_config

BANNER = "已修改（文件时间 "
RESTART = "请重启 qm web"
REAL_CLOCK = True  # its campaign runs on the real time (today_config): no rehearsal clock (conftest)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Running, Path]]:
    """The console started on a config that reads its sensitive words from a file, its queue filled by `qm queue`."""
    config = today_config(tmp_path, 3)
    (tmp_path / "words.txt").write_text("内部资料\n", encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8") + "lint:\n  sensitive_words_file: words.txt\n", encoding="utf-8")
    filled = run_qm("queue", "-c", config)
    assert filled.returncode == 0, filled.stderr
    with console_server(load_campaign(config)) as running:
        running.add_user("王编辑", "editor")
        running.add_user("李科长", "reviewer")
        yield running, config


def _client(r: Running) -> httpx.Client:
    return http_client.client(base_url=r.url, follow_redirects=False, timeout=10)


def _recorded(r: Running, post: str) -> tuple[str, int, int]:
    """What the console's database holds about a post: its state, stage passes and history entries."""
    found = r.queue.get(post)
    assert found is not None
    return found.state, len(review.passes(r.queue, post, found.version)), len(r.queue.history(post))


def test_a_changed_database_in_the_config_shows_on_every_page_and_nothing_is_written(started: tuple[Running, Path]) -> None:
    running, config = started
    first, second = (p.id for p in running.queue.find([st.PLANNED])[:2])
    day = running.console.campaign.start  # the one-day campaign
    original = config.read_bytes()
    with _client(running) as editor, _client(running) as chief:
        http_login(editor, "王编辑")
        http_login(chief, "李科长")
        page = editor.get(f"/post/{first}").text
        assert RESTART not in page
        token, version = csrf_of(page), running.queue.get(first).version  # type: ignore[union-attr]
        before = {p: _recorded(running, p) for p in (first, second)}

        config.write_bytes(original + b'database: "sqlite:///moved.sqlite3"\n')  # the standby section's switch, by hand
        for path in ("/", f"/post/{first}", "/status"):
            shown = editor.get(path)
            assert shown.status_code == 200 and f"config.yaml {BANNER}" in shown.text and RESTART in shown.text
            assert f"数据库 sqlite:///{running.console.campaign.paths.state / 'qm.sqlite3'}" in shown.text  # the one it still uses
        attempts = [
            editor.post(f"/post/{first}/approve", data={"csrf": token, "version": version, "stage": "初审"}),
            chief.post(f"/post/{second}/reject", data={"csrf": csrf_of(chief.get("/").text), "reason": "错别字"}),
            editor.post(f"/day/{day}/approve", data={"csrf": token, "post": [f"{first} {version} 初审"]}),
        ]
        pages = [f"/post/{first}", f"/post/{second}", f"/day/{day}"]  # each refusal shown on its form's page
        for refused, page_path in zip(attempts, pages, strict=True):
            assert refused.status_code == 303 and refused.headers["location"].startswith(f"{page_path}?note=")
            said = editor.get(refused.headers["location"]) if page_path != pages[1] else chief.get(refused.headers["location"])
            assert said.status_code == 200 and "操作没有执行" in said.text and RESTART in said.text
            assert said.text.count(RESTART) == 1  # the reason, not the reason and the banner
        assert {p: _recorded(running, p) for p in (first, second)} == before
        assert not (config.parent / "moved.sqlite3").exists()
        assert editor.post("/logout", data={"csrf": token}).status_code == 303  # signing out still works

        config.write_bytes(original)  # changed back: the console works again
        assert RESTART not in chief.get("/").text
        passed = chief.post(f"/post/{first}/approve", data={"csrf": csrf_of(chief.get("/").text), "version": version, "stage": "初审"})
        assert passed.status_code == 303 and _recorded(running, first)[1] == before[first][1] + 1


def test_a_changed_words_file_the_config_reads_is_a_change_too(started: tuple[Running, Path]) -> None:
    running, config = started
    with _client(running) as editor:
        http_login(editor, "王编辑")
        (config.parent / "words.txt").write_text("内部资料\n绝密\n", encoding="utf-8")
        assert f"words.txt {BANNER}" in editor.get("/").text


def test_a_config_saved_again_unchanged_changes_nothing(started: tuple[Running, Path]) -> None:
    running, config = started
    post = running.queue.find([st.PLANNED])[0].id
    stat = config.stat()
    config.write_bytes(config.read_bytes())  # saved again by an editor
    os.utime(config, ns=(stat.st_atime_ns, stat.st_mtime_ns + 60 * 10**9))  # and touched a minute later
    assert config.stat().st_mtime_ns != stat.st_mtime_ns
    with _client(running) as editor:
        http_login(editor, "王编辑")
        page = editor.get(f"/post/{post}").text
        assert RESTART not in page
        before = _recorded(running, post)
        version = running.queue.get(post).version  # type: ignore[union-attr]
        assert editor.post(f"/post/{post}/approve", data={"csrf": csrf_of(page), "version": version, "stage": "初审"}).status_code == 303
        assert _recorded(running, post)[1] == before[1] + 1
        config.write_text(config.read_text(encoding="utf-8").replace("grace_minutes: 120", "grace_minutes: 90"), encoding="utf-8")
        assert RESTART in editor.get("/").text  # the same check, on a real change


def test_during_a_rehearsal_the_banner_says_the_change_time_is_the_computers_real_time(tmp_path: Path) -> None:
    """The file's time is real, the console's clock the rehearsal's: the banner says which it is, with its date."""
    import datetime as dt

    from scheduler.web.config_watch import Change, banner

    campaign = load_campaign(today_config(tmp_path, 3))
    saved = dt.datetime(2026, 11, 30, 8, 2, tzinfo=campaign.timezone).timestamp()
    rehearsal = dt.datetime(2027, 9, 7, 8, 0, tzinfo=campaign.timezone).timestamp()
    said = banner(Change(tmp_path / "config.yaml", saved), campaign, rehearsal)
    assert said.startswith("config.yaml 已修改（文件时间 2026-11-30 08:02，电脑的真实时间，不是演练时钟），"), said
