"""What a person is told, in Chinese, when the PostgreSQL server holding the queue cannot be used.

Each failure a person can cause (server not started, wrong host, wrong password, no such database,
missing rights, connection cut) says what is wrong, on which server and database (the configured
address, its password masked), and how to fix it. The driver's English stays out of the message.

A connection refused at login carries no SQLSTATE, only the text: it is recognised from the words of
libpq and the server, in English or in the server's Chinese translation (a server set up on a Chinese
system answers in Chinese).
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..support.db_names import shown
from ..support.errors import QmError, RuntimeFailure

PASSWORD_FROM = "环境变量 PGPASSWORD 或 ~/.pgpass 文件"
_KINDS = {"table": "表", "schema": "模式", "database": "数据库", "sequence": "序列", "relation": "表"}
_DENIED = (
    re.compile(r"permission denied for (table|schema|database|sequence|relation) \"?([^\s\"]+)"),
    re.compile(r"对(表|模式|数据库|序列)\s*\"?([^\s\"]+?)\"?\s*权限不够"),
)


@dataclass(frozen=True)
class Given:
    """Where a person wrote the database address, as the messages name it."""

    where: str  # before the masked address: 配置中的 database：postgresql://…
    key: str  # the address's key or option
    not_there: str  # where the password must not be written, and why


CONFIG = Given("配置中的 database", "database", "不要写进 config.yaml")
OPTION = Given("--database", "--database", "不要写在命令行里（别人能从进程列表和命令历史中看到）")


@dataclass(frozen=True)
class Server:
    """Where the queue is: the server (`host:port`, or this machine's socket folder), database, user."""

    address: str  # the configured URL, password masked
    host: str
    port: str
    database: str
    user: str
    has_password: bool
    given: Given = CONFIG

    @classmethod
    def of(cls, url: str, given: Given = CONFIG) -> Server:
        parts = urlsplit(url)
        query = dict(pair.partition("=")[::2] for pair in parts.query.split("&") if pair)
        user = unquote(parts.username or "") or os.environ.get("PGUSER") or _system_user()
        return cls(
            address=shown(url),
            host=unquote(parts.hostname or query.get("host", "")) or os.environ.get("PGHOST", ""),
            port=str(parts.port or query.get("port") or os.environ.get("PGPORT") or 5432),
            database=unquote(parts.path.lstrip("/")) or os.environ.get("PGDATABASE") or user,
            user=user,
            has_password=parts.password is not None or "password" in query,
            given=given,
        )

    @property
    def name(self) -> str:
        if not self.host or self.host.startswith("/"):
            return f"本机（套接字目录 {self.host or '默认'}，端口 {self.port}）"
        return f"{self.host}:{self.port}"

    @property
    def spaced(self) -> str:
        """The name as words go on after it: `db.example.cn:5432 上` is set off by a space, a name ending in
        a full-width bracket is not (`本机（套接字目录 /run/postgresql，端口 5432）上`)."""
        return self.name if self.name.endswith("）") else f"{self.name} "

    @property
    def where(self) -> str:
        return f"{self.given.where}：{self.address}"


def postgres_error(exc: BaseException, url: str, given: Given = CONFIG) -> QmError:
    """The Chinese message for a PostgreSQL error (`exc` from SQLAlchemy or psycopg) on database `url`,
    `given` where a person wrote it (config.yaml, or the --database option)."""
    return RuntimeFailure(_said(getattr(exc, "orig", None) or exc, Server.of(url, given)))


def _said(orig: BaseException, s: Server) -> str:
    text, code = str(orig), str(getattr(orig, "sqlstate", None) or "")
    if "failed to resolve host" in text or "could not translate host name" in text:
        return (
            f"找不到数据库服务器 {s.host}：这个主机名解析不出地址（{s.where}）。"
            "检查主机名是否写对、这台机器的网络和 DNS 是否正常，或直接写服务器的 IP 地址，如 postgresql://qm@192.168.1.20/qm"
        )
    if _has(text, "timeout expired", "超时"):
        return (
            f"连接数据库服务器 {s.spaced}超时，服务器没有应答（{s.where}）。"
            f"检查服务器是否开机、地址是否写对、网络是否通，以及防火墙是否放行端口 {s.port}"
        )
    if _has(text, "Connection refused", "拒绝连接", "No such file or directory", "没有那个文件或目录"):
        return (
            f"连接不上数据库服务器 {s.name}：那里没有 PostgreSQL 在接受连接（{s.where}）。"
            "检查服务器是否已启动、地址和端口是否写对；从另一台机器连接时，服务器的 listen_addresses 要包含它的网卡地址"
        )
    if _has(text, "no password supplied"):
        return (
            f"数据库服务器 {s.spaced}要求用户 {s.user} 提供密码，但没有提供（{s.where}）。把密码放在{PASSWORD_FROM}中，{s.given.not_there}"
        )
    if code in ("28P01", "28000") or _has(text, "authentication failed", "认证失败"):
        return f"数据库服务器 {s.spaced}拒绝用户 {s.user} 登录：用户名或密码不对（{s.where}）。{_password_hint(s)}"
    if _has(text, "pg_hba.conf"):
        return (
            f"数据库服务器 {s.spaced}不允许这台机器以用户 {s.user} 连接数据库 {s.database}（{s.where}）。"
            f"请管理员在服务器的 pg_hba.conf 中为这台机器加一行，如 host {s.database} {s.user} 这台机器的IP/32 scram-sha-256，再重新加载配置"
        )
    if code == "3D000" or re.search(r'database ".*" does not exist|数据库 ".*" 不存在', text):
        return (
            f"数据库服务器 {s.spaced}上没有数据库 {s.database}（{s.where}）。"
            f"检查库名是否写对，或在服务器上创建它：createdb -O {s.user} {s.database}"
        )
    if re.search(r'role ".*" does not exist|角色 ".*" 不存在', text):
        return (
            f"数据库服务器 {s.spaced}上没有用户 {s.user}（{s.where}）。"
            f"检查用户名是否写对，或在服务器上创建它：createuser --pwprompt {s.user}，密码放在{PASSWORD_FROM}中"
        )
    if code == "42501" or _has(text, "permission denied", "权限不够"):
        return (
            f"用户 {s.user} 没有权限使用数据库 {s.database} 中的{_denied_object(text)}（{s.where}）。qm 要在这个库里建表和读写："
            f"请管理员把库交给它（新建时 createdb -O {s.user} {s.database}），"
            f"或在库 {s.database} 中授权：GRANT ALL ON SCHEMA public TO {s.user}; GRANT ALL ON ALL TABLES IN SCHEMA public TO {s.user}; "
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {s.user};"
        )
    if code == "53300" or _has(text, "too many clients", "太多的客户"):
        return f"数据库服务器 {s.spaced}的连接数已满，暂时不接受新连接（{s.where}）。稍后再试，或请管理员调大 max_connections"
    if code == "57P03" or _has(text, "is starting up", "is shutting down", "启动中", "停止中", "in recovery mode"):
        return f"数据库服务器 {s.spaced}正在启动或关闭，暂时不接受连接（{s.where}）。稍等片刻再运行一次"
    if code.startswith(("57P", "08")) or _has(text, "closed the connection", "terminating connection", "connection is lost", "中断联接"):
        return (
            f"数据库服务器 {s.spaced}中途断开了连接：服务器重启、关闭，管理员结束了会话，或网络中断（{s.where}）。"
            "检查服务器是否在运行、网络是否通，再运行一次"
        )
    detail = text.strip().splitlines()[0] if text.strip() else type(orig).__name__
    return f"无法使用数据库服务器 {s.spaced}上的数据库 {s.database}：{detail}（{s.where}；检查数据库服务器是否可用）"


def _system_user() -> str:
    """The user libpq logs in as when the address names none: this machine's user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a process whose uid has no name
        return "当前系统用户"


def _has(text: str, *words: str) -> bool:
    return any(word in text for word in words)


def _password_hint(s: Server) -> str:
    if s.has_password:
        return f"密码写在了 {s.given.key} 地址里：从地址中删去密码，改放在{PASSWORD_FROM}中，{s.given.not_there}"
    if os.environ.get("PGPASSWORD"):
        return f"密码取自环境变量 PGPASSWORD：检查它的值是否是用户 {s.user} 的密码，以及 {s.given.key} 中的用户名"
    return (
        f"密码取自 ~/.pgpass 文件（或 PGPASSFILE 指向的文件）中 {s.host or 'localhost'}:{s.port}:{s.database}:{s.user}:密码 这一行："
        f"检查这一行和 {s.given.key} 中的用户名，或改用环境变量 PGPASSWORD"
    )


def _denied_object(text: str) -> str:
    for pattern in _DENIED:
        if found := pattern.search(text):
            kind = _KINDS.get(found.group(1), found.group(1))
            return f"{kind} {found.group(2)}"
    return "表"
