"""The console's 账号 page (admins only): the real application on loopback over a real SQLite queue, driven as a
browser would (login form, CSRF tokens), and as an attacker would (another role, no token, a foreign token,
the last admin demoting themselves, markup in a user name)."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.publishing.tables import account_log, users
from scheduler.web.accounts import Accounts, password_matches
from scheduler.web.sessions import Sessions, Throttle
from tests.conftest import HEIHE, ROOT, run_qm
from tests.web_helpers import PASSWORD, Running, console_server, csrf_of, http_login, local

NEW = "another-long-secret-1"
SHOWN_RE = re.compile(r'<code class="password">([^<]+)</code>')


@contextmanager
def staffed(campaign: Campaign, tmp_path: Path) -> Iterator[Running]:
    """The console over `campaign` with an admin 王科长, an editor 李编辑 and a reviewer 赵审核."""
    with console_server(local(campaign, tmp_path)) as r:
        r.add_user("王科长", "admin")
        r.add_user("李编辑", "editor")
        r.add_user("赵审核", "reviewer")
        yield r


@pytest.fixture
def console(heihe: Campaign, tmp_path: Path) -> Iterator[Running]:
    with staffed(heihe, tmp_path) as r:
        yield r


@contextmanager
def signed_in(r: Running, name: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=r.url) as client:
        answer = http_login(client, name, password)
        assert answer.status_code == 303, answer.text
        yield client


def login_status(r: Running, name: str, password: str = PASSWORD) -> int:
    """What the login form answers a fresh browser (303: signed in; 401: refused; 429: locked out)."""
    with httpx.Client(base_url=r.url) as client:
        return http_login(client, name, password).status_code


def post(client: httpx.Client, path: str, page: str = "/users", **fields: str) -> httpx.Response:
    """Send a form of `page` (its CSRF token) to `path`."""
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **fields})


def stored(r: Running, name: str) -> sa.Row[object]:
    with r.console.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    assert row is not None
    return row


def logged(r: Running) -> list[tuple[str, str, str, str]]:
    with r.console.engine.connect() as conn:
        return [(x.who, x.name, x.action, x.detail) for x in conn.execute(sa.select(account_log).order_by(account_log.c.id))]


def test_the_page_lists_every_account_for_an_admin_and_is_linked_for_admins_only(console: Running) -> None:
    with signed_in(console, "王科长") as admin, signed_in(console, "李编辑") as editor:
        Throttle(console.console.engine).reserve("李编辑", "10.0.0.9", console.console.now())  # one wrong password since
        page = admin.get("/users").text
        for words in ("王科长", "李编辑", "赵审核", "管理员", "审核人", "（可审核：初审）", "（可审核：初审、终审）", "从未登录", "1 次"):
            assert words in page, words
        assert re.search(r"最近登录\">20\d\d-\d\d-\d\d \d\d:\d\d", page)  # the admin's own login just now
        assert 'href="/users"' in admin.get("/").text
        assert 'href="/users"' not in editor.get("/").text


def test_everyone_but_an_admin_is_refused_in_chinese_and_nothing_changes(console: Running) -> None:
    console.add_user("钱停用", "editor")
    console.console.accounts.set_disabled("钱停用", True, console.console.now())
    Throttle(console.console.engine).reserve("李编辑", "10.0.0.9", console.console.now())  # one wrong password
    with signed_in(console, "赵审核") as reviewer:
        page = reviewer.get("/users")
        assert page.status_code == 403 and "没有权限" in page.text and "管理员" in page.text
        token = csrf_of(reviewer.get("/").text)  # a valid token of the reviewer's own session
        for path, fields in (
            ("/users/role", {"name": "赵审核", "role": "admin"}),
            ("/users/disable", {"name": "王科长"}),
            ("/users/password", {"name": "王科长", "password": NEW, "password2": NEW}),
            ("/users/add", {"name": "黑客", "role": "admin", "password": NEW, "password2": NEW}),
            ("/users/enable", {"name": "钱停用"}),
            ("/users/unlock", {"name": "李编辑"}),
        ):
            answer = reviewer.post(path, data={"csrf": token, **fields})
            assert answer.status_code == 303, path
            assert "只有管理员能用" in reviewer.get(answer.headers["location"]).text, path
    assert stored(console, "赵审核").role == "reviewer" and not stored(console, "王科长").disabled and stored(console, "钱停用").disabled
    assert Throttle(console.console.engine).tries(console.console.now()) != {}  # 李编辑's wrong password still counts
    assert password_matches(PASSWORD, stored(console, "王科长").password)
    assert console.console.accounts.get("黑客") is None and logged(console) == []


def test_a_form_without_the_session_token_changes_nothing(console: Running) -> None:
    with signed_in(console, "王科长") as admin, signed_in(console, "赵审核") as other:
        foreign = csrf_of(other.get("/").text)  # a token, but another session's
        for token in (None, "", "x" * 43, foreign):
            data = {"name": "李编辑", "role": "admin"} | ({"csrf": token} if token is not None else {})
            answer = admin.post("/users/role", data=data)
            assert answer.status_code == 403 and "安全令牌" in answer.text, token
    assert stored(console, "李编辑").role == "editor" and logged(console) == []


def test_the_last_admin_cannot_demote_or_disable_themselves(console: Running) -> None:
    with signed_in(console, "王科长") as admin:
        page = admin.get("/users").text
        assert "这是唯一启用的管理员" in page
        for path, fields in (("/users/role", {"role": "editor"}), ("/users/disable", {})):
            answer = post(admin, path, name="王科长", **fields)
            said = admin.get(answer.headers["location"]).text
            assert "最后一个启用的管理员" in said and "没有" in said, path
        assert admin.get("/users").status_code == 200  # still signed in: the session was not ended
        assert post(admin, "/users/role", name="赵审核", role="admin", mine=PASSWORD).status_code == 303
        answer = post(admin, "/users/role", name="王科长", role="editor")  # another admin now: allowed
        assert admin.get(answer.headers["location"]).headers["location"].startswith("/login")  # a new role ends the session
    assert stored(console, "王科长").role == "editor" and stored(console, "赵审核").role == "admin"
    assert [(who, name, what) for who, name, what, _ in logged(console)] == [
        ("王科长（web）", "赵审核", "role"),
        ("王科长（web）", "王科长", "role"),
    ]


def test_disabling_keeps_the_account_and_its_name_and_ends_its_sessions(console: Running) -> None:
    with signed_in(console, "王科长") as admin, signed_in(console, "李编辑") as editor:
        assert editor.get("/").status_code == 200
        said = admin.get(post(admin, "/users/disable", name="李编辑").headers["location"]).text
        assert "已停用账号 李编辑" in said and "已停用" in said
        assert editor.get("/").headers["location"].startswith("/login")
        assert login_status(console, "李编辑") == 401
        assert stored(console, "李编辑").disabled
        post(admin, "/users/enable", name="李编辑", mine=PASSWORD)
    assert not stored(console, "李编辑").disabled
    assert [x[2] for x in logged(console)] == ["disable", "enable"]


def test_an_admin_sets_a_temporary_password_that_must_be_changed_at_login(console: Running, caplog: pytest.LogCaptureFixture) -> None:
    engine = console.console.engine
    for _ in range(5):
        Throttle(engine).reserve("李编辑", "10.0.0.9", console.console.now())  # locked out
    with signed_in(console, "王科长") as admin:
        assert "锁定到" in admin.get("/users").text
        refused = post(admin, "/users/password", name="李编辑", password=NEW, password2=NEW + "x", mine=PASSWORD)
        assert "两次输入的密码不一样" in admin.get(refused.headers["location"]).text
        said = admin.get(post(admin, "/users/password", name="李编辑", password=NEW, password2=NEW, mine=PASSWORD).headers["location"]).text
        assert "已重设 李编辑 的密码" in said and NEW not in said
    row = stored(console, "李编辑")
    assert row.must_change and row.password.startswith("scrypt$16384$8$1$") and password_matches(NEW, row.password)
    assert NEW not in caplog.text and NEW not in str(logged(console))
    assert Throttle(engine).tries(console.console.now()) == {}  # the lock is lifted too
    with httpx.Client(base_url=console.url) as editor:
        http_login(editor, "李编辑", NEW)
        assert editor.get("/").headers["location"] == "/password"  # nothing else before a password of their own
        assert "临时密码" in editor.get("/password").text
        refused = post(editor, "/password", "/password", current=NEW, password=NEW, password2=NEW)
        assert "不能和现在的密码一样" in editor.get(refused.headers["location"]).text
        post(editor, "/password", "/password", current=NEW, password=PASSWORD + "2", password2=PASSWORD + "2")
        assert editor.get("/").status_code == 200  # signed in still, in a new session
    assert not stored(console, "李编辑").must_change and password_matches(PASSWORD + "2", stored(console, "李编辑").password)


def test_a_generated_password_is_shown_once_and_only_its_hash_is_kept(console: Running, caplog: pytest.LogCaptureFixture) -> None:
    with signed_in(console, "王科长") as admin:
        answer = post(admin, "/users/add", name="钱新人", role="reviewer", generate="1", mine=PASSWORD)
        assert answer.status_code == 303  # redirected: a reload of the page re-submits nothing
        page = admin.get(answer.headers["location"])
        assert page.headers["cache-control"] == "no-store"
        found = SHOWN_RE.search(page.text)
        assert found and len(found.group(1)) == 14
        shown = found.group(1)
        again = admin.get(answer.headers["location"]).text  # the same address reloaded: the password is gone
        assert shown not in again and "已添加账号 钱新人" in again and shown not in admin.get("/users").text
        reset = admin.get(post(admin, "/users/password", name="钱新人", generate="1", mine=PASSWORD).headers["location"]).text
        hashed = stored(console, "钱新人").password
        assert SHOWN_RE.search(reset) and not SHOWN_RE.search(admin.get("/users?shown=x").text)
        assert stored(console, "钱新人").password == hashed and [x[2] for x in logged(console)] == ["add", "password"]
        post(admin, "/users/password", name="钱新人", password=shown, password2=shown, mine=PASSWORD)  # back to the first one
    row = stored(console, "钱新人")
    assert row.role == "reviewer" and row.must_change and password_matches(shown, row.password)
    assert shown not in caplog.text and shown not in str(logged(console))
    with httpx.Client(base_url=console.url) as new:
        assert http_login(new, "钱新人", shown).status_code == 303


def test_a_user_name_with_markup_is_shown_as_text(console: Running) -> None:
    evil = "<script>alert(1)</script>"
    with signed_in(console, "王科长") as admin:
        refused = post(admin, "/users/add", name="<b>x</b>\n", role="editor", password=NEW, password2=NEW, mine=PASSWORD)
        assert admin.get(refused.headers["location"]).status_code == 200
        console.add_user(evil, "editor")  # a name the terminal took (no spaces or control characters)
        post(admin, "/users/unlock", name=evil, mine=PASSWORD)
        Throttle(console.console.engine).reserve(evil, "10.0.0.9", console.console.now())
        post(admin, "/users/unlock", name=evil, mine=PASSWORD)
        page = admin.get("/users").text
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unlock_lifts_a_lockout_and_is_recorded(console: Running) -> None:
    engine = console.console.engine
    for _ in range(5):
        Throttle(engine).reserve("赵审核", "10.0.0.9", console.console.now())
    assert login_status(console, "赵审核") == 429
    with signed_in(console, "王科长") as admin:
        said = admin.get(post(admin, "/users/unlock", name="赵审核", mine=PASSWORD).headers["location"]).text
        assert "已解除 赵审核 的登录锁定" in said and "解除锁定" in said  # the message, and the log's line
    assert login_status(console, "赵审核") == 303
    assert logged(console) == [("王科长（web）", "赵审核", "unlock", "")]


def test_qm_user_list_tells_the_last_login_and_a_temporary_password(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = HEIHE.read_text(encoding="utf-8").replace("../../", f"{ROOT}/").replace("  state: .qm", f"  state: {tmp_path / 'state'}")
    config.write_text(text, encoding="utf-8")
    for name in ("王科长", "李编辑"):
        assert run_qm("user", "add", name, "--role", "admin", "-c", config, input_text=f"{PASSWORD}\n").returncode == 0
    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    accounts = Accounts(engine)
    chief = accounts.get("王科长")
    assert chief is not None
    Sessions(engine, 30).start(chief, dt.datetime(2027, 6, 1, 9, 5, tzinfo=campaign.timezone).timestamp())
    accounts.set_password("李编辑", NEW, time.time(), by="王科长（web）", temporary=True)
    engine.dispose()
    listed = {line.split()[0]: line for line in run_qm("user", "list", "-c", config).stdout.splitlines()}
    assert listed["王科长"].endswith("最近登录 2027-06-01 09:05")
    assert listed["李编辑"].endswith("从未登录  待本人改密码（管理员设了临时密码）")


def test_wrong_current_passwords_on_the_password_page_count_as_wrong_logins(console: Running) -> None:
    with signed_in(console, "李编辑") as editor:
        for _ in range(5):
            refused = post(editor, "/password", "/password", current="not-my-password", password=NEW, password2=NEW)
        said = editor.get(refused.headers["location"]).text
        assert "现在的密码不对" in said and "分钟后再试" in said
        refused = post(editor, "/password", "/password", current=PASSWORD, password=NEW, password2=NEW)  # right, but locked
        said = editor.get(refused.headers["location"]).text
        assert "分钟后再试" in said and "现在的密码不对" not in said  # the lock, not a verdict on a password never checked
    assert password_matches(PASSWORD, stored(console, "李编辑").password) and login_status(console, "李编辑") == 429


def test_a_change_that_changes_nothing_keeps_the_sessions_and_writes_nothing(console: Running) -> None:
    with signed_in(console, "王科长") as admin, signed_in(console, "李编辑") as editor:
        for path, fields, words in (("/users/enable", {}, "已经是启用的"), ("/users/role", {"role": "editor"}, "已经是编辑")):
            said = admin.get(post(admin, path, name="李编辑", **fields, mine=PASSWORD).headers["location"]).text
            assert words in said and "什么也没有改" in said, path
        assert editor.get("/").status_code == 200  # still signed in
    assert logged(console) == []


def test_refusals_on_the_page_point_to_the_page_not_to_a_terminal(console: Running) -> None:
    with signed_in(console, "王科长") as admin:
        for path, fields, words in (
            ("/users/add", {"name": "李编辑", "role": "editor", "password": NEW, "password2": NEW, "mine": PASSWORD}, "“管理”中设临时密码"),
            ("/users/role", {"name": "没这个人", "role": "editor"}, "刷新账号页面"),
            ("/users/disable", {"name": "没这个人"}, "刷新账号页面"),
        ):
            said = admin.get(post(admin, path, **fields).headers["location"]).text
            assert words in said and "qm user passwd" not in said and "qm user list" not in said, path


def test_changing_ones_own_password_is_not_a_sign_in(console: Running) -> None:
    with signed_in(console, "李编辑") as editor:
        with console.console.engine.begin() as conn:  # as if signed in a day ago
            conn.execute(users.update().where(users.c.name == "李编辑").values(last_login=console.console.now() - 86400))
        before = stored(console, "李编辑").last_login
        post(editor, "/password", "/password", current=PASSWORD, password=NEW, password2=NEW)
        assert editor.get("/").status_code == 200  # still signed in, in a new session
    assert stored(console, "李编辑").last_login == before and password_matches(NEW, stored(console, "李编辑").password)
