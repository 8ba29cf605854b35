"""An admin's own password, typed again in the 账号 page's forms that give someone a way in (`user_pages`: adding an
account, setting a temporary password, making someone an admin, enabling an account, lifting a lock) and on the
修改密码 page: a stolen session alone is
not enough for those. The password is checked as a login checks it (`sessions.log_in`): a wrong one counts as a wrong
login, five lock the name as five wrong logins do, and a name already locked is refused before the password is read."""

from __future__ import annotations

import logging

from ..support.logs import event
from .app import Call
from .client_address import client_of_request
from .sessions import log_in, minutes

log = logging.getLogger("qm.web")
FIELD = "mine"  # the own-password field of the 账号 page's forms


def typed(call: Call, name: str) -> str:
    """A password field as typed (not stripped: a space at either end is refused, not dropped)."""
    value = call.form.get(name) if call.form is not None else None
    return value if isinstance(value, str) else ""


def refusal(call: Call, password: str, wrong: str, undone: str) -> str:
    """Nothing ("") when `password` is the signed-in account's own; else why the form was refused: `wrong` (the password is
    wrong) and `undone` (what did not happen), then the lock it ran into. A lock in force before: the lock alone, the
    password not even checked (a verdict on it would let a locked name go on guessing)."""
    console, user = call.console, call.user
    assert user is not None
    address, proxy = client_of_request(call.request, console.campaign.web.trusted_proxies)
    checked, lock = log_in(console.accounts, console.throttle, user.name, password, address, console.now(), proxy)
    if checked is not None:
        return ""
    event(log, "password_check_failed", logging.WARNING, user=user.name, address=address, throttled="yes" if lock else "no")
    if lock is None:
        return f"{wrong}，{undone}。"
    locked = f"输错的次数太多，已锁定，请 {minutes(lock.seconds)} 分钟后再试（这期间登录也不行），或请另一位管理员解除锁定、重设密码。"
    return f"{wrong}，{undone}。{locked}" if lock.checked else f"{undone}：{locked}"


def own_refusal(call: Call, undone: str) -> str:
    """`refusal` for the admin's own password in the form's `FIELD`; left empty (a button pressed before typing it), a
    refusal that counts as no wrong password: no guess was made."""
    if not (password := typed(call, FIELD)):
        return f"{undone}：请在“你的密码”里输入你登录用的密码，以确认是你本人在操作。"
    return refusal(call, password, "你自己的密码不对（这里要输入你登录用的密码，以确认是你本人在操作）", undone)
