"""Admins' account changes on both databases: a queue database from before them gains the columns and the log
with its accounts kept, and two admins demoting each other at once leave one admin (PostgreSQL locks the rows)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from scheduler.publishing.db import open_db
from scheduler.publishing.migrations import LATEST, migrate
from scheduler.publishing.tables import schema_version, users
from scheduler.support.errors import InputError
from scheduler.web.accounts import Accounts
from tests.pg_server import PgServer

PASSWORD = "correct-horse-battery"


def _url(kind: str, tmp_path: Any, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'q.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.create_database())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_older_database_keeps_its_accounts_and_gains_the_admins_log(kind: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    engine = open_db(_url(kind, tmp_path, request))
    Accounts(engine).add("王科长", "admin", PASSWORD, time.time())
    with engine.begin() as conn:  # as version 15 left it: no log, no last sign-in, no temporary passwords
        conn.exec_driver_sql("DROP TABLE account_log")
        conn.exec_driver_sql("ALTER TABLE users DROP COLUMN last_login")
        conn.exec_driver_sql("ALTER TABLE users DROP COLUMN must_change")
        conn.execute(schema_version.update().values(version=15))
    assert migrate(engine) == LATEST
    accounts = Accounts(engine)
    chief = accounts.get("王科长")
    assert chief is not None and chief.last_login is None and not chief.must_change
    accounts.add("李编辑", "editor", PASSWORD, time.time(), by="王科长（web）", temporary=True)
    assert [(r.who, r.name, r.action) for r in accounts.history()] == [("王科长（web）", "李编辑", "add")]
    with pytest.raises(InputError, match="最后一个启用的管理员"):
        accounts.set_disabled("王科长", True, time.time(), by="王科长（web）")
    accounts.set_disabled("王科长", True, time.time())  # a terminal may: it is the way back in
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_admins_demoting_each_other_at_once_leave_one(kind: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    """The overlap is forced: the first demotion is held right after its UPDATE until the second has counted the admins
    (or, on PostgreSQL, waits for the first's row locks), so a count taken before the change would let both through."""
    engine = open_db(_url(kind, tmp_path, request))
    accounts = Accounts(engine)
    for name in ("王科长", "钱科长"):
        accounts.add(name, "admin", PASSWORD, time.time())
    first_updated, second_read, refused = threading.Event(), threading.Event(), []

    def second_waits(conn: Any) -> bool:  # PostgreSQL: the second's SELECT ... FOR UPDATE waits for the first's locks
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        return kind == "postgresql" and conn.exec_driver_sql(query).scalar() > 0

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        who, verb = threading.current_thread().name, statement.lstrip().split()[0].upper()
        if who == "second" and verb == "SELECT" and "WHERE users.role" in statement:  # the admins, not the user's row
            second_read.set()
        if who == "first" and verb == "UPDATE" and "users" in statement and not first_updated.is_set():
            first_updated.set()
            with engine.connect() as watcher:
                for _ in range(200):
                    if second_read.wait(0.05) or second_waits(watcher):
                        return
            raise AssertionError("the second demotion never reached the admins")

    sa.event.listen(engine, "after_cursor_execute", hold)

    def demote(name: str, by: str) -> None:
        if threading.current_thread().name == "second":
            first_updated.wait(10)
        for _ in range(5):  # SQLite may answer "locked" to the second writer: the console tries again (`retrying`)
            try:
                accounts.set_role(name, "editor", time.time(), by=by)
                return
            except InputError:
                refused.append(name)
                return
            except sa.exc.OperationalError:
                time.sleep(0.1)

    pairs = {"first": ("王科长", "钱科长"), "second": ("钱科长", "王科长")}
    both = [threading.Thread(target=demote, args=pair, name=who) for who, pair in pairs.items()]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    sa.event.remove(engine, "after_cursor_execute", hold)
    with engine.connect() as conn:
        roles = sorted(conn.execute(sa.select(users.c.role)).scalars())
    assert second_read.is_set() and roles == ["admin", "editor"] and refused == ["钱科长"]
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_terminals_changes_are_logged_under_its_name(kind: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    engine = open_db(_url(kind, tmp_path, request))
    terminal = Accounts(engine, terminal="终端（zhang）")
    terminal.add("王科长", "admin", PASSWORD, 1.0)
    terminal.set_role("王科长", "editor", 2.0)  # a terminal may leave no admin: it is the way back in
    terminal.set_password("王科长", PASSWORD + "2", 3.0)
    longest = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"  # an address the console records, as long as any
    terminal.record(terminal.terminal, longest, "unlock-address", 4.0)
    Accounts(engine).set_disabled("王科长", True, 5.0)  # no terminal named (the tests' own set-up): no log
    assert [(r.who, r.name, r.action, r.detail) for r in reversed(terminal.history())] == [
        ("终端（zhang）", "王科长", "add", "管理员"),
        ("终端（zhang）", "王科长", "role", "管理员 → 编辑"),
        ("终端（zhang）", "王科长", "password", "在终端设置"),
        ("终端（zhang）", longest, "unlock-address", ""),
    ]
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_unlocked_address_longer_than_a_name_is_logged_cut_to_the_column(
    kind: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    """An IPv6 address with its zone can be longer than an account name: PostgreSQL refused the log's row after the
    lock was lifted (a 500 page, the change not logged)."""
    from scheduler.publishing.tables import account_log

    engine = open_db(_url(kind, tmp_path, request))
    address = "fe80::ffff:ffff:ffff:ffff%wlp0s20f0u1u2u3"
    Accounts(engine).record("王科长（web）", address, "unlock-address", time.time())
    with engine.connect() as conn:
        assert conn.execute(sa.select(account_log.c.name)).scalar_one() == address[:40]
