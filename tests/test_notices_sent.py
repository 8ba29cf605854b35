"""Notices sent once: two processes sharing a database claim one notice key, exactly one of them sends it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from scheduler.publishing import notices_sent
from scheduler.publishing.db import open_db
from scheduler.publishing.tables import notices


def test_two_processes_claiming_one_notice_at_once_send_it_once(tmp_path: Path, database_url: str) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'qm.sqlite3'}"
    engines = [open_db(url), open_db(url)]  # as two daemons (or a daemon and a command) would
    start = threading.Barrier(len(engines))
    won: list[bool] = []

    def claim(engine_index: int) -> None:
        with engines[engine_index].begin() as conn:
            start.wait(10)
            won.append(notices_sent.claim(conn, "quota:20160902-wechat-2000:201609022000", 100.0 + engine_index))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(engines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won) == [False, True]
    with engines[0].connect() as conn:
        assert notices_sent.sent(conn, ["quota:20160902-wechat-2000:201609022000", "token:weibo:2016-09-02"]) == {
            "quota:20160902-wechat-2000:201609022000"
        }
        assert len(conn.execute(notices.select()).all()) == 1
    for engine in engines:
        engine.dispose()


def test_a_notice_whose_sending_fails_is_not_recorded_and_goes_out_at_the_next_try(tmp_path: Path, database_url: str) -> None:
    engine = open_db(database_url or f"sqlite:///{tmp_path / 'qm.sqlite3'}")
    key = "units-missing:plan:2016-09-10"

    def unreachable() -> bool:
        raise ConnectionError("webhook unreachable")

    with pytest.raises(ConnectionError):
        notices_sent.send_once(engine, [key], 1.0, unreachable)
    assert notices_sent.send_once(engine, [key, "unit:plan:爱辉区:2016-09-10"], 2.0, lambda: False) is False  # refused
    assert notices_sent.send_once(engine, [key], 3.0, lambda: True) is True
    assert notices_sent.send_once(engine, [key], 4.0, lambda: True) is None  # sent: not again
    with engine.connect() as conn:
        assert conn.execute(notices.select()).all() == [(key, 3.0)]
    engine.dispose()


def test_a_recorded_mark_is_one_row_holding_the_latest_time(tmp_path: Path, database_url: str) -> None:
    engine = open_db(database_url or f"sqlite:///{tmp_path / 'qm.sqlite3'}")
    for at in (5.0, 7.0):
        with engine.begin() as conn:
            notices_sent.record(conn, "backup:taken", at)
    with engine.connect() as conn:
        assert conn.execute(notices.select()).all() == [("backup:taken", 7.0)]
        assert not notices_sent.claim(conn, "backup:taken", 9.0)  # a recorded key counts as sent
    engine.dispose()


def test_a_standing_problem_is_one_row_told_when_new_or_changed_and_cleared_once(tmp_path: Path, database_url: str) -> None:
    engine = open_db(database_url or f"sqlite:///{tmp_path / 'qm.sqlite3'}")
    broken, other = (notices_sent.standing_key("ahead-problem", text) for text in ("a.md:8：超过 20 字", "a.md:3：缺少冒号"))
    told = []
    for key in (broken, broken, other, broken):
        with engine.begin() as conn:
            told.append(notices_sent.stand(conn, "ahead-problem", key, 1.0))
    assert told == [True, False, True, True]  # a problem that comes back after another is told again
    with engine.begin() as conn:
        notices_sent.claim(conn, "ahead-problem-x:1", 1.0)  # another topic starting with the same letters stays
        assert notices_sent.standing(conn, "ahead-problem") == {broken}
        assert [notices_sent.clear(conn, "ahead-problem") for _ in range(2)] == [True, False]
        assert notices_sent.standing(conn, "ahead-problem") == set()
        assert notices_sent.sent(conn, ["ahead-problem-x:1"]) == {"ahead-problem-x:1"}
    engine.dispose()
