"""`qm web`: the review console and the screen players in one Starlette application.

Pages are plain functions registered in `routes()` of their module (`login`, `review_pages`, …)
and wrapped by `view` (GET: needs a signed-in account of a role) or `action` (POST: also checks
the form's CSRF token). Those wrappers run the page function in the server's thread pool with a
`Call` that carries the console, the request, the user and, for actions, the form: database work
never blocks the event loop. Every response gets security headers; pages may load only this
application's own files (Content-Security-Policy), so nothing is fetched from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles

from ..channels.kinds import label_of
from ..inputs.campaign import ROLE_LABELS, ROLES, Campaign
from ..publishing import states as st
from ..publishing.queue import Queue
from ..publishing.review import paused
from ..publishing.review_reasons import REASON_MAX
from ..runtime.rehearsal import now_seconds
from ..screens.serve import ScreenPlayers
from ..support.logs import event
from ..views.pause_notes import banners
from . import flash, form_size
from .accounts import Accounts, User
from .config_watch import ConfigWatch, banner, refusal
from .db_retry import retrying
from .security_headers import SecurityHeaders
from .sessions import COOKIE, Session, Sessions, Throttle, same

HERE = Path(__file__).parent
log = logging.getLogger("qm.web")


@dataclass
class Console:
    """What every page works with: the campaign, the database and its helpers, the page templates."""

    campaign: Campaign
    engine: Engine
    clock: Callable[[], float] = now_seconds  # the rehearsal clock when QM_NOW is set
    extra: dict[str, Any] = field(default_factory=dict)  # for pages that cache what they load (plan, library …)
    watch: ConfigWatch | None = None  # the config it was started with, to notice changes on disk (default: as it is now)

    def __post_init__(self) -> None:
        self.watch = self.watch or ConfigWatch.of(self.campaign)

    def config_changed(self) -> str:
        """What every page says while the config on disk differs from the one the console works with ("" while not)."""
        change = self.watch.change() if self.watch else None
        return banner(change, self.campaign, self.now()) if change else ""

    @cached_property
    def queue(self) -> Queue:
        return Queue(self.engine)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.engine)

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.engine, self.campaign.web.session_idle_minutes)

    @cached_property
    def throttle(self) -> Throttle:
        return Throttle(self.engine)

    @cached_property
    def templates(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        env.globals.update(
            campaign=self.campaign,
            state_label=st.label,
            role_labels=ROLE_LABELS,
            channel_label=lambda name: label_of(self.campaign, name),
            reason_max=REASON_MAX,
        )
        tz = self.campaign.timezone
        env.filters["time"] = lambda ts, fmt="%Y-%m-%d %H:%M": dt.datetime.fromtimestamp(ts, tz).strftime(fmt)
        return env

    @property
    def secure_cookies(self) -> bool:
        return self.campaign.web.public_url.startswith("https://")

    def now(self) -> float:
        return self.clock()


@dataclass
class Call:
    """One request as a page function sees it."""

    console: Console
    request: Request
    user: User | None
    session: Session | None
    form: FormData | None = None

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """Render `templates/<template>` with `user`, `csrf` (for forms) and `values`."""
        if not values.get("error") and not values.get("card_note"):  # why an action was refused (`refused_here`)
            values["error"] = flash.note(self)
        if "config_changed" not in values:  # signed-in pages say when config.yaml changed since the start (once)
            changed = self.console.config_changed() if self.user else ""
            values["config_changed"] = "" if changed in values.get("error", "") else changed
        if self.user:  # a pause in force: every signed-in page says so
            values["paused"] = banners(paused(self.console.queue), self.console.campaign)
        html = self.console.templates.get_template(template).render(
            user=self.user, csrf=self.session.csrf if self.session else "", path=self.request.url.path, **values
        )
        return HTMLResponse(html, status_code=status)

    def field(self, name: str) -> str:
        """A form field as text ("" when absent)."""
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def who(self) -> str:
        """The audit log's `who` for this user's actions: the account name and "web" (review.* take `via=WEB`)."""
        assert self.user is not None
        return f"{self.user.name}（{WEB}）"


WEB = "web"


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


PageFunction = Callable[[Call], Response]
PASSWORD_PAGE = "/password"  # where an account with a temporary password chooses its own (`user_pages`)


def view(role: str = "editor", before_change: bool = False) -> Callable[[PageFunction], Callable[[Request], Awaitable[Response]]]:
    """A GET page for signed-in accounts of `role` or above; others are sent to the login page. An account whose
    password an admin set (`must_change`) is sent to choose its own first, but to pages open `before_change`."""

    def wrap(fn: PageFunction) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            console = console_of(request)
            session = await session_of(request)
            if session is None:
                return _to_login(request)
            if session.user.must_change and not before_change:  # a temporary password: a new one first
                return RedirectResponse(PASSWORD_PAGE, status_code=303)
            if not session.user.may(role):
                return _forbidden(console, session, role)
            return await run_in_threadpool(retrying, fn, Call(console, request, session.user, session))

        endpoint.__name__ = fn.__name__
        return endpoint

    return wrap


def action(
    role: str = "editor", writes: bool = True, before_change: bool = False
) -> Callable[[PageFunction], Callable[[Request], Awaitable[Response]]]:
    """A POST handler: like `view`, and the form must carry the session's CSRF token. One that `writes` is
    refused (nothing done) while the config on disk differs from the one the console was started with. Refused
    for the role or the config, it redirects to the form's page saying why (`refused_here`)."""

    def wrap(fn: PageFunction) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            console = console_of(request)
            if (refusal := form_size.refused(request.headers)) is not None:
                return refusal
            session = await session_of(request)
            form = await request.form(max_files=0, max_fields=200)
            if session is None:
                return _to_login(request)
            token = form.get("csrf")
            if not isinstance(token, str) or not same(token, session.csrf):
                return _csrf_refused(console, session)
            call = Call(console, request, session.user, session, form)
            if session.user.must_change and not before_change:
                return RedirectResponse(PASSWORD_PAGE, status_code=303)
            if not session.user.may(role):
                return refused_here(call, _forbidden_message(session, role))
            if writes and (said := await run_in_threadpool(_stale_refusal, console)):
                return refused_here(call, said)
            return await run_in_threadpool(retrying, fn, call)

        endpoint.__name__ = fn.__name__
        return endpoint

    return wrap


