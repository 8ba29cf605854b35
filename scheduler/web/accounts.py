"""Console accounts: names, roles and scrypt password hashes in the queue database.

There is no default account and no default password: the first admin is made with `qm user add`.
An admin changes accounts on the console's 账号 page as well (`user_pages`): each change made with a `by`
is written to `account_log` in the same transaction, and none of them may leave the console without an enabled admin
(`qm user` in a terminal may: there the terminal itself is the way back in). `qm user` writes its changes to
`account_log` too, under the terminal's name (`Accounts(engine, terminal=terminal_who())`: 终端（zhang）).
A password an admin sets there is temporary (`must_change`): its owner chooses a new one at the next login.
Hashes are `scrypt$<n>$<r>$<p>$<salt>$<key>` (base64), checked in constant time; a name that does
not exist costs the same hash as one that does, so timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..inputs.campaign import ROLE_LABELS, ROLES
from ..publishing.tables import account_log, users, web_sessions
from ..support.errors import InputError
from ..support.suggest import named

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MiB, about 50 ms per check
PASSWORD_MIN = 10
NAME_MAX = 40


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool
    created: float
    changed: float
    last_login: float | None = None
    must_change: bool = False

    def may(self, role: str) -> bool:
        """True when this account's role is `role` or above it (editor < reviewer < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        expected = base64.b64decode(key)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(got, expected)


_DUMMY = hash_password("qm: an account that does not exist", b"0" * 16)


TERMINAL = "终端"


