"""The console's 账号 page, for admins: GET /users lists the accounts (`views.account_rows`); POST /users/add,
/users/password, /users/role, /users/disable, /users/enable and /users/unlock change one, as `qm user` does in a
terminal, each written to `account_log` under the admin's name (the page lists the terminal's changes too);
/users/unlock-address lifts an address's lock. Adding an account, setting a temporary password and making someone an
admin take the admin's own password as well (`reauth`). GET/POST /password: anyone changes their own password,
and one whose password an admin set (a temporary one) must do so before any other page (`app.view`).

A password an admin types or has generated is hashed as `qm user add` hashes it; a generated one is shown once: kept
in the console's memory for the redirect after the form (`flash.keep_secret`), forgotten as that page reads it or
ten minutes later, never logged."""

from __future__ import annotations

import logging

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..inputs.campaign import ROLE_LABELS, ROLES
from ..support.errors import InputError
from ..support.logs import event
from ..views.account_rows import ACTIONS, UNLOCK_ADDRESS, account_rows, address_rows, generated_password
from . import flash
from .accounts import check_password
from .app import PASSWORD_PAGE, Call, action, refused_here, view
from .client_address import plain
from .reauth import own_refusal, refusal, typed
from .sessions import COOKIE, MAX_AGE

log = logging.getLogger("qm.web")
HOME = "/users"


def routes() -> list[BaseRoute]:
    return [
        Route(HOME, users_page, methods=["GET"]),
        Route(f"{HOME}/add", add, methods=["POST"]),
        Route(f"{HOME}/password", reset_password, methods=["POST"]),
        Route(f"{HOME}/role", change_role, methods=["POST"]),
        Route(f"{HOME}/disable", disable, methods=["POST"]),
        Route(f"{HOME}/enable", enable, methods=["POST"]),
        Route(f"{HOME}/unlock", unlock, methods=["POST"]),
        Route(f"{HOME}/unlock-address", unlock_address, methods=["POST"]),
        Route(PASSWORD_PAGE, own_password_page, methods=["GET"]),
        Route(PASSWORD_PAGE, own_password, methods=["POST"]),
    ]


def _page(call: Call, status: int = 200, **values: object) -> Response:
    console = call.console
    assert call.user is not None
    now, tz = console.now(), console.campaign.timezone
    locked = console.throttle.locked(now)
    tries = console.throttle.tries(now)
    found = console.accounts.all()
    rows = account_rows(found, dict(locked["name"]), tries, console.campaign.review.stages, call.user.name, now, tz)
    values.setdefault("done", flash.note(call, "said"))
    asked, secret = flash.take_secret(call, "shown")
    name, _, password = secret.partition("\n")  # a user name holds no line break
    values.setdefault("shown", {"name": name, "password": password} if password else None)
    values.setdefault("shown_gone", asked and not password)
    return call.page(
        "users.html",
        status=status,
        title="账号管理",
        rows=rows,
        addresses=address_rows(locked, now, tz),
        roles=ROLES,
        history=console.accounts.history(),
        actions=ACTIONS,
        **values,
    )


def _done(call: Call, message: str, name: str, what: str) -> Response:
    """Back to the page saying `message` (post/redirect/get); the change is logged (never a password)."""
    assert call.user is not None
    event(log, "account_changed", by=call.user.name, user=name, action=what)
    return RedirectResponse(f"{HOME}?said={flash.keep(call, message, 'said')}#user-list", status_code=303)


def _new_password(call: Call, may_generate: bool = True) -> tuple[str, bool]:
    """The password the form chose: typed twice (checked as `qm user add` checks it), or generated (`generate`):
    (the password, whether it was generated)."""
    if may_generate and call.field("generate"):
        return generated_password(), True
    first, again = typed(call, "password"), typed(call, "password2")
    if first != again:
        raise InputError("两次输入的密码不一样，什么也没有改。")
    return check_password(first), False


def _shown(call: Call, name: str, password: str, message: str) -> Response:
    """Back to the page showing a generated password once: a reload of it shows the password no more and makes none."""
    assert call.user is not None
    event(log, "account_changed", by=call.user.name, user=name, action="password-generated")
    said, shown = flash.keep(call, message, "said"), flash.keep_secret(call, f"{name}\n{password}", "shown")
    return RedirectResponse(f"{HOME}?said={said}&shown={shown}#shown-password", status_code=303)


@view("admin")
def users_page(call: Call) -> Response:
    return _page(call)


@action("admin")
def add(call: Call) -> Response:
    name, role = call.field("name"), call.field("role")
    if said := own_refusal(call, "没有添加账号"):
        return refused_here(call, said)
    try:
        password, generated = _new_password(call)
        user = call.console.accounts.add(name, role, password, call.console.now(), by=call.who(), temporary=True)
    except InputError as exc:
        return refused_here(call, f"没有添加账号：{exc}")
    said = f"已添加账号 {user.name}（{user.role_label}）。第一次登录时要改成自己的密码。"
    return _shown(call, user.name, password, said) if generated else _done(call, said, user.name, "add")


