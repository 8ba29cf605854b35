"""A PostgreSQL server that cannot be used is told in Chinese by every command that opens the queue:
what is wrong, on which server and database (the configured address, its password masked), and how
to fix it; exit code 1, no traceback, none of the driver's English, and never the password.

Against real failures: a loopback port nobody listens on, a host name that cannot be resolved, a
listener that never answers, and the throwaway PostgreSQL server (a role that must give a password,
a role without rights, a database or role that does not exist, a session the server ends)."""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from scheduler.publishing.db import open_db
from scheduler.publishing.db_errors import database_error
from scheduler.publishing.postgres_errors import postgres_error
from scheduler.support.db_names import shown

from .conftest import run_qm
from .pg_server import PgServer

SECRET = "s3cret-Pw-42"
COMMANDS = [["queue"], ["status"], ["history"], ["daemon"], ["plan"], ["check"], ["report"], ["web"], ["user", "list"]]
ENGLISH = ("connection failed", "FATAL", "Is the server running", "does not exist", "permission denied", "Traceback")


@pytest.fixture(scope="module")
def roles(pg_server: PgServer) -> PgServer:
    pg_server.add_role("qm_locked", password="right-password")  # must log in with its password
    pg_server.add_role("qm_visitor")  # may log in, owns nothing
    return pg_server