def terminal_who() -> str:
    """The account log's `who` for `qm user` in a terminal: 终端 and the operating-system user running it, as 终端（zhang）
    (终端 alone when the system does not say; spaces and control characters dropped, cut to fit the log's column)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in the environment and none for the process's uid (or no pwd)
        user = ""
    user = "".join(c for c in user if unicodedata.category(c)[0] not in "CZ")[:NAME_MAX]
    return f"{TERMINAL}（{user}）" if user else TERMINAL


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InputError(f"用户名应为 1–{NAME_MAX} 个字（现为 {len(name)} 个）")
    if any(unicodedata.category(c)[0] in "CZ" for c in name):
        raise InputError(f"用户名 {name!r} 不能含空格或控制字符（可以用中文、字母、数字、下划线）")
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise InputError(f"密码太短：至少 {PASSWORD_MIN} 个字符（现为 {len(password)} 个）")
    if password != password.strip():
        raise InputError("密码的开头或结尾不能是空格")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"角色 {role!r} 不可用：只能是 {'、'.join(named(k, ROLE_LABELS) for k in ROLES)}")
    return role


class Accounts:
    """The accounts in the queue database. `terminal`: the log's `who` for changes made without a `by` (`qm user`);
    "" (tests, the console's own bookkeeping) writes those to no log."""

    def __init__(self, engine: Engine, terminal: str = "") -> None:
        self.engine = engine
        self.terminal = terminal

    @classmethod
    def of_terminal(cls, engine: Engine) -> Accounts:
        """The accounts as `qm user` changes them: each change logged as the terminal's (`terminal_who`)."""
        return cls(engine, terminal_who())

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.created, users.c.name)).all()
        return [_user(r) for r in rows]

    def add(self, name: str, role: str, password: str, now: float, by: str = "", temporary: bool = False) -> User:
        """A new account; `temporary`: its owner must choose another password at the first login.
        Errors point the console (`by`) to the 账号 page's own controls, a terminal to `qm user`."""
        name, role = check_name(name), check_role(role)
        hashed = hash_password(check_password(password))
        with self.engine.begin() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                where = "在账号列表里它那一行的“管理”中设临时密码" if by else f"qm user passwd {name}"
                raise InputError(f"用户 {name} 已存在（改密码：{where}）")
            values = dict(name=name, role=role, password=hashed, disabled=False, created=now, changed=now, must_change=temporary)
            conn.execute(users.insert().values(**values))
            _record(conn, by or self.terminal, name, "add", ROLE_LABELS[role], now)
        return User(name, role, False, now, now, None, temporary)

    def set_password(self, name: str, password: str, now: float, by: str = "", temporary: bool = False) -> None:
        """A new password; `temporary` (one an admin set for its owner): to be changed at the next login."""
        detail = "临时密码，下次登录时须修改" if temporary else "本人修改" if by else "在终端设置"
        self._change(name, now, by, "password", detail, password=hash_password(check_password(password)), must_change=temporary)

    def set_disabled(self, name: str, disabled: bool, now: float, by: str = "") -> bool:
        """Disable or enable an account; with `by` (an admin on the console) never the last enabled admin.
        False when it already was: nothing changed, its sessions go on."""
        return self._change(name, now, by, "disable" if disabled else "enable", "", disabled=disabled)

    def set_role(self, name: str, role: str, now: float, by: str = "") -> bool:
        """Change an account's role; with `by` (an admin on the console) never the last enabled admin's.
        False when it already had that role: nothing changed, its sessions go on."""
        role, before = check_role(role), self.get(name)
        detail = f"{before.role_label} → {ROLE_LABELS[role]}" if before else ""
        return self._change(name, now, by, "role", detail, role=role)

    def _change(self, name: str, now: float, by: str, what: str, detail: str, **values: object) -> bool:
        """Change an account; its sessions end (a new password, a role or a disabled account takes effect at once).
        False, and nothing written, when the account already has these values.
        With `by` (the console) refused when it would leave no enabled admin: the admin rows are locked first (PostgreSQL),
        the change made, then the admins left counted, so two admins demoting each other at once cannot both succeed."""
        with self.engine.begin() as conn:
            admins = _admins(conn, lock=True)
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
            if row is not None and all(getattr(row, key) == value for key, value in values.items()):
                return False
            if conn.execute(users.update().where(users.c.name == name).values(changed=now, **values)).rowcount != 1:
                raise InputError(f"没有用户 {name}（{'刷新账号页面查看现有的账号' if by else '用 qm user list 查看'}）")
            if by and admins and not _admins(conn):
                raise InputError(
                    f"{name} 是最后一个启用的管理员，不能{'停用' if values.get('disabled') else '改为别的角色'}：否则就没有人能管理账号了。"
                    "请先添加或启用另一个管理员，再做这个改动。"
                )
            conn.execute(web_sessions.delete().where(web_sessions.c.user == name))
            _record(conn, by or self.terminal, name, what, detail, now)
        return True

    def history(self, limit: int = 30) -> list[sa.Row[Any]]:
        """The latest changes made to accounts, on the console or in a terminal (at, who, name, action, detail), the newest first."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(account_log).order_by(account_log.c.at.desc(), account_log.c.id.desc()).limit(limit)))

    def record(self, by: str, name: str, action: str, now: float, detail: str = "") -> None:
        """Write a change made elsewhere (a lockout lifted: `name` is the account, or the address) to `account_log`."""
        with self.engine.begin() as conn:
            _record(conn, by, name, action, detail, now)

    def authenticate(self, name: str, password: str) -> User | None:
        """The enabled account with this name and password, or None; always costs one scrypt."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        ok = password_matches(password, row.password if row else _DUMMY)
        if row is None or not ok or row.disabled:
            return None
        return _user(row)


def _user(row: sa.Row[Any]) -> User:
    return User(row.name, row.role, bool(row.disabled), row.created, row.changed, row.last_login, bool(row.must_change))


def _admins(conn: Connection, lock: bool = False) -> list[str]:
    """The enabled admins' names; `lock`: their rows locked until the transaction ends (PostgreSQL)."""
    query = sa.select(users.c.name).where(users.c.role == "admin", users.c.disabled == sa.false())
    return list(conn.execute(query.with_for_update() if lock else query).scalars())


def _record(conn: Connection, by: str, name: str, action: str, detail: str, now: float) -> None:
    """Write a change to `account_log` (`by`: who, as the audit log writes it, or the terminal; "" writes nothing)."""
    if by:  # an address in `name` may be longer than an account's (IPv6 with a zone): cut to the column, as `who` is
        conn.execute(account_log.insert().values(at=now, who=by, name=name[:NAME_MAX], action=action, detail=detail))