@action("admin")
def reset_password(call: Call) -> Response:
    name = call.field("name")
    if said := own_refusal(call, f"没有重设 {name} 的密码"):
        return refused_here(call, said)
    try:
        password, generated = _new_password(call)
        call.console.accounts.set_password(name, password, call.console.now(), by=call.who(), temporary=True)
    except InputError as exc:
        return refused_here(call, f"没有重设 {name} 的密码：{exc}")
    call.console.throttle.release(name)  # the lock kept the owner out, not only whoever guessed
    said = f"已重设 {name} 的密码（登录锁定已解除）。{name} 用它登录后要改成自己的密码；已登录的页面随即退出。"
    return _shown(call, name, password, said) if generated else _done(call, said, name, "password")


@action("admin")
def change_role(call: Call) -> Response:
    name, role = call.field("name"), call.field("role")
    before = call.console.accounts.get(name)
    promoted = role == "admin" and before is not None and before.role != "admin"  # admin rights: a way into everything
    if promoted and (said := own_refusal(call, f"没有把 {name} 改为管理员")):
        return refused_here(call, said)
    try:
        changed = call.console.accounts.set_role(name, role, call.console.now(), by=call.who())
    except InputError as exc:
        return refused_here(call, f"没有改 {name} 的角色：{exc}")
    label = ROLE_LABELS.get(role, role)
    if not changed:
        return _done(call, f"{name} 已经是{label}，什么也没有改。", name, "role-unchanged")
    return _done(call, f"{name} 的角色已改为{label}，该账号需要重新登录。", name, "role")


def _switch(call: Call, disabled: bool) -> Response:
    name, verb = call.field("name"), "停用" if disabled else "启用"
    try:
        changed = call.console.accounts.set_disabled(name, disabled, call.console.now(), by=call.who())
    except InputError as exc:
        return refused_here(call, f"没有{verb} {name}：{exc}")
    if not changed:
        return _done(call, f"账号 {name} 已经是{verb}的，什么也没有改。", name, f"{'disable' if disabled else 'enable'}-unchanged")
    told = "，它已登录的页面随即退出；审核记录里它的名字照旧保留" if disabled else "，可以重新登录"
    return _done(call, f"已{verb}账号 {name}{told}。", name, "disable" if disabled else "enable")


@action("admin")
def disable(call: Call) -> Response:
    return _switch(call, True)


@action("admin")
def enable(call: Call) -> Response:
    if said := own_refusal(call, f"没有启用 {call.field('name')}"):  # a way back in, for whoever knows its password
        return refused_here(call, said)
    return _switch(call, False)


# Lifting a lock takes the admin's own password too: else a stolen session would lift the locks its guesses put on
# any account or address (its own included) and guess on without end. A locked name or address is refused before
# the password is read (`reauth.refusal`), so the session whose guesses locked them cannot lift them.


@action("admin")
def unlock(call: Call) -> Response:
    name = call.field("name")
    if call.console.accounts.get(name) is None:
        return refused_here(call, f"没有解除锁定：没有用户 {name}。")
    if said := own_refusal(call, f"没有解除 {name} 的登录锁定"):
        return refused_here(call, said)
    if not call.console.throttle.release(name):
        return _done(call, f"{name} 最近没有输错密码，不需要解除。", name, "unlock")
    call.console.accounts.record(call.who(), name, "unlock", call.console.now())
    return _done(call, f"已解除 {name} 的登录锁定，现在可以登录（密码不变）。", name, "unlock")


@action("admin")
def unlock_address(call: Call) -> Response:
    address = plain(call.field("address"))
    if said := own_refusal(call, f"没有解除地址 {address} 的登录锁定"):
        return refused_here(call, said)
    if not call.console.throttle.release_address(address):
        return _done(call, f"地址 {address} 现在没有锁定，不需要解除。", address, "unlock-address-unchanged")
    call.console.accounts.record(call.who(), address, UNLOCK_ADDRESS, call.console.now())
    return _done(call, f"已解除地址 {address} 的登录锁定，从这个地址可以登录了。", address, UNLOCK_ADDRESS)


@view("editor", before_change=True)
def own_password_page(call: Call) -> Response:
    done = "密码已修改。" if call.request.query_params.get("done") == "changed" else ""
    return call.page("password.html", title="修改密码", done=done)


@action("editor", before_change=True)
def own_password(call: Call) -> Response:
    console, user = call.console, call.user
    assert user is not None
    if said := refusal(call, typed(call, "current"), "现在的密码不对", "密码没有改"):  # a stolen session cannot guess it
        return refused_here(call, said)
    try:
        password, _ = _new_password(call, may_generate=False)
        if password == typed(call, "current"):
            raise InputError("新密码不能和现在的密码一样。")
        console.accounts.set_password(user.name, password, console.now(), by=call.who())
    except InputError as exc:
        return refused_here(call, f"密码没有改：{exc}")
    event(log, "password_changed", user=user.name)
    response = RedirectResponse(f"{PASSWORD_PAGE}?done=changed", status_code=303)
    token = console.sessions.start(user, console.now(), signed_in=False)  # the change ended every session, this one too
    response.set_cookie(COOKIE, token, max_age=MAX_AGE, httponly=True, samesite="lax", secure=console.secure_cookies, path="/")
    return response
