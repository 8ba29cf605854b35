"""Signing in and out: GET/POST /login, POST /logout."""

from __future__ import annotations

import datetime as dt
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..support.commands import shell_word
from ..support.logs import event
from . import form_size
from .app import Call, action, console_of
from .client_address import client_of_request
from .db_retry import retrying
from .sessions import COOKIE, FAILURE_WINDOW, LOGIN_COOKIE, MAX_AGE, Lock, log_in, minutes, new_token, same

log = logging.getLogger("qm.web")


def routes() -> list[BaseRoute]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def _next(target: str) -> str:
    """Where to go after signing in: a path on this site only."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _form(request: Request, message: str = "", name: str = "", status: int = 200) -> HTMLResponse:
    console = console_of(request)
    token = request.cookies.get(LOGIN_COOKIE) or new_token()
    target = _next(request.query_params.get("next", "/"))
    if not message and request.query_params.get("again"):
        message = "登录已失效，刚才的操作没有执行：请登录后再做一次。"
    html = console.templates.get_template("login.html").render(
        user=None, csrf=token, path="/login", message=message, name=name, next=target
    )
    response = HTMLResponse(html, status_code=status)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="lax", secure=console.secure_cookies, path="/login")
    return response


def locked_out(lock: Lock, address: str, name: str = "", proxy: str = "", until: str = "") -> str:
    """What the login page says to an attempt refused by the throttle: which lock, until when (`until`: the clock
    time, 14:35), and who lifts it (the commands for the address and the name typed, quoted for a shell; the page
    escapes them)."""
    said = f"登录失败次数过多，请 {minutes(lock.seconds)} 分钟后{f'（{until} 以后）' if until else ''}再试。"
    if lock.address:
        said += (
            f"从这个网络地址（{address}）输错密码的次数太多，这个地址已暂停登录：同一网络（同一出口地址）里的所有人都登录不了，"
            f"密码对了也不行。着急的话，请从别的网络登录的管理员在审核台的“账号”页面解除，或在运行 qm 的机器上运行 qm user unlock --address {shell_word(address)} 立即解除。"
        )
    if lock.proxy:
        said += (
            f"经反向代理（{proxy}）来的登录输错密码的次数太多（15 分钟内 100 次），经过它的所有人都暂停登录，密码对了也不行。"
            f"着急的话，请不经这个代理登录的管理员在审核台的“账号”页面解除，或在运行 qm 的机器上运行 qm user unlock --address {shell_word(proxy)} 立即解除。"
        )
    if lock.name:
        said += (
            f"这个用户名输错密码的次数太多，已暂停登录；着急的话，请管理员在审核台的“账号”页面解除，"
            f"或运行 qm user unlock {_argument(name)} 立即解除。"
        )
    return said


def _tries_left(name: int, address: int) -> str:
    """A warning once few wrong passwords are left before a lock ("" before): the same for every name typed,
    a real account's or not, so it tells nothing about which names exist."""
    window = FAILURE_WINDOW // 60
    if name <= 2:
        return f"再输错 {name} 次，这个用户名将暂停登录 {window} 分钟（密码对了也不行）；忘了密码请找管理员重设（审核台的“账号”页面，或 qm user passwd）。"
    if address <= 3:
        return f"从这个网络地址再输错 {address} 次，这个地址将暂停登录 {window} 分钟：同一网络里的所有人都登录不了。"
    return ""


def _argument(name: str) -> str:
    """`name` as one argument of a shell command (`shell_word`: quoted only when a shell would split or expand it)."""
    if not name:
        return "用户名"
    return f"-- {shell_word(name)}" if name.startswith("-") else shell_word(name)  # not read as an option


async def login_page(request: Request) -> Response:
    return _form(request)


async def login_submit(request: Request) -> Response:
    console = console_of(request)
    if (refusal := form_size.refused(request.headers, form_size.LOGIN_FORM)) is not None:
        return refusal  # read before anything: the form is open to anyone, its size must not be
    form = await request.form(max_files=0, max_fields=20)
    name, password, token = (str(form.get(k) or "") for k in ("name", "password", "csrf"))
    if not same(token, request.cookies.get(LOGIN_COOKIE, "")):
        return _form(request, "登录表单已过期或不是从本站提交的，请重新输入。", name.strip(), status=403)
    address, proxy = client_of_request(request, console.campaign.web.trusted_proxies)
    user, lock = await run_in_threadpool(
        retrying, log_in, console.accounts, console.throttle, name.strip(), password, address, console.now(), proxy
    )
    if user is None:
        locked = [kind for kind, on in (("name", lock.name), ("address", lock.address), ("proxy", lock.proxy)) if on] if lock else []
        event(log, "login_failed", logging.WARNING, user=name.strip()[:40], address=address, throttled=",".join(locked) or "no")
        if lock is not None:
            until = dt.datetime.fromtimestamp(console.now() + lock.seconds, console.campaign.timezone).strftime("%H:%M")
            return _form(request, locked_out(lock, address, name.strip(), proxy, until), name.strip(), status=429)
        left = await run_in_threadpool(retrying, console.throttle.left, name.strip(), address, console.now())
        return _form(request, "用户名或密码不对，或账号已停用。" + _tries_left(*left), name.strip(), status=401)
    session = await run_in_threadpool(retrying, console.sessions.start, user, console.now())
    event(log, "login", user=user.name, address=address)
    response = RedirectResponse(_next(str(form.get("next") or "/")), status_code=303)
    response.set_cookie(COOKIE, session, max_age=MAX_AGE, httponly=True, samesite="lax", secure=console.secure_cookies, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@action("editor", writes=False, before_change=True)  # signing out is always possible
def logout(call: Call) -> Response:
    call.console.sessions.end(call.request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
