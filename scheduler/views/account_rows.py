"""What the console's 账号 page shows of each account (`web.user_pages`): its role and the review stages it may pass,
whether it is disabled or locked out and until when, its last sign-in and recent wrong passwords, and which of the
admin's buttons apply; and the network addresses locked out by wrong passwords (`address_rows`). Pure: the accounts, the throttle's counts and the time come in, rows go out."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..inputs.campaign import Stage

if TYPE_CHECKING:  # the accounts as the database layer reads them: for the types only
    from ..web.accounts import User

ACTIONS = {
    "add": "添加账号",
    "password": "重设密码",
    "role": "改角色",
    "disable": "停用",
    "enable": "启用",
    "unlock": "解除锁定",
    "unlock-address": "解除地址锁定",
}
UNLOCK_ADDRESS = "unlock-address"  # the log's `name` holds the address, not an account
# Letters and digits that cannot be mistaken for one another when read out or copied by hand (no 0/O, 1/l/I).
_PLAIN = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    role_label: str
    stages: str  # the review stages this role may pass: 初审、终审; "" for none
    disabled: bool
    locked_until: str  # the clock time a lockout ends (14:35), "" when not locked
    tries: int  # wrong passwords within the last 15 minutes
    last_login: str  # 2027-06-01 09:00, or 从未登录
    must_change: bool
    me: bool  # the admin looking at the page
    last_admin: bool  # the only enabled admin: not to be disabled or demoted


def account_rows(
    accounts: Sequence[User],
    locked: Mapping[str, int],
    tries: Mapping[str, int],
    stages: Sequence[Stage],
    me: str,
    now: float,
    tz: dt.tzinfo,
) -> list[AccountRow]:
    """One row an account, in the order given. `locked`: seconds until each locked name may try again."""
    admins = [a.name for a in accounts if a.role == "admin" and not a.disabled]
    rows = []
    for a in accounts:
        may = [s.name for s in stages if a.may(s.role)]
        wait = locked.get(a.name)
        rows.append(
            AccountRow(
                name=a.name,
                role=a.role,
                role_label=a.role_label,
                stages="、".join(may),
                disabled=a.disabled,
                locked_until=_clock(now + wait, tz, "%H:%M") if wait else "",
                tries=tries.get(a.name, 0),
                last_login=_clock(a.last_login, tz, "%Y-%m-%d %H:%M") if a.last_login else "从未登录",
                must_change=a.must_change,
                me=a.name == me,
                last_admin=admins == [a.name],
            )
        )
    return rows


@dataclass(frozen=True)
class AddressRow:
    address: str
    proxy: bool  # a trusted reverse proxy (100 wrong passwords through it), not a client's own address
    until: str  # the clock time the lock ends (14:35)


def address_rows(locked: Mapping[str, Sequence[tuple[str, int]]], now: float, tz: dt.tzinfo) -> list[AddressRow]:
    """The addresses locked now, clients' first, each with the time its lock ends. `locked`: the throttle's
    (`Throttle.locked`), by kind: (address, seconds until it may try again)."""
    return [
        AddressRow(address, kind == "proxy", _clock(now + wait, tz, "%H:%M"))
        for kind in ("addr", "proxy")
        for address, wait in locked.get(kind, ())
    ]


def generated_password(groups: int = 3, size: int = 4) -> str:
    """A temporary password to read out or copy: 14 characters, e.g. k7mp-q2xa-9hts (about 59 bits)."""
    return "-".join("".join(secrets.choice(_PLAIN) for _ in range(size)) for _ in range(groups))


def _clock(at: float, tz: dt.tzinfo, fmt: str) -> str:
    return dt.datetime.fromtimestamp(at, tz).strftime(fmt)