async def session_of(request: Request) -> Session | None:
    console = console_of(request)
    return await run_in_threadpool(retrying, console.sessions.find, request.cookies.get(COOKIE, ""), console.now())


def _to_login(request: Request) -> Response:
    """To the login page, then back. A form sent after the session ended was not carried out: back to the
    page the form was on (same-origin pages send it as referer; the form's address takes POST only), told so."""
    came_from = urlsplit(str(request.url) if request.method in ("GET", "HEAD") else request.headers.get("referer", ""))
    target = came_from.path + (f"?{came_from.query}" if came_from.query else "") if came_from.netloc == request.url.netloc else ""
    again = "" if request.method in ("GET", "HEAD") else "&again=1"
    target += f"#do-{post}" if again and target and (post := request.path_params.get("post_id")) else ""  # at the card's buttons
    return RedirectResponse(f"/login?next={quote(target or '/')}{again}", status_code=303)


def _message(console: Console, session: Session | None, status: int, title: str, message: str, **values: Any) -> Response:
    """A refusal shown before any page function ran (its request is not at hand): the message page, for this user."""
    user = session.user if session else None
    call = Call(console, Request({"type": "http", "path": "/", "query_string": b"", "headers": []}), user, session)
    return call.page("message.html", status=status, title=title, message=message, **values)


def _forbidden(console: Console, session: Session, role: str) -> Response:
    return _message(console, session, 403, "没有权限", _forbidden_message(session, role, "这个页面"))


def _forbidden_message(session: Session, role: str, what: str = "这个操作") -> str:
    people, label = "、".join(ROLE_LABELS[r] for r in ROLES[ROLES.index(role) :]), session.user.role_label
    return f"{what}只有{people}能用，你的账号是{label}，操作没有执行。需要时请{people}来做；经常要做的，请管理员把你的账号改为{ROLE_LABELS[role]}。"


def _stale_refusal(console: Console) -> str:
    """Why a change is refused while the config on disk differs from the console's; "" while it does not."""
    change = console.watch.change() if console.watch else None
    if change is None:
        return ""
    event(log, "web_refused_config_changed", logging.WARNING, file=change.path.name)
    return refusal(change, console.campaign, console.now())


def refused_here(call: Call, message: str) -> Response:
    """A refused action: to the page its form was on (the form's own address when it is also a page, as /edit/<item>;
    else the address without the action, /post/<id>/approve → /post/<id>), which says why. Post/redirect/get:
    reloading that page sends nothing again, so a refusal never turns into the action once its reason is gone."""
    path = call.request.url.path
    as_get = {**call.request.scope, "method": "GET"}
    if not any(r.matches(as_get)[0] == Match.FULL for r in call.request.app.routes):
        path = path.rsplit("/", 1)[0] or "/"
    return RedirectResponse(f"{path}?note={flash.keep(call, message)}", status_code=303)


def _csrf_refused(console: Console, session: Session | None) -> Response:
    message = "表单已过期或不是从本站提交的（缺少或不符的安全令牌），操作没有执行。请返回刷新页面后重试。"
    return _message(console, session, 403, "操作被拒绝", message)


def create_app(console: Console) -> Starlette:
    from . import day_approval, edit_pages, error_pages, library_pages, login, media_pages, pages, print_pages, review_pages, status_pages
    from .user_pages import routes as account_routes

    players = ScreenPlayers(console.campaign)
    routes: list[BaseRoute] = [
        *login.routes(),
        *review_pages.routes(),
        *pages.routes(),
        *day_approval.routes(),
        *edit_pages.routes(),
        *library_pages.routes(),
        *status_pages.routes(),
        *media_pages.routes(),
        *print_pages.routes(),
        *account_routes(),
        *players.routes(status_path="/screen-status", index=False),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers=error_pages.HANDLERS)
    app.state.console = console
    app.state.players = players
    app.add_middleware(SecurityHeaders)
    return app
