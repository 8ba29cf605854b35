"""The 账号 page's forms that give someone a way in (adding an account, a temporary password, admin rights) take the
admin's own password as well, counted as a login's; what `qm user` changes in a terminal is on the page's log under
the terminal's name; locked addresses are listed with a button that lifts them; a generated password waits in memory
for one read and ten minutes at most. The real console on loopback over a real SQLite queue, driven as a browser
would and as an attacker holding a stolen admin session would."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.web import flash
from scheduler.web.accounts import password_matches
from scheduler.web.sessions import Throttle
from tests.conftest import run_qm
from tests.test_user_admin_web import NEW, SHOWN_RE, logged, login_status, post, signed_in, staffed, stored
from tests.test_web_unlock import config_in
from tests.web_helpers import PASSWORD, Running, console_server, csrf_of, local

WRONG = "not-the-admins-password"
FORMS = (  # (path, fields): each would give someone a way in
    ("/users/add", {"name": "钱新人", "role": "admin", "password": NEW, "password2": NEW}),
    ("/users/add", {"name": "孙新人", "role": "editor", "generate": "1"}),
    ("/users/password", {"name": "李编辑", "password": NEW, "password2": NEW}),
    ("/users/password", {"name": "李编辑", "generate": "1"}),
    ("/users/role", {"name": "李编辑", "role": "admin"}),
)


@pytest.fixture
def console(heihe: Campaign, tmp_path: Path) -> Iterator[Running]:
    with staffed(heihe, tmp_path) as r:
        yield r


def untouched(r: Running) -> None:
    """Nothing the forms would change has changed, and nothing was logged."""
    editor = stored(r, "李编辑")
    assert editor.role == "editor" and not editor.must_change and password_matches(PASSWORD, editor.password)
    assert r.console.accounts.get("钱新人") is None and r.console.accounts.get("孙新人") is None and logged(r) == []


def test_a_session_alone_cannot_add_reset_or_promote(console: Running) -> None:
    with signed_in(console, "王科长") as admin:
        form = admin.get("/users").text
        assert form.count('name="mine"') == 1 + 3 + 2  # the add form, each account's reset form, each non-admin's role form
        for path, fields in FORMS:
            for mine in ({}, {"mine": ""}, {"mine": WRONG}, {"mine": PASSWORD + " "}):
                said = admin.get(post(admin, path, **fields, **mine).headers["location"]).text
                refused = "你自己的密码不对" if mine.get("mine") else "请在“你的密码”里输入你登录用的密码"  # empty: no guess
                assert refused in said and SHOWN_RE.search(said) is None, (path, mine)
            assert Throttle(console.console.engine).tries(console.console.now()) == {"王科长": 2}
            token = csrf_of(admin.get("/users").text)
            assert admin.post(path, data={**fields, "mine": PASSWORD}).status_code == 403  # the token is still asked
            assert admin.post(path, data={**fields, "mine": PASSWORD, "csrf": token[:-1]}).status_code == 403
            Throttle(console.console.engine).release("王科长")  # two wrong each: kept below the locks here
            Throttle(console.console.engine).release_address("127.0.0.1")
        untouched(console)
        demoted = admin.get(post(admin, "/users/role", name="赵审核", role="editor").headers["location"]).text
        assert "角色已改为编辑" in demoted  # taking rights away asks no password
        same = admin.get(post(admin, "/users/role", name="王科长", role="admin").headers["location"]).text
        assert "已经是管理员，什么也没有改" in same  # an admin's own row has no password field: nothing is given
        for path, fields in FORMS[:1] + FORMS[2:3] + FORMS[4:]:
            said = admin.get(post(admin, path, **fields, mine=PASSWORD).headers["location"]).text
            assert "你自己的密码不对" not in said and ("已添加" in said or "已重设" in said or "已改为管理员" in said), path
    assert stored(console, "李编辑").role == "admin" and password_matches(NEW, stored(console, "李编辑").password)
    assert Throttle(console.console.engine).tries(console.console.now()) == {}  # the right password cleared the name's
    assert [x[2] for x in logged(console)] == ["role", "add", "password", "role"]


def test_wrong_own_passwords_lock_the_admin_as_wrong_logins_do(console: Running) -> None:
    with signed_in(console, "王科长") as admin:
        said = [admin.get(post(admin, FORMS[n][0], **FORMS[n][1], mine=f"guess-{n}").headers["location"]).text for n in range(5)]
        assert "分钟后再试" not in said[3] and "你自己的密码不对" in said[4] and "分钟后再试" in said[4]
        refused = admin.get(post(admin, FORMS[2][0], **FORMS[2][1], mine=PASSWORD).headers["location"]).text  # right, but locked
        assert "分钟后再试" in refused and "你自己的密码不对" not in refused  # the password was never checked
        assert login_status(console, "王科长") == 429  # the login form refuses the name too
        # the session whose guesses put the lock on cannot lift it, even with the right password (a stolen one would
        # guess on without end)
        own = admin.get(post(admin, "/users/unlock", name="王科长", mine=PASSWORD).headers["location"]).text
        assert "没有解除 王科长 的登录锁定" in own and "分钟后再试" in own and "另一位管理员" in own
    untouched(console)
    assert Throttle(console.console.engine).tries(console.console.now()) == {"王科长": 5}


def test_the_terminals_changes_are_on_the_page_under_its_name(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    env = {**os.environ, "LOGNAME": "zhang"}
    done = [
        run_qm("user", "add", "王科长", "--role", "admin", "-c", config, env=env, input_text=f"{PASSWORD}\n"),
        run_qm("user", "add", "李编辑", "--role", "editor", "-c", config, env=env, input_text=f"{PASSWORD}\n"),
        run_qm("user", "passwd", "李编辑", "-c", config, env=env, input_text=f"{NEW}\n"),
        run_qm("user", "role", "李编辑", "reviewer", "-c", config, env=env),
        run_qm("user", "disable", "李编辑", "-c", config, env=env),
        run_qm("user", "enable", "李编辑", "-c", config, env=env),
    ]
    assert all(d.returncode == 0 for d in done), [d.stderr for d in done]
    with console_server(local(load_campaign(config), tmp_path)) as r:
        for n in range(20):
            Throttle(r.console.engine).reserve(f"nobody{n}" if n else "李编辑", "203.0.113.5", r.console.now())
        for _ in range(4):
            Throttle(r.console.engine).reserve("李编辑", "10.0.0.9", r.console.now())
        unlocked = [
            run_qm("user", "unlock", "李编辑", "-c", config, env=env),
            run_qm("user", "unlock", "--address", "203.0.113.5", "-c", config, env=env),
        ]
        assert all(d.returncode == 0 and "已解除" in d.stdout for d in unlocked), [d.stdout for d in unlocked]
        run_qm("user", "unlock", "李编辑", "-c", config, env=env)  # nothing to lift: nothing logged
        assert [(who, name, what) for who, name, what, _ in logged(r)] == [
            ("终端（zhang）", "王科长", "add"),
            ("终端（zhang）", "李编辑", "add"),
            ("终端（zhang）", "李编辑", "password"),
            ("终端（zhang）", "李编辑", "role"),
            ("终端（zhang）", "李编辑", "disable"),
            ("终端（zhang）", "李编辑", "enable"),
            ("终端（zhang）", "李编辑", "unlock"),
            ("终端（zhang）", "203.0.113.5", "unlock-address"),
        ]
        with signed_in(r, "王科长") as admin:
            page = admin.get("/users").text
    history = page[page.index('id="account-log"') :]
    for words in ("终端（zhang）", "添加账号", "在终端设置", "编辑 → 审核人", "停用", "解除锁定", "解除地址锁定", "203.0.113.5"):
        assert words in history, words


def test_locked_addresses_are_listed_and_an_admin_lifts_one(console: Running) -> None:
    throttle, now = Throttle(console.console.engine), console.console.now()
    for n in range(20):
        throttle.reserve(f"nobody{n}", "203.0.113.5", now)
        throttle.reserve(f"other{n}", "2001:db8::7", now)
    with signed_in(console, "王科长") as admin, signed_in(console, "赵审核") as reviewer:
        page = admin.get("/users").text
        listed = page[page.index('id="locked-addresses"') : page.index('id="add-user"')]
        assert "203.0.113.5" in listed and "2001:db8::7" in listed and listed.count("解除这个地址的锁定") == 2
        assert "锁定到" in listed
        token = csrf_of(reviewer.get("/").text)
        assert reviewer.post("/users/unlock-address", data={"csrf": token, "address": "203.0.113.5"}).status_code == 303
        assert admin.post("/users/unlock-address", data={"address": "203.0.113.5"}).status_code == 403  # no token
        assert len(throttle.locked(now)["addr"]) == 2 and logged(console) == []
        for mine in ({}, {"mine": WRONG}):  # a stolen session lifts no lock its guesses put on an address
            refused = admin.get(post(admin, "/users/unlock-address", address="203.0.113.5", **mine).headers["location"]).text
            assert "没有解除地址 203.0.113.5 的登录锁定" in refused, mine
        assert len(throttle.locked(now)["addr"]) == 2 and logged(console) == []
        said = admin.get(post(admin, "/users/unlock-address", address="::ffff:203.0.113.5", mine=PASSWORD).headers["location"]).text
        assert "已解除地址 203.0.113.5 的登录锁定" in said
        again = admin.get(post(admin, "/users/unlock-address", address="203.0.113.5", mine=PASSWORD).headers["location"]).text
        assert "现在没有锁定，不需要解除" in again
        listed = again[again.index('id="locked-addresses"') : again.index('id="add-user"')]
        assert "203.0.113.5" not in listed and "2001:db8::7" in listed
    assert [a for a, _ in throttle.locked(now)["addr"]] == ["2001:db8::7"]
    assert logged(console) == [("王科长（web）", "203.0.113.5", "unlock-address", "")]


def test_a_generated_password_is_forgotten_once_read(console: Running) -> None:
    kept = console.console.extra
    with signed_in(console, "王科长") as admin:
        answer = post(admin, "/users/password", name="李编辑", generate="1", mine=PASSWORD)
        assert len(kept["secrets"]) == 1
        assert SHOWN_RE.search(admin.get(answer.headers["location"]).text)
        assert len(kept["secrets"]) == 0  # gone from the console's memory, not only from the page
        assert "临时密码不再显示" in admin.get(answer.headers["location"]).text


def test_a_generated_password_nobody_reads_is_gone_after_its_time(console: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flash, "SECRET_LASTS", 0.5)  # ten minutes in use
    kept = console.console.extra
    with signed_in(console, "王科长") as admin:
        answer = post(admin, "/users/add", name="钱新人", role="editor", generate="1", mine=PASSWORD)
        assert len(kept["secrets"]) == 1
        for _ in range(50):  # no request asks for it: the console forgets it on its own
            if not kept["secrets"]:
                break
            time.sleep(0.1)
        assert len(kept["secrets"]) == 0
        page = admin.get(answer.headers["location"]).text
        assert SHOWN_RE.search(page) is None and "临时密码不再显示" in page and "已添加账号 钱新人" in page
    assert stored(console, "钱新人").must_change


def test_the_login_page_names_the_accounts_page_for_a_locked_address(heihe: Campaign, tmp_path: Path) -> None:
    with console_server(local(heihe, tmp_path)) as r, httpx.Client(base_url=r.url) as client:
        r.add_user("王科长", "admin")
        for n in range(20):
            Throttle(r.console.engine).reserve(f"nobody{n}", "127.0.0.1", r.console.now())
        said = client.post("/login", data={"name": "王科长", "password": PASSWORD, "csrf": csrf_of(client.get("/login").text)})
        assert said.status_code == 429 and "从别的网络登录的管理员在审核台的“账号”页面解除" in said.text


def test_a_session_alone_cannot_lift_a_name_lock_or_enable_an_account(console: Running) -> None:
    """Else a stolen admin session would guess another account's password at the login page, lift the lock its wrong
    guesses put on that name, and guess on without end; or bring back a disabled account whose password it knows."""
    throttle = Throttle(console.console.engine)
    for _ in range(5):
        throttle.reserve("赵审核", "10.0.0.9", console.console.now())
    console.console.accounts.set_disabled("李编辑", True, console.console.now())
    with signed_in(console, "王科长") as admin:
        for path, fields in (("/users/unlock", {"name": "赵审核"}), ("/users/enable", {"name": "李编辑"})):
            for mine in ({}, {"mine": WRONG}):
                said = admin.get(post(admin, path, **fields, **mine).headers["location"]).text
                assert "没有解除" in said or "没有启用" in said, (path, mine)
        assert login_status(console, "赵审核") == 429 and stored(console, "李编辑").disabled
        throttle.release("王科长")
        assert "已解除 赵审核 的登录锁定" in admin.get(post(admin, "/users/unlock", name="赵审核", mine=PASSWORD).headers["location"]).text
        assert "已启用账号 李编辑" in admin.get(post(admin, "/users/enable", name="李编辑", mine=PASSWORD).headers["location"]).text
    assert not stored(console, "李编辑").disabled and login_status(console, "赵审核") == 303
