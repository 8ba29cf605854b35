"""Broken files, paths and databases are told in Chinese with where and how to fix, exit 2, no traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import HEIHE, run_qm


def _plain(result: subprocess.CompletedProcess[str], *words: str, code: int = 2) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr
    assert result.stderr.startswith("错误："), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def _corrupt(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for at in range(4096, len(data), 512):  # keep the header page, spoil every page after it
        data[at : at + 64] = b"\xde\xad" * 32
    db.write_bytes(bytes(data))


@pytest.fixture
def corrupt_db(project: Callable[..., Path]) -> Path:
    config = project()
    assert run_qm("queue", "-c", config).returncode == 0
    db = config.parent / ".qm" / "qm.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _corrupt(db)
    return config


@pytest.mark.parametrize("command", [["queue"], ["status"], ["approve", "--date", "2027-09-08", "--by", "王科长"], ["daemon"]])
def test_a_corrupt_database_is_named_with_what_to_do(corrupt_db: Path, command: list[str]) -> None:
    result = run_qm(*command, "-c", corrupt_db)
    _plain(result, "qm.sqlite3", "已损坏，无法读取（文件内容已损坏）", "没有找到备份")
    told = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert told and not any("malformed" in line for line in told), result.stderr  # SQLite's English: the log only


def test_a_corrupt_database_points_to_its_latest_backup(corrupt_db: Path) -> None:
    backups = corrupt_db.parent / ".qm" / "backups"
    backups.mkdir()
    old, new = backups / "qm-20270901-030000.sqlite3", backups / "qm-20270907-030000.sqlite3"
    old.write_bytes(b"old")
    new.write_bytes(b"new")
    _plain(run_qm("queue", "-c", corrupt_db), "已损坏", f"最近的备份是 {new}", f"qm restore {new}")


def test_the_daemon_on_a_state_directory_it_cannot_write_says_so(project: Callable[..., Path]) -> None:
    config = project()
    state = config.parent / ".qm"
    state.mkdir()
    (state / "qm.log").mkdir()  # the log file cannot be opened (as for a read-only directory, also under root)
    _plain(run_qm("daemon", "-c", config), "qm.log", "日志")


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root; the case above covers the same path")
def test_the_daemon_on_a_read_only_state_directory_says_so(project: Callable[..., Path]) -> None:
    config = project()
    state = config.parent / ".qm"
    state.mkdir()
    state.chmod(0o555)
    try:
        _plain(run_qm("daemon", "-c", config), ".qm", "没有权限")
    finally:
        state.chmod(0o755)


def test_a_poster_layout_text_with_an_unbalanced_brace_is_named_with_its_line(project: Callable[..., Path]) -> None:
    config = project()
    layout = config.parent / "templates" / "posters" / "knowledge-card.yaml"
    text = layout.read_text(encoding="utf-8")
    assert 'text: "{title}"' in text
    layout.write_text(text.replace('text: "{title}"', 'text: "{title"', 1), encoding="utf-8")
    line = text[: text.index('text: "{title}"')].count("\n") + 1
    _plain(run_qm("check", "-c", config), f"knowledge-card.yaml:{line}", "{ 和 }")


def test_a_state_path_that_is_a_file(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace("state: .qm", "state: state-file"))
    (config.parent / "state-file").write_text("not a folder", encoding="utf-8")
    for command in ("queue", "daemon"):
        _plain(run_qm(command, "-c", config), "state-file", "是一个文件，不是目录")


@pytest.mark.parametrize("url", ["nosuch://qm:pw@x/y", "sqlite:////proc/no-such-dir/qm.sqlite3"])
def test_a_bad_database_url(project: Callable[..., Path], url: str) -> None:
    config = project(lambda t: t + f'\ndatabase: "{url}"\n')
    result = run_qm("queue", "-c", config)
    _plain(result, "数据库")
    assert ":pw@" not in result.stderr


def test_a_config_path_that_is_a_directory(tmp_path: Path) -> None:
    _plain(run_qm("check", "-c", tmp_path), str(tmp_path), "这是一个目录，不是文件")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["plan", "--format", "json", "-o", "{file}/plan.json"], "路径中有一段是文件"),
        (["plan", "--format", "json", "-o", "{dir}"], "这是一个目录，不是文件"),
        (["preview", "2016-09-08", "-o", "{file}/out"], "路径中有一段是文件"),
        (["poster", "--title", "质量月", "-o", "{file}/p.png"], "路径中有一段是文件"),
    ],
)
def test_output_to_a_path_that_cannot_be_written(tmp_path: Path, args: list[str], words: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    folder = tmp_path / "a-dir"
    folder.mkdir()
    filled = [a.format(file=blocker, dir=folder) for a in args]
    _plain(run_qm(*filled, "-c", HEIHE), words)


def test_unwritable_output_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "a-dir"
    folder.mkdir()
    run_qm("plan", "--format", "json", "-o", folder, "-c", HEIHE)
    assert list(folder.iterdir()) == []
    shutil.rmtree(folder)


def test_a_text_region_whose_min_is_above_its_max_is_named_by_the_check(project: Callable[..., Path]) -> None:
    config = project()
    layout = config.parent / "templates" / "posters" / "knowledge-card.yaml"
    text = layout.read_text(encoding="utf-8")
    layout.write_text(text.replace("max: 0.042, min: 0.026", "max: 0.042, min: 0.09", 1), encoding="utf-8")
    line = text[: text.index("max: 0.042, min: 0.026")].count("\n") + 1
    _plain(run_qm("check", "-c", config), f"knowledge-card.yaml:{line}", "min（0.09）大于 max（0.042）", "把 min 改得比 max 小")


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("99999x99999", "size 99999x99999 超出范围（每边 16–30000 像素）"),
        ("30000x30000", "size 30000x30000 太大：30000×30000 共 90000 万像素，超过了 4000 万像素的上限"),
        ("0x1080", '被 YAML 读成了数字 4224，不是像素尺寸（写作 宽x高 并加引号，如 "1920x1080"）'),
    ],
)
def test_a_screen_size_the_drawing_would_refuse_is_named_at_its_config_line(project: Callable[..., Path], written: str, said: str) -> None:
    config = project(lambda t: t.replace("      size: 1920x1080\n", f"      size: {written}\n", 1))
    line = config.read_text(encoding="utf-8").splitlines().index(f"      size: {written}") + 1
    _plain(run_qm("check", "-c", config), f"config.yaml:{line}", said)


def test_a_preview_into_a_path_through_a_file_says_it_once(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = run_qm("preview", "2027-09-08", "-o", blocker)
    _plain(result, "路径中有一段是文件，不是目录（把它换成目录，或换一个位置）")
    assert "普通文件" not in result.stderr  # the reason is not said again as the hint


def test_an_unusual_system_error_is_told_in_chinese_with_its_number() -> None:
    """The reasons qm knows have their Chinese words; any other gives its number, never the system's English."""
    import errno

    from scheduler.support.os_messages import os_reason

    assert os_reason(FileNotFoundError(errno.ENOENT, "No such file or directory")) == "文件或目录不存在"
    odd = os_reason(OSError(errno.EXDEV, "Invalid cross-device link"))
    assert odd == f"操作系统报告的错误（错误号 {errno.EXDEV}）"


@pytest.mark.parametrize(
    ("sqlite_said", "told"),
    [
        ("database is locked", "正被另一个程序占用"),
        ("unable to open database file", "打不开数据库文件"),
        ("attempt to write a readonly database", "只读"),
        ("database or disk is full", "磁盘已满"),
    ],
)
def test_sqlites_usual_troubles_are_told_in_chinese(sqlite_said: str, told: str) -> None:
    """What a locked, unopenable, read-only or full SQLite file means and what to check, without SQLite's English
    (as root, the tests cannot make a file SQLite may not open or write: the message is checked directly)."""
    from scheduler.publishing.db_errors import database_error

    message = str(database_error(sqlite3.OperationalError(sqlite_said), "sqlite:///x/qm.sqlite3", "x/qm.sqlite3"))
    assert told in message and sqlite_said not in message and "x/qm.sqlite3" in message, message
