"""The console's accounts, sessions, CSRF, throttling and staged review over real HTTP on loopback."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign, ReviewConfig
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import TransitionError
from scheduler.publishing.tables import login_failures, web_sessions
from scheduler.support import http_client
from scheduler.support.errors import InputError
from scheduler.web.accounts import Accounts, check_name, hash_password, password_matches
from tests.conftest import HEIHE, ROOT, run_qm
from tests.web_helpers import PASSWORD, Running, console_server, csrf_of, http_login, local

DAY = "2016-09-08"


@pytest.fixture
def running(heihe: Campaign, heihe_plan: Plan, tmp_path: Path, database_url: str) -> Iterator[Running]:
    """The console on SQLite and on PostgreSQL."""
    campaign = dataclasses.replace(local(heihe, tmp_path), database_url=database_url)
    with console_server(campaign, heihe_plan) as r:
        r.add_user("王编辑", "editor")
        r.add_user("李科长", "reviewer")
        yield r


def client(r: Running) -> httpx.Client:
    return http_client.client(base_url=r.url, follow_redirects=False, timeout=10)


def first_post(r: Running) -> str:
    start = dt.datetime.fromisoformat(f"{DAY}T00:00:00+08:00").timestamp()
    return r.queue.find([st.PLANNED], start, start + 86400)[0].id


def test_passwords_are_scrypt_hashes_checked_in_full() -> None:
    stored = hash_password("一个足够长的密码abc")
    assert stored.startswith("scrypt$16384$8$1$") and "一个" not in stored
    assert password_matches("一个足够长的密码abc", stored)
    assert not password_matches("一个足够长的密码abd", stored)
    assert not password_matches("一个足够长的密码abc", "garbage")


def test_pages_need_a_session_and_login_sets_a_strict_cookie(running: Running) -> None:
    with client(running) as c:
        response = c.get(f"/day/{DAY}")
        assert response.status_code == 303 and response.headers["location"] == f"/login?next=/day/{DAY}"
        assert http_login(c, "王编辑", "wrong password").status_code == 401
        response = http_login(c, "王编辑")
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "qm_session=" in cookie
        page = c.get(f"/day/{DAY}")
        assert page.status_code == 200 and "王编辑（编辑）" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        # the database keeps only a digest of the cookie
        token = c.cookies["qm_session"]
        with running.console.engine.connect() as conn:
            stored = conn.execute(sa.select(web_sessions.c.token_hash)).scalars().all()
        assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(running: Running) -> None:
    post = first_post(running)
    with client(running) as c:
        http_login(c, "李科长")
        for data in ({}, {"csrf": "forged"}):
            response = c.post(f"/post/{post}/reject", data={"reason": "标题有误", **data})
            assert response.status_code == 403 and "安全令牌" in response.text
        assert running.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
        token = csrf_of(c.get(f"/post/{post}").text)
        response = c.post(f"/post/{post}/reject", data={"reason": "标题有误", "csrf": token})
        assert response.status_code == 303
    assert running.queue.get(post).state == st.REJECTED  # type: ignore[union-attr]
    assert running.queue.history(post)[-1].who == "李科长（web）"


def test_an_empty_form_is_refused_as_empty_and_only_an_over_long_one_as_too_large(running: Running) -> None:
    """A POST with no body (a reload, a tool) is told it is empty, not that it is too large; nothing changes."""
    post = first_post(running)
    with client(running) as c:
        http_login(c, "李科长")
        bare = c.build_request("POST", f"/post/{post}/approve")
        del bare.headers["content-length"]  # as `curl -X POST` sends it
        for empty in (c.post(f"/post/{post}/approve", headers={"content-length": "0"}), c.send(bare)):
            assert empty.status_code == 400 and "表单是空的" in empty.text and "页面上" in empty.text
        chunked = c.post(f"/post/{post}/approve", content=iter([b"csrf=x"]))  # no Content-Length: sent in chunks
        assert chunked.status_code == 411 and "缺少长度" in chunked.text
        huge = c.post(f"/post/{post}/approve", content=b"x" * (1024 * 1024 + 1))
        assert huge.status_code == 413 and "表单太大" in huge.text
    assert running.queue.get(post).state == st.PLANNED  # type: ignore[union-attr]


def test_the_login_page_says_the_first_account_is_an_admin(running: Running) -> None:
    """Only an admin adds accounts: with none yet, the first is made with --role admin (an editor could add nobody)."""
    with client(running) as c:
        hint = c.get("/login").text
    assert "还没有任何账号时，先用 <code>qm user add 用户名 --role admin</code> 创建第一个管理员" in hint, hint


def test_the_login_form_needs_its_token_too(running: Running) -> None:
    with client(running) as c:
        response = c.post("/login", data={"name": "王编辑", "password": PASSWORD, "csrf": "x", "next": "/"})
    assert response.status_code == 403 and "qm_session" not in response.headers.get("set-cookie", "")


def test_the_login_form_is_refused_unread_when_it_is_too_large_or_gives_no_length(running: Running) -> None:
    """Anyone may post to /login: a form far larger than a name and a password is refused before it is read."""
    with client(running) as c:
        token = csrf_of(c.get("/login").text)
        huge = c.post("/login", data={"name": "王编辑", "password": "x" * (20 * 1024), "csrf": token, "next": "/"})
        assert huge.status_code == 413 and "上限 16 KB" in huge.text and "qm_session" not in huge.headers.get("set-cookie", "")
        chunked = c.post("/login", content=iter([b"name=x&password=y&csrf=" + token.encode()]))  # sent in chunks, no length
        assert chunked.status_code == 411
        assert http_login(c, "王编辑").status_code == 303  # an ordinary sign-in is as before


def test_five_wrong_passwords_throttle_even_the_right_one(running: Running) -> None:
    with client(running) as c:
        codes = [http_login(c, "王编辑", f"wrong-{n}").status_code for n in range(5)]
        assert codes == [401, 401, 401, 401, 429]
        refused = http_login(c, "王编辑")
        assert refused.status_code == 429 and "登录失败次数过多" in refused.text
        assert "qm_session" not in refused.headers.get("set-cookie", "")
        assert http_login(c, "李科长").status_code == 303  # the others at the same address are not locked out


def test_many_names_tried_from_one_address_throttle_the_address(running: Running) -> None:
    with client(running) as c:
        codes = [http_login(c, f"猜测{n}", "wrong").status_code for n in range(20)]
        assert codes[:19] == [401] * 19 and codes[19] == 429
        assert http_login(c, "李科长").status_code == 429


def _logins_at_once(r: Running, attempts: list[tuple[str, str]]) -> list[int]:
    """Each (name, password) signed in from its own browser, all forms sent at the same moment."""
    start = threading.Barrier(len(attempts))

    def attempt(name: str, password: str) -> int:
        with client(r) as c:
            token = csrf_of(c.get("/login").text)
            start.wait()
            return c.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"}).status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(lambda a: attempt(*a), attempts))


def _recorded_failures(r: Running, key: str) -> int:
    with r.console.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(login_failures.c.key == key)).scalar_one())


def test_logins_sent_at_once_get_no_more_password_checks_than_the_limits(running: Running) -> None:
    """Every wrong password checked is recorded (rows by address, which a right one does not clear): 29 wrong guesses
    sent all at once get 5 checks for the name, and then the right password is refused too; 30 names get 20 for the address."""
    codes = _logins_at_once(running, [("王编辑", f"guess-{n}") for n in range(29)])
    assert _recorded_failures(running, "addr:127.0.0.1") == 5 and codes.count(429) >= 25 and set(codes) <= {401, 429}, codes
    with client(running) as c:
        assert http_login(c, "王编辑").status_code == 429  # then the right one: locked out like the guesses
    with running.console.engine.begin() as conn:
        conn.execute(login_failures.delete())
    codes = _logins_at_once(running, [(f"猜测{n}", "wrong") for n in range(30)])
    assert _recorded_failures(running, "addr:127.0.0.1") == 20 and codes.count(429) >= 10 and set(codes) <= {401, 429}, codes


def test_idle_sessions_expire(running: Running) -> None:
    with client(running) as c:
        http_login(c, "王编辑")
        assert c.get("/").status_code == 200
        then = running.console.now()  # the console's clock: the rehearsal clock the tests pin
        running.console.clock = lambda: then + 31 * 60
        assert c.get("/").status_code == 303


def test_a_disabled_account_is_signed_out_at_once(running: Running) -> None:
    with client(running) as c:
        http_login(c, "王编辑")
        Accounts(running.console.engine).set_disabled("王编辑", True, running.console.now())
        assert c.get("/").status_code == 303
        assert http_login(c, "王编辑").status_code == 401


def test_two_stages_by_two_people_approve_and_one_person_cannot_pass_both(running: Running) -> None:
    post = first_post(running)
    queue, rules = running.queue, running.console.campaign.review
    with client(running) as editor, client(running) as chief:
        http_login(editor, "王编辑")
        http_login(chief, "李科长")
        page = editor.get(f"/post/{post}").text
        assert "通过初审" in page
        version = queue.get(post).version  # type: ignore[union-attr]
        assert editor.post(f"/post/{post}/approve", data={"csrf": csrf_of(page), "version": version, "stage": "初审"}).status_code == 303
        assert queue.get(post).state == st.PLANNED  # type: ignore[union-attr]
        # the editor may not pass the final stage (role), and neither may the same person (rule)
        page = editor.get(f"/post/{post}").text
        refused = editor.post(f"/post/{post}/approve", data={"csrf": csrf_of(page), "version": version, "stage": "终审"})
        assert refused.status_code == 303 and "终审需要审核人或更高的角色" in editor.get(refused.headers["location"]).text
        with pytest.raises(TransitionError, match="同一人不能再通过终审"):
            review.pass_stage(queue, post, "王编辑", time.time(), rules, role="admin")
        page = chief.get(f"/post/{post}").text
        assert chief.post(f"/post/{post}/approve", data={"csrf": csrf_of(page), "version": version, "stage": "终审"}).status_code == 303
    approved = queue.get(post)
    assert approved is not None and approved.state == st.APPROVED and approved.approved_by == "王编辑、李科长"
    whys = [(e.who, e.why) for e in queue.history(post)[-2:]]
    assert whys == [("王编辑（web）", f"初审通过（版本 {version}）"), ("李科长（web）", f"终审通过，审核完成（版本 {version}）")]


def test_a_refused_bulk_approval_redirects_so_a_reload_submits_nothing(running: Running) -> None:
    """Post/redirect/get: the day page says which posts did not pass and why, and reloading it (a GET)
    approves nothing again. The words are kept for the session, never written into the address."""
    start = dt.datetime.fromisoformat(f"{DAY}T00:00:00+08:00").timestamp()
    first, second = (p.id for p in running.queue.find([st.PLANNED], start, start + 86400)[:2])
    review.pass_stage(running.queue, first, "王编辑", time.time(), running.console.campaign.review)  # 初审 passed already
    with client(running) as editor, client(running) as chief:
        http_login(editor, "王编辑")
        token = csrf_of(editor.get(f"/day/{DAY}").text)
        listed = [f"{p} {running.queue.get(p).version} {stage}" for p, stage in ((first, "终审"), (second, "初审"))]  # type: ignore[union-attr]
        assert editor.post(f"/day/{DAY}/approve", data={"post": listed}).status_code == 403  # CSRF still checked
        answer = editor.post(f"/day/{DAY}/approve", data={"csrf": token, "post": listed})
        assert answer.status_code == 303
        target = answer.headers["location"]
        assert target.startswith(f"/day/{DAY}?note=") and "终审" not in unquote(target)
        passed = len(running.queue.history(second))
        for _ in range(2):  # the page, then a reload
            page = editor.get(target)
            assert page.status_code == 200
            assert f"通过了 1 条；以下 1 条没有通过：{first}：终审需要审核人或更高的角色" in page.text
        assert len(running.queue.history(second)) == passed  # the reload passed nothing
        http_login(chief, "李科长")
        assert "没有通过" not in chief.get(target).text  # another session's note shows nothing
        assert "没有通过" not in editor.get(f"/day/{DAY}?note=forged").text


def test_an_approval_of_a_version_that_changed_since_is_refused(running: Running) -> None:
    post = first_post(running)
    with pytest.raises(TransitionError, match="修改过"):
        review.pass_stage(running.queue, post, "王编辑", time.time(), running.console.campaign.review, version="0000")


def test_reject_at_the_second_stage_clears_the_first_and_says_where(running: Running) -> None:
    post = first_post(running)
    queue, rules = running.queue, running.console.campaign.review
    review.pass_stage(queue, post, "王编辑", time.time(), rules)
    assert review.reject(queue, post, "李科长", "图片不清楚", time.time(), rules) == "终审"
    rejected = queue.get(post)
    assert rejected is not None and rejected.state == st.REJECTED and rejected.last_error == "终审退回：图片不清楚（李科长）"
    assert review.passes(queue, post, rejected.version) == []
    with pytest.raises(TransitionError, match="退回后内容没有改动，不能通过"):  # the same words: not without overruling
        review.pass_stage(queue, post, "王编辑", time.time(), rules)
    assert review.pass_stage(queue, post, "王编辑", time.time(), rules, overrule=True) is not None  # again from the first stage
    assert queue.get(post).state == st.PLANNED  # type: ignore[union-attr]


def test_one_stage_by_default_approves_at_once(running: Running) -> None:
    post = first_post(running)
    assert review.approve(running.queue, post, "张科长", time.time(), ReviewConfig()) is True
    assert running.queue.get(post).state == st.APPROVED  # type: ignore[union-attr]


def test_user_commands(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = HEIHE.read_text(encoding="utf-8").replace("../../", f"{ROOT}/").replace("  state: .qm", f"  state: {tmp_path / 'state'}")
    config.write_text(text, encoding="utf-8")
    added = run_qm("user", "add", "王科长", "--role", "admin", "-c", config, input_text="a-long-password\n")
    assert added.returncode == 0, added.stderr
    again = run_qm("user", "add", "王科长", "--role", "admin", "-c", config, input_text="a-long-password\n")
    assert again.returncode == 2 and "已存在" in again.stderr
    short = run_qm("user", "add", "李", "--role", "editor", "-c", config, input_text="short\n")
    assert short.returncode == 2 and "密码太短" in short.stderr and "Traceback" not in short.stderr
    bad_role = run_qm("user", "add", "李", "--role", "boss", "-c", config, input_text="a-long-password\n")
    assert bad_role.returncode == 2
    assert run_qm("user", "disable", "王科长", "-c", config).returncode == 0
    listed = run_qm("user", "list", "-c", config)
    assert "王科长  管理员（admin）  已停用" in listed.stdout
    assert run_qm("user", "disable", "nobody", "-c", config).returncode == 2


def test_accounts_refuse_bad_names() -> None:
    with pytest.raises(InputError, match="不能含空格"):
        check_name("王 科长")


def test_the_month_tells_a_post_past_its_first_stage_from_one_nobody_reviewed_yet(running: Running) -> None:
    """In staged review the 终审 reviewer looks for the posts the 初审 passed: their dots differ, with a legend
    entry and a tooltip naming the stage passed."""
    post = first_post(running)
    review.pass_stage(running.queue, post, "王编辑", time.time(), running.console.campaign.review)
    with client(running) as chief:
        http_login(chief, "李科长")
        month = chief.get("/month/2016-09").text
    assert month.count('<span class="dot s-partly" title=') == 1
    assert re.search(r'<span class="dot s-partly" title="\d\d:\d\d 已通过初审，等待下一阶段：', month)
    assert '<span class="dot s-partly"></span>部分阶段已通过' in month and '<span class="dot s-planned"></span>' in month