@pytest.fixture
def qm_with(project: Callable[..., Path], tmp_path: Path) -> Callable[..., tuple[int, str]]:
    """Run a qm command on the example config with `database: url`, as a user with no ~/.pgpass."""
    home = tmp_path / "home"
    home.mkdir()

    def run(url: str, *command: str, password: str = "", lease_timeout: int = 10) -> tuple[int, str]:
        config = project(lambda t: t + f'\ndatabase: "{url}"\ndaemon:\n  lease_timeout: {lease_timeout}\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"HOME": str(home)}
        result = run_qm(*(command or ("queue",)), "-c", config, env=env | ({"PGPASSWORD": password} if password else {}))
        return result.returncode, result.stderr

    return run


def _told(result: tuple[int, str], *words: str, exit_code: int = 1) -> str:
    code, stderr = result
    assert code == exit_code, (code, stderr)
    assert stderr.startswith("错误：") and stderr.count("\n") == 1, stderr  # one line, no traceback
    for word in words:
        assert word in stderr, (word, stderr)
    for english in ENGLISH:
        assert english not in stderr, (english, stderr)
    assert SECRET not in stderr and "数据库文件" not in stderr and "%2F" not in stderr, stderr  # a socket folder as written
    return stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_server_not_started_is_told_with_its_address_by_every_command(
    qm_with: Callable[..., tuple[int, str]], command: list[str]
) -> None:
    port = _closed_port()
    _told(
        qm_with(f"postgresql://qm@127.0.0.1:{port}/qm", *command, password=SECRET),
        f"连接不上数据库服务器 127.0.0.1:{port}",
        "检查服务器是否已启动、地址和端口",
        f"postgresql://qm@127.0.0.1:{port}/qm",
    )


def test_a_host_name_that_cannot_be_resolved_is_named(qm_with: Callable[..., tuple[int, str]]) -> None:
    _told(qm_with("postgresql://qm@qm-db.invalid/qm"), "找不到数据库服务器 qm-db.invalid", "主机名", "IP 地址")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that takes connections and never answers (a server hung, a firewall that swallows)."""
    server = socket.create_server(("127.0.0.1", 0))
    taken: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                taken.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()
    for conn in taken:
        conn.close()


@pytest.mark.parametrize("command", ["queue", "plan"])
def test_a_server_that_never_answers_is_given_up_and_told(qm_with: Callable[..., tuple[int, str]], silent_port: int, command: str) -> None:
    _told(qm_with(f"postgresql://qm@127.0.0.1:{silent_port}/qm", command), f"连接数据库服务器 127.0.0.1:{silent_port} 超时", "防火墙")


# The driver's own errors, as a server on this machine (its socket folder) and one on the network raise
# them: the name sits in the sentence with its own spacing, and the server's words are quoted as they are.
SPACING = [
    (psycopg.OperationalError("connection timeout expired"), "连接数据库服务器 {name}超时"),
    (psycopg.OperationalError('connection failed: FATAL:  no pg_hba.conf entry for host "[local]"'), "数据库服务器 {name}不允许"),
    (psycopg.errors.lookup("53300")("sorry, too many clients already"), "数据库服务器 {name}的连接数已满"),
    (psycopg.errors.lookup("57P03")("the database system is starting up"), "数据库服务器 {name}正在启动或关闭"),
    (psycopg.errors.lookup("57P01")("terminating connection due to administrator command"), "数据库服务器 {name}中途断开了连接"),
    (psycopg.errors.lookup("XX000")("服务器的原话（节选） 照录"), "无法使用数据库服务器 {name}上的数据库 qm：服务器的原话（节选） 照录（"),
]


@pytest.mark.parametrize(("error", "said"), SPACING, ids=["超时", "不允许", "连接数已满", "启动中", "中途断开", "原话照录"])
def test_the_server_is_named_with_its_own_spacing_and_its_words_are_quoted_as_they_are(error: Exception, said: str) -> None:
    here = str(postgres_error(error, "postgresql://qm@/qm?host=/run/postgresql"))
    assert said.format(name="本机（套接字目录 /run/postgresql，端口 5432）") in here, here
    there = str(postgres_error(error, "postgresql://qm@db.example.cn:6432/qm"))
    assert said.format(name="db.example.cn:6432 ") in there, there


def _socket_url(server: PgServer, user: str, database: str = "postgres", password: str = "") -> str:
    return f"postgresql://{user}{':' + password if password else ''}@/{database}?host={server.socket}"


@pytest.mark.parametrize("command", [["queue"], ["plan"], ["daemon"]], ids=" ".join)
def test_a_wrong_password_in_pgpassword_is_told_without_the_password(
    qm_with: Callable[..., tuple[int, str]], roles: PgServer, command: list[str]
) -> None:
    _told(
        qm_with(_socket_url(roles, "qm_locked"), *command, password=SECRET),
        "拒绝用户 qm_locked 登录：用户名或密码不对",
        "密码取自环境变量 PGPASSWORD",
    )


def test_a_password_written_in_the_address_is_refused_masked_before_connecting(
    qm_with: Callable[..., tuple[int, str]], roles: PgServer
) -> None:
    _told(
        qm_with(_socket_url(roles, "qm_locked", password=SECRET)),
        "postgresql://qm_locked:***@/postgres",
        "里写了密码：密码不能写进配置文件",
        "密码用环境变量 PGPASSWORD",
        exit_code=2,
    )


def test_no_password_given_says_where_it_is_read_from(qm_with: Callable[..., tuple[int, str]], roles: PgServer) -> None:
    _told(
        qm_with(_socket_url(roles, "qm_locked")),
        "端口 5432）要求用户 qm_locked 提供密码，但没有提供",
        "把密码放在环境变量 PGPASSWORD 或 ~/.pgpass 文件中，不要写进 config.yaml",
    )


def test_a_database_that_does_not_exist_says_how_to_create_it(qm_with: Callable[..., tuple[int, str]], roles: PgServer) -> None:
    _told(
        qm_with(_socket_url(roles, "qm", "qm_never_made")),
        f"数据库服务器 本机（套接字目录 {roles.socket}，端口 5432）上没有数据库 qm_never_made",
        "createdb -O qm qm_never_made",
        f"配置中的 database：postgresql://qm@/qm_never_made?host={roles.socket}）",
    )


def test_a_password_given_as_a_parameter_of_the_address_is_refused_masked(qm_with: Callable[..., tuple[int, str]], roles: PgServer) -> None:
    _told(
        qm_with(f"{_socket_url(roles, 'qm_locked')}&password={SECRET}"),
        f"?host={roles.socket}&password=***' 里写了密码",
        exit_code=2,
    )


@pytest.fixture
def simulate_on(project: Callable[..., Path], tmp_path: Path) -> Callable[[str], tuple[int, str]]:
    """Run `qm simulate --database url` on the example config, as a user with no ~/.pgpass."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"HOME": str(tmp_path)}

    def run(url: str) -> tuple[int, str]:
        result = run_qm("simulate", "--database", url, "--kill-active", "1", "-c", project(), env=env)
        return result.returncode, result.stderr

    return run


def test_simulate_on_a_database_that_does_not_exist_is_told_in_chinese(
    simulate_on: Callable[[str], tuple[int, str]], roles: PgServer
) -> None:
    _told(
        simulate_on(_socket_url(roles, "qm", "qm_never_made")),
        f"本机（套接字目录 {roles.socket}，端口 5432）上没有数据库 qm_never_made",
        f"--database：postgresql://qm@/qm_never_made?host={roles.socket}）",
        "createdb -O qm qm_never_made",
    )


def test_simulate_on_a_server_not_started_is_told_in_chinese_without_the_password(
    simulate_on: Callable[[str], tuple[int, str]], roles: PgServer
) -> None:
    folder = roles.socket.parent / "no-server-here"
    _told(
        simulate_on(f"postgresql://qm:{SECRET}@/qm?host={folder}"),
        f"连接不上数据库服务器 本机（套接字目录 {folder}，端口 5432）",
        f"--database：postgresql://qm:***@/qm?host={folder}）",
    )  # exit 1, as for the config's database: the server is not running, the option is well written
    port = _closed_port()
    _told(simulate_on(f"postgresql://qm@127.0.0.1:{port}/qm"), f"连接不上数据库服务器 127.0.0.1:{port}")


def test_simulate_with_a_password_in_the_address_says_to_keep_it_off_the_command_line(
    simulate_on: Callable[[str], tuple[int, str]], roles: PgServer
) -> None:
    keep_off = "不要写在命令行里（别人能从进程列表和命令历史中看到）"
    told = _told(
        simulate_on(_socket_url(roles, "qm_locked", password=SECRET)),
        f"本机（套接字目录 {roles.socket}，端口 5432）拒绝用户 qm_locked 登录",
        f"密码写在了 --database 地址里：从地址中删去密码，改放在环境变量 PGPASSWORD 或 ~/.pgpass 文件中，{keep_off}",
    )
    assert "config.yaml" not in told, told
    told = _told(simulate_on(_socket_url(roles, "qm_locked")), f"把密码放在环境变量 PGPASSWORD 或 ~/.pgpass 文件中，{keep_off}")
    assert "config.yaml" not in told, told


def test_a_role_that_does_not_exist_says_how_to_create_it(qm_with: Callable[..., tuple[int, str]], roles: PgServer) -> None:
    _told(qm_with(_socket_url(roles, "qm_nobody")), "端口 5432）上没有用户 qm_nobody", "createuser --pwprompt qm_nobody")


@pytest.fixture
def database(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database()
    yield name
    pg_server.drop_database(name)


@pytest.mark.parametrize("command", [["queue"], ["plan"], ["status"]], ids=" ".join)
def test_a_role_without_rights_on_the_queue_tables_is_told_what_to_grant(
    qm_with: Callable[..., tuple[int, str]], roles: PgServer, database: str, command: list[str]
) -> None:
    open_db(roles.url(database)).dispose()  # the queue's tables, made by their owner
    _told(
        qm_with(_socket_url(roles, "qm_visitor", database), *command),
        f"用户 qm_visitor 没有权限使用数据库 {database} 中的表",
        f"createdb -O qm_visitor {database}",
        "GRANT ALL ON SCHEMA public TO qm_visitor; GRANT ALL ON ALL TABLES IN SCHEMA public TO qm_visitor",
    )


def test_a_role_that_may_not_create_the_queue_tables_is_told_what_to_grant(
    qm_with: Callable[..., tuple[int, str]], roles: PgServer, database: str
) -> None:
    _told(qm_with(_socket_url(roles, "qm_visitor", database)), f"没有权限使用数据库 {database} 中的模式 public", "GRANT")


def test_a_connection_the_server_ends_midway_is_told(pg_server: PgServer, database: str) -> None:
    url = pg_server.url(database)
    engine, admin = open_db(url), sa.create_engine(pg_server.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            with pytest.raises(sa.exc.OperationalError) as cut:
                conn.execute(sa.text("SELECT count(*) FROM posts"))
    finally:
        engine.dispose()
        admin.dispose()
    message = str(database_error(cut.value, url, shown(url)))
    assert "中途断开了连接" in message and "再运行一次" in message, message
    assert "terminating" not in message and "数据库文件" not in message, message


def test_the_grants_told_let_the_role_use_the_queue(qm_with: Callable[..., tuple[int, str]], roles: PgServer, database: str) -> None:
    open_db(roles.url(database)).dispose()
    url = _socket_url(roles, "qm_visitor", database)
    grants = re.findall(r"GRANT [^;]+;", _told(qm_with(url)))
    assert len(grants) == 3, grants
    owner = sa.create_engine(roles.url(database), isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        for grant in grants:
            conn.execute(sa.text(grant))
    owner.dispose()
    code, stderr = qm_with(url)
    assert code == 0, stderr
