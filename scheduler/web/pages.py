"""The console's pages; what they show is gathered by `scheduler.pages` (view models), this module answers requests.

    GET  /  and /month/<YYYY-MM>        the month as a calendar grid (/ shows today's month, or the campaign's first)
    GET  /day/<YYYY-MM-DD>              each post as it will appear, checks, stages, the diff since the last approval
    POST /day/<YYYY-MM-DD>/approve      pass the next stage of every listed post (fields: post …)
    GET  /post/<id>                     a post's history; POST /post/<id>/retry | /cancel (reviewer)
    GET  /edit/<item>, POST             change an item's words (editor): checked as qm check would, saved into its file
    GET  /status                        daemon, next jobs, failures; POST /status/pause | /status/resume (admin)
    GET  /posters[/<YYYY-MM>]           the month's posters with sizes; /posters/file/<path> serves them
    GET  /screens                       what each screen played today (proof of play)
    GET  /static/font/qm-cjk.ttc        the bundled Chinese font, for machines without one

Approve and reject are `review_pages`' actions; a refused one comes back here as the post's page with the reason.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..inputs.content_save import EditRejected, StaleEdit, refresh, save
from ..pages.site import Site
from ..poster.fonts import candidates
from ..publishing import review
from ..publishing import states as st
from ..publishing.queue import Post
from ..support.errors import QmError
from .app import WEB, Call, Console, action, view

_SITE_LOCK = threading.Lock()
DONE = {
    "stage": "已通过本阶段，等待下一阶段审核。",
    "approved": "审核完成，内容将按时发布。",
    "rejected": "已退回，并通知了工作人员。",
    "retried": "已重新排入发布队列。",
    "cancelled": "已取消发布。",
    "saved": "已保存；用到这条内容、尚未发出的内容已回到“待审核”。",
    "unchanged": "内容没有变化，文件未改动。",
    "paused": "已暂停。",
    "resumed": "已恢复发布。",
}


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/month/{month}", month_page, methods=["GET"]),
        Route("/day/{day}", day_page, methods=["GET"]),
        Route("/day/{day}/approve", approve_day, methods=["POST"]),
        Route("/post/{post_id}", post_page, methods=["GET"]),
        Route("/post/{post_id}/retry", retry, methods=["POST"]),
        Route("/post/{post_id}/cancel", cancel, methods=["POST"]),
        Route("/edit/{item_id}", edit_page, methods=["GET"]),
        Route("/edit/{item_id}", edit_save, methods=["POST"]),
        Route("/status", status_page, methods=["GET"]),
        Route("/status/pause", pause, methods=["POST"]),
        Route("/status/resume", resume, methods=["POST"]),
        Route("/posters", posters_page, methods=["GET"]),
        Route("/posters/file/{path:path}", poster_image, methods=["GET"]),
        Route("/posters/{month}", posters_page, methods=["GET"]),
        Route("/screens", screens_page, methods=["GET"]),
        Route("/static/font/qm-cjk.ttc", font, methods=["GET"]),
    ]


def site_of(console: Console) -> Site:
    """The console's `Site`, made once; read again when a content file changed on disk."""
    with _SITE_LOCK:
        site = console.extra.get("site")
        if isinstance(site, Site):
            site.ensure_fresh()
        else:
            site = console.extra["site"] = Site(console.campaign, console.queue, console.now)
        console.templates.globals["warning"] = site.problem  # the library on disk is broken: every page says so
        return site


def stage_view(call: Call, post: Post) -> dict[str, Any]:
    """A post's review progress: the stages passed (who, when) and the one it waits for."""
    rules = call.console.campaign.review
    done = review.passes(call.console.queue, post.id, post.version)
    waiting = review.pending_stage(rules, done) if post.state in (st.PLANNED, st.REJECTED) else None
    return {"post": post, "passes": done, "waiting": waiting}


def _today(call: Call) -> dt.date:
    return dt.datetime.fromtimestamp(call.console.now(), call.console.campaign.timezone).date()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(404) from None


def _done(call: Call) -> str:
    return DONE.get(call.request.query_params.get("done", ""), "")


def back_to(call: Call, default: str) -> str:
    """Where an action returns: the form's `back` when it is a path on this site, else `default`."""
    back = call.field("back")
    return back if back.startswith("/") and not back.startswith("//") else default


def _to(path: str, done: str) -> Response:
    return RedirectResponse(f"{path}{'&' if '?' in path else '?'}done={done}", status_code=303)


# -- the month, a day, a post ------------------------------------------------------------------------


@view("editor")
def home(call: Call) -> Response:
    return _month_view(call, site_of(call.console).default_month(_today(call)))


@view("editor")
def month_page(call: Call) -> Response:
    return _month_view(call, _date(f"{call.request.path_params['month']}-01"))


def _month_view(call: Call, first: dt.date) -> Response:
    values = site_of(call.console).month_values(first, _today(call))
    return call.page("month.html", done=_done(call), wide=True, **values)


@view("editor")
def day_page(call: Call) -> Response:
    return day_response(call, _date(call.request.path_params["day"]))


def day_response(call: Call, day: dt.date, error: str = "", status: int = 200) -> Response:
    values = site_of(call.console).day_values(day)
    stages = {p.entry.id: stage_view(call, p.entry.queued) for p in values["page"].posts if p.entry.queued is not None}
    return call.page("day.html", status=status, done="" if error else _done(call), error=error, stages=stages, wide=True, **values)


@view("editor")
def post_page(call: Call) -> Response:
    return post_response(call, call.request.path_params["post_id"])


