"""The `database` setting: only a SQLite file or a PostgreSQL server is accepted, said the same way by
every command (config file and line, what is accepted, an example); a PostgreSQL driver that is not
installed is told with the command that installs it. Never a traceback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.support.errors import ConfigError

from .conftest import run_qm

COMMANDS = [
    ["check"],
    ["plan"],
    ["preview", "2027-09-08"],
    ["posters"],
    ["build"],
    ["screen", "build", "--date", "2027-09-08"],
    ["queue"],
    ["daemon"],
]


def _with_database(project: Callable[..., Path], value: str) -> tuple[Path, int]:
    config = project(lambda t: t + f"\ndatabase: {value}\n")
    line = config.read_text(encoding="utf-8").splitlines().index(f"database: {value}") + 1
    return config, line


def _told(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr
    assert result.stderr.startswith("错误："), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("nonsense", "不是数据库地址"),
        ("mysql://qm:pw@db/qm", "qm 只支持 SQLite 和 PostgreSQL"),
        ('"sqlite:///"', "没有写数据库文件名"),
        ('"sqlite://"', "没有写数据库文件名"),
        ('"sqlite:///:memory:"', "内存数据库"),
        ('"sqlite:///content/"', "不是数据库文件"),
        ('"postgresql://qm@db:port/qm"', "端口号应当是数字"),
        ('"postgresql+psycopg2://qm@db/qm"', "指定了驱动 psycopg2：qm 用 PostgreSQL 驱动 psycopg 3"),
        ('"postgresql://qm:hunter2pw@db/qm"', "'postgresql://qm:***@db/qm' 里写了密码：密码不能写进配置文件"),
        ('"postgresql://qm@db/qm?password=hunter2pw&sslmode=require"', "password=***&sslmode=require' 里写了密码"),
        ('"postgresql://qm@db/qm?sslpassword=hunter2pw"', "?sslpassword=***' 里写了密码"),  # the client key's
        ('"postgresql://qm@db/qm?sslpassword=hunter2pw&password=hunter2pw"', "?sslpassword=***&password=***' 里写了密码"),
        ('"postgresql://qm@db/qm?%70assword=hunter2pw"', "?%70assword=***' 里写了密码"),  # percent-encoded: libpq reads password
    ],
)
def test_a_database_that_is_neither_a_sqlite_file_nor_postgresql_is_a_config_problem(
    project: Callable[..., Path], value: str, why: str
) -> None:
    config, line = _with_database(project, value)
    with pytest.raises(ConfigError) as info:
        load_campaign(config)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{config}:{line}：database 的值") and why in problem, problem
    assert 'database: "postgresql://qm@192.168.1.20/qm"' in problem and "sqlite:///" in problem  # what is accepted
    assert ":pw@" not in problem and "hunter2pw" not in problem and "损坏" not in problem
    assert "PGPASSWORD" in problem  # where the password goes instead


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('"postgresql://qm:Tr0ub4dor/3x@192.168.1.20/qm"', "postgresql://qm:***@192.168.1.20/qm"),  # a "/" in the password
        ('"postgresql://qm:2024/Secret@host/qm"', "postgresql://qm:***@host/qm"),  # not the server qm on port 2024
        ('"postgresql://qm:p@ss/w@rd@db:5432/qm"', "postgresql://qm:***@db:5432/qm"),  # "@" in it too: up to the last
        ('"postgresql://qm:Sh?2024pw@db/qm"', "postgresql://qm:***@db/qm"),  # a "?" is no query before the "@"
        ('"postgresql://qm:a?b=c2024@db/qm?sslmode=require"', "postgresql://qm:***@db/qm?sslmode=require"),
        ('"postgresql://qm:Sh#2024pw@db/qm"', "postgresql://qm:***@db/qm"),
        ('"postgresql://qm:pa@ss?k=v2024@db/qm"', "postgresql://qm:***@db/qm"),  # "@" then "?k=v": no host's query
        ('"postgresql://qm:Sh@w?k=v2024@db:5432/qm?sslmode=require"', "postgresql://qm:***@db:5432/qm?sslmode=require"),
    ],
)
def test_a_password_holding_a_slash_an_at_a_question_mark_or_a_hash_is_refused_and_never_shown(
    project: Callable[..., Path], value: str, shown: str
) -> None:
    config, line = _with_database(project, value)
    password = value.strip('"').partition("qm:")[2].rpartition("@")[0]
    for command in (["check"], ["status"], ["queue"]):
        result = run_qm(*command, "-c", config)
        _told(result, 2, f"{config}:{line}：database 的值 '{shown}' 里写了密码")
        assert password not in result.stderr + result.stdout and password.split("/")[0] not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "value",
    [
        '"sqlite:///{tmp}/queue.sqlite3"',
        '"postgresql://qm@192.168.1.20/qm"',
        '"postgres://qm@db:5432/qm"',
        '"postgresql:///qm"',
        '"postgresql://qm@db:5432/qm?application_name=qm@web"',  # an "@" in the query is no password's
    ],
)
def test_a_sqlite_file_or_a_postgresql_server_is_accepted(project: Callable[..., Path], tmp_path: Path, value: str) -> None:
    config, _ = _with_database(project, value.format(tmp=tmp_path))
    assert load_campaign(config).db_url == value.format(tmp=tmp_path).strip('"')


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_a_database_that_is_not_one_with_its_line(project: Callable[..., Path], command: list[str]) -> None:
    config, line = _with_database(project, "nonsense")
    _told(run_qm(*command, "-c", config), 2, f"config.yaml:{line}：database 的值 'nonsense' 不是数据库地址", "postgresql://")


def test_a_sqlite_url_without_a_file_name_is_not_taken_for_a_damaged_file(project: Callable[..., Path]) -> None:
    config, line = _with_database(project, '"sqlite:///"')
    result = run_qm("queue", "-c", config)
    _told(result, 2, f"config.yaml:{line}", "没有写数据库文件名")
    assert "损坏" not in result.stderr and "改名" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_postgresql_database_without_its_driver_says_how_to_install_it(
    project: Callable[..., Path], tmp_path: Path, command: list[str]
) -> None:
    config, _ = _with_database(project, '"postgresql://qm@127.0.0.1:1/qm"')
    hidden = tmp_path / "no-driver"  # the standard install: psycopg is only in the `.[postgres]` extra
    hidden.mkdir()
    (hidden / "psycopg.py").write_text('raise ModuleNotFoundError("No module named \'psycopg\'", name="psycopg")\n', encoding="utf-8")
    result = run_qm(*command, "-c", config, env={**os.environ, "PYTHONPATH": str(hidden)})
    _told(result, 1, "没有安装 PostgreSQL 驱动", '.venv/bin/pip install -e ".[postgres]"', "postgresql://qm@127.0.0.1:1/qm")


def test_a_relative_sqlite_file_is_found_from_the_configs_folder_wherever_qm_runs(project: Callable[..., Path], tmp_path: Path) -> None:
    """Run from another folder, a command must open the same queue: else a daemon started elsewhere
    would find an empty queue and send everything again."""
    config, _ = _with_database(project, '"sqlite:///queue.sqlite3"')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (config.parent, elsewhere):
        shown = run_qm("queue", "-c", config.resolve(), cwd=cwd)
        assert shown.returncode == 0, shown.stderr
    assert (config.parent / "queue.sqlite3").is_file() and not (elsewhere / "queue.sqlite3").exists()
    assert load_campaign(config).db_url == f"sqlite:///{config.parent / 'queue.sqlite3'}"


def test_a_relative_sqlite_path_to_a_folder_is_refused_from_any_folder(project: Callable[..., Path], tmp_path: Path) -> None:
    config, line = _with_database(project, '"sqlite:///content"')  # the content folder beside the config
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _told(run_qm("check", "-c", config.resolve(), cwd=elsewhere), 2, f"config.yaml:{line}", "不是数据库文件")


def test_every_query_parameter_holding_a_secret_is_masked_however_its_name_is_written() -> None:
    """libpq takes a password, the client key's sslpassword and an OAuth client's secret in the query, its name
    percent-encoded or not: the URL a message shows and the log's redaction mask each of them, by one rule."""
    from scheduler.support.db_names import shown
    from scheduler.support.redact import scrub

    url = "postgresql://qm@db:5432/qm?sslmode=require&sslpassword=TopSecret99&%70assword=Hunter22&oauth_client_secret=Sesame77"
    assert shown(url) == "postgresql://qm@db:5432/qm?oauth_client_secret=***&password=***&sslmode=require&sslpassword=***"
    assert scrub(f"无法连接 {url}") == (
        "无法连接 postgresql://qm@db:5432/qm?sslmode=require&sslpassword=***&%70assword=***&oauth_client_secret=***"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://qm:pa@ss?k=v2024@db/qm", "postgresql://qm:***@db/qm"),
        ("postgresql://qm:p@ss/w@rd@db:5432/qm", "postgresql://qm:***@db:5432/qm"),
        ("postgresql://qm:2024/Secret@host/qm", "postgresql://qm:***@host/qm"),
        # an "@" in a query value after the host is no password's: the host and the query stay as written
        ("postgresql://qm:pw@db?host=/run/pg&application_name=qm@web", "postgresql://qm:***@db?application_name=qm@web&host=/run/pg"),
    ],
)
def test_the_database_a_message_names_shows_no_part_of_a_password_written_unencoded(url: str, expected: str) -> None:
    """SQLAlchemy ends the password at the first "@" and the host at a "?": the rest of the password was shown
    as the host. A message names the database as `redact` reads it, at the host's "@"."""
    from scheduler.support.db_names import shown

    assert shown(url) == expected
