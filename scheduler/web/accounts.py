"""Console accounts: names, roles and scrypt password hashes in the queue database.

There is no default account and no default password: the first admin is made with `qm user add`.
Hashes are `scrypt$<n>$<r>$<p>$<salt>$<key>` (base64), checked in constant time; a name that does
not exist costs the same hash as one that does, so timing does not tell which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import ROLE_LABELS, ROLES
from ..publishing.tables import users, web_sessions
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
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return User(row.name, row.role, bool(row.disabled), row.created, row.changed) if row else None

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.created, users.c.name)).all()
        return [User(r.name, r.role, bool(r.disabled), r.created, r.changed) for r in rows]

    def add(self, name: str, role: str, password: str, now: float) -> User:
        name, role = check_name(name), check_role(role)
        hashed = hash_password(check_password(password))
        with self.engine.begin() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
                raise InputError(f"用户 {name} 已存在（改密码：qm user passwd {name}）")
            conn.execute(users.insert().values(name=name, role=role, password=hashed, disabled=False, created=now, changed=now))
        return User(name, role, False, now, now)

    def set_password(self, name: str, password: str, now: float) -> None:
        self._change(name, now, password=hash_password(check_password(password)))

    def set_disabled(self, name: str, disabled: bool, now: float) -> None:
        self._change(name, now, disabled=disabled)

    def set_role(self, name: str, role: str, now: float) -> None:
        self._change(name, now, role=check_role(role))

    def _change(self, name: str, now: float, **values: object) -> None:
        """Change an account; its sessions end (a new password, a role or a disabled account takes effect at once)."""
        with self.engine.begin() as conn:
            if conn.execute(users.update().where(users.c.name == name).values(changed=now, **values)).rowcount != 1:
                raise InputError(f"没有用户 {name}（用 qm user list 查看）")
            conn.execute(web_sessions.delete().where(web_sessions.c.user == name))

    def authenticate(self, name: str, password: str) -> User | None:
        """The enabled account with this name and password, or None; always costs one scrypt."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        ok = password_matches(password, row.password if row else _DUMMY)
        if row is None or not ok or row.disabled:
            return None
        return User(row.name, row.role, False, row.created, row.changed)
