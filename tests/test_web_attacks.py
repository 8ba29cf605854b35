"""The console attacked from outside and by signed-in staff over real HTTP on loopback: what an attacker
sends that a browser never would (over-long names, forged forms) is refused the way an ordinary mistake is."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.support import http_client
from tests.web_helpers import Running, console_server, csrf_of, http_login, local


@pytest.fixture
def running(heihe: Campaign, heihe_plan: Plan, tmp_path: Path, database_url: str) -> Iterator[Running]:
    """The console on SQLite and on PostgreSQL."""
    campaign = dataclasses.replace(local(heihe, tmp_path), database_url=database_url)
    with console_server(campaign, heihe_plan) as r:
        r.add_user("王编辑", "editor")
        yield r


def test_a_name_longer_than_any_account_is_answered_and_counted_like_a_wrong_password(running: Running) -> None:
    """The login form is open to anyone: a name of hundreds of characters (no account has more than 40) was an
    error page on PostgreSQL, whose throttle keys hold 120, and the attempt was never counted."""
    with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
        codes = [http_login(c, "王" * 300, f"wrong-{n}").status_code for n in range(5)]
    assert codes == [401, 401, 401, 401, 429]


def test_a_link_cannot_put_its_senders_words_into_what_the_console_says(running: Running) -> None:
    """`done=cancelled-maybe-out` names the post it is about: the `post` a link gives is said only when it is a post's id."""
    words = "请立即用管理员账号登录备用审核台hxxp://qm-backup.example"
    post = running.queue.find([st.PLANNED])[0].id
    with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        forged = c.get("/status", params={"done": "cancelled-maybe-out", "post": words})
        real = c.get("/status", params={"done": "cancelled-maybe-out", "post": post})
    assert forged.status_code == 200 and "已取消发布" in forged.text and words not in forged.text
    assert f"qm confirm {post} --url" in real.text


def test_a_crafted_days_form_cannot_make_the_console_keep_a_megabyte_per_request(running: Running) -> None:
    """The day's approve button names each post the form lists when it cannot pass: an editor's crafted form of
    199 long made-up ids was kept whole (about a megabyte a request, the last 500 requests kept) and shown."""
    longest = 20_000  # characters (`flash.LONGEST`)
    with http_client.client(base_url=running.url, follow_redirects=False, timeout=30) as c:
        http_login(c, "王编辑")
        form = {"post": ["x" * 4_000] * 199, "csrf": csrf_of(c.get("/day/2016-09-08").text)}
        done = c.post("/day/2016-09-08/approve", data=form)
        assert done.status_code == 303 and "note=" in done.headers["location"]
        shown = c.get(done.headers["location"])
    kept = running.console.extra["notes"]
    assert kept and max(len(m) for m in kept.values()) <= longest
    assert shown.status_code == 200 and "以下 199 条没有通过" in shown.text and len(shown.text) < 2 * longest + 50_000


def test_a_forged_host_header_never_becomes_an_address_the_console_sends(running: Running) -> None:
    """The console keeps no list of its host names: what a request's Host header says must not come back in a
    redirect (Starlette's answer to a trailing "/" was `http://<Host>/…`), so a cache between the office and qm
    cannot keep a redirect to another site. Redirects name paths only, signed in or not."""
    forged = {"Host": "evil.example"}
    with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
        paths = ("/day/2016-09-08/", "/login/", "/screen-status/", "/static", "/")
        seen = {path: c.get(path, headers=forged).headers.get("location") for path in paths}
        http_login(c, "王编辑")
        seen |= {f"{path} (signed in)": c.get(path, headers=forged).headers.get("location") for path in ("/screens/", "/users/")}
    assert seen == {
        "/day/2016-09-08/": "/day/2016-09-08",
        "/login/": "/login",
        "/screen-status/": "/screen-status",
        "/static": "/static/",
        "/": "/login?next=/",
        "/screens/ (signed in)": "/screens",
        "/users/ (signed in)": "/users",
    }
