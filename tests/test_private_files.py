"""The queue database and its backups hold the console's password hashes, its sessions and the queue: readable by
the account running qm alone (600) whatever the umask, and tightened, said once, when an earlier qm left them open."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.publishing import backup
from scheduler.publishing.db import open_db
from scheduler.publishing.tables import users

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    was = os.umask(0o022)  # the usual umask, under which a new file is readable by everyone
    yield
    os.umask(was)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write(db: Path) -> None:
    """Open the database as qm does and write a row (the -wal and -shm files appear)."""
    engine = open_db(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(users.insert().values(name="王", role="admin", password="x", created=0.0, changed=0.0))
            assert (db.parent / f"{db.name}-wal").exists() and (db.parent / f"{db.name}-shm").exists()
            assert {_mode(db.parent / f"{db.name}{end}") for end in ("", "-wal", "-shm")} == {0o600}
    finally:
        engine.dispose()


def test_a_new_database_is_readable_by_its_owner_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state" / "qm.sqlite3"
    _write(db)
    assert _mode(db) == 0o600
    assert capsys.readouterr().err == ""  # nothing to say about a file qm made itself


def test_a_database_an_earlier_qm_left_readable_is_tightened_and_that_is_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "qm.sqlite3"
    _write(db)
    engine = sa.create_engine(f"sqlite:///{db}")  # held open: the -wal and -shm files stay, as beside a running daemon
    with engine.connect() as conn:
        conn.execute(sa.text("PRAGMA journal_mode=WAL"))
        conn.execute(sa.text("SELECT count(*) FROM users"))
        for end in ("", "-wal", "-shm"):
            os.chmod(f"{db}{end}", 0o644)  # as an earlier qm made them
        open_db(f"sqlite:///{db}").dispose()
        assert {_mode(Path(f"{db}{end}")) for end in ("", "-wal", "-shm")} == {0o600}
        err = capsys.readouterr().err
        assert err == f"qm：注意：数据库文件 {db}、{db}-wal、{db}-shm 原来别的账号也能读，已改为只有运行 qm 的账号能读写（权限 600）\n"
        open_db(f"sqlite:///{db}").dispose()
        assert capsys.readouterr().err == ""  # said once: the files are 600 now
    engine.dispose()


def test_backups_are_readable_by_their_owner_alone_and_older_ones_are_tightened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "qm.sqlite3"
    _write(db)
    folder = backup.folder_for(db)
    first = backup.take(db, folder, now=1000.0, tz=TZ, keep=5)
    assert _mode(first) == 0o600 and _mode(folder) == 0o700
    first.chmod(0o644)  # as an earlier qm took it
    folder.chmod(0o755)  # and made the folder: its listing named every backup
    second = backup.take(db, folder, now=2000.0, tz=TZ, keep=5)
    assert _mode(first) == _mode(second) == 0o600 and _mode(folder) == 0o700
    assert f"数据库备份 {first} 原来别的账号也能读" in capsys.readouterr().err


def test_a_restored_database_is_readable_by_its_owner_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "qm.sqlite3"
    _write(db)
    taken = backup.take(db, backup.folder_for(db), now=1000.0, tz=TZ, keep=5)
    for end in ("", "-wal", "-shm"):
        Path(f"{db}{end}").unlink(missing_ok=True)  # the database lost: restored into a new file
    backup.restore(taken, db, 2000.0, lambda _channel: True)
    assert _mode(db) == 0o600
    assert capsys.readouterr().err == ""  # made 600, never readable by others for a moment


def test_the_database_a_simulation_keeps_is_readable_by_its_owner_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scheduler.simulation.figures import keep

    db = tmp_path / "run" / "qm.sqlite3"
    _write(db)
    saved = keep(db, tmp_path / "run", tmp_path / "simulate")
    assert _mode(saved) == 0o600
    open_db(f"sqlite:///{saved}").dispose()  # `qm queue --db` on it
    assert capsys.readouterr().err == ""


def test_a_file_system_without_modes_is_not_said_tightened_on_every_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On vfat or a Windows share a chmod succeeds and changes nothing: nothing was tightened, nothing is said."""
    from scheduler.support import private_files

    db = tmp_path / "qm.sqlite3"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    monkeypatch.setattr(private_files.os, "chmod", lambda path, mode: None)
    assert private_files.tighten(db) == []