def post_response(call: Call, post_id: str, error: str = "", status: int = 200) -> Response:
    """The post's page; after a refused action it shows why (with `status`, e.g. 409)."""
    values = site_of(call.console).post_values(post_id)
    if values is None:
        raise HTTPException(404)
    queued = values["p"].entry.queued
    stages = {post_id: stage_view(call, queued)} if queued is not None else {}
    return call.page("post.html", status=status, done="" if error else _done(call), error=error, stages=stages, **values)


@action("editor")
def approve_day(call: Call) -> Response:
    """Pass the next stage of each post listed on the day page; the ones that cannot pass are named with the reason."""
    day, console = _date(call.request.path_params["day"]), call.console
    assert call.user is not None and call.form is not None
    refused = []
    outcome = "approved"
    for post_id in [v for v in call.form.getlist("post") if isinstance(v, str)]:
        try:
            result = review.pass_stage(
                console.queue, post_id, call.user.name, console.now(), console.campaign.review, role=call.user.role, via=WEB
            )
        except QmError as exc:
            refused.append(str(exc))
            continue
        if result is not None and not result.approved:
            outcome = "stage"
    if refused:
        return day_response(call, day, f"以下 {len(refused)} 条没有通过：" + "；".join(refused), status=409)
    return _to(f"/day/{day.isoformat()}", outcome)


@action("reviewer")
def retry(call: Call) -> Response:
    post_id, console = call.request.path_params["post_id"], call.console
    assert call.user is not None
    try:
        review.retry(console.queue, post_id, call.who(), console.now())
    except QmError as exc:
        return post_response(call, post_id, str(exc), 409)
    return _to(back_to(call, f"/post/{quote(post_id)}"), "retried")


@action("reviewer")
def cancel(call: Call) -> Response:
    post_id, console = call.request.path_params["post_id"], call.console
    try:
        review.cancel(console.queue, post_id, call.who(), call.field("reason") or "在控制台取消", console.now())
    except QmError as exc:
        return post_response(call, post_id, str(exc), 409)
    return _to(back_to(call, f"/post/{quote(post_id)}"), "cancelled")


# -- editing ------------------------------------------------------------------------------------------


@view("editor")
def edit_page(call: Call) -> Response:
    site = site_of(call.console)
    try:
        form = site.edit_form(call.request.path_params["item_id"])
    except QmError:
        raise HTTPException(404) from None
    return call.page("edit.html", done=_done(call), **site.edit_values(form))


@action("editor")
def edit_save(call: Call) -> Response:
    site, console = site_of(call.console), call.console
    item_id = call.request.path_params["item_id"]
    try:
        form = site.edit_form(item_id)
    except QmError:
        raise HTTPException(404) from None
    fields = {name: _raw(call, name) for name in ("title", "summary", "headline", "body")}
    values = {k: v for k, v in fields.items() if v is not None}
    page = site.edit_values(form)["page"]
    if page.locked:
        return call.page(
            "edit.html", status=409, **site.edit_values(form, values, {"": [f"正在发布（{'、'.join(page.locked)}），发布完成前不能修改"]})
        )
    try:
        saved = save(console.campaign, site.library, site.plan, site.renderer, item_id, values, call.field("digest"))
    except EditRejected as exc:
        return call.page("edit.html", status=400, **site.edit_values(form, values, exc.by_field))
    except StaleEdit as exc:
        return call.page("edit.html", status=409, **site.edit_values(site.edit_form(item_id), values, {"": [str(exc)]}))
    if not saved.changed:
        return _to(f"/edit/{quote(item_id)}", "unchanged")
    refresh(console.queue, console.campaign, site.renderer, saved, call.who(), console.now())
    site.reload()
    return _to(f"/edit/{quote(item_id)}", "saved")


def _raw(call: Call, name: str) -> str | None:
    """A form field as typed (not stripped: the edit normalizes it), None when the form lacks it."""
    value = call.form.get(name) if call.form is not None else None
    return value if isinstance(value, str) else None


# -- status, posters, screens --------------------------------------------------------------------------


@view("editor")
def status_page(call: Call) -> Response:
    return call.page("status.html", done=_done(call), **site_of(call.console).status_values(call.console.now()))


@action("admin")
def pause(call: Call) -> Response:
    channel, reason = call.field("channel"), call.field("reason")
    if not reason:
        return call.page("message.html", status=400, title="没有暂停", message="暂停时要写明原因（写在“原因”里）。")
    known = {c.name for c in call.console.campaign.channels}
    if channel != "*" and channel not in known:
        return call.page("message.html", status=400, title="没有暂停", message=f"没有名为 {channel} 的渠道。")
    review.pause(call.console.queue, None if channel == "*" else channel, call.who(), reason, call.console.now())
    return _to("/status", "paused")


@action("admin")
def resume(call: Call) -> Response:
    channel = call.field("channel")
    review.resume(call.console.queue, None if channel in ("*", "") else channel)
    return _to("/status", "resumed")


@view("editor")
def posters_page(call: Call) -> Response:
    site = site_of(call.console)
    month = call.request.path_params.get("month")
    first = _date(f"{month}-01") if month else site.default_month(_today(call))
    return call.page("posters.html", **site.posters_values(first))


@view("editor")
def poster_image(call: Call) -> Response:
    path = site_of(call.console).poster_path(call.request.path_params["path"])
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, headers={"cache-control": "private, max-age=60"})


@view("editor")
def screens_page(call: Call) -> Response:
    return call.page("screens.html", **site_of(call.console).screens_values(_today(call)))


async def font(request: Any) -> Response:
    """The bundled CJK font (public, like the style sheet): pages use it only where the machine has no Chinese font."""
    found = candidates(None, system=False)
    if not found:
        raise HTTPException(404)
    return FileResponse(found[0].path, media_type="font/collection", headers={"cache-control": "public, max-age=86400"})
