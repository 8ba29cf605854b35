"""Review in the browser: the month's days, a day's posts, one post's history, approve and reject.

Minimal pages that the richer calendar and day pages build on; the actions are the ones every page
posts to:

    POST /post/<id>/approve   fields: csrf, version (the version the reviewer saw), back (a local path)
    POST /post/<id>/reject    fields: csrf, reason, back
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from .. import review
from .. import states as st
from ..errors import QmError
from ..queue import Post
from ..review_notices import send_rejection
from .app import WEB, Call, action, view

DONE = {"stage": "已通过本阶段，等待下一阶段审核。", "approved": "审核完成，内容将按时发布。", "rejected": "已退回，并通知了工作人员。"}


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/day/{day}", day_page, methods=["GET"]),
        Route("/post/{post_id}", post_page, methods=["GET"]),
        Route("/post/{post_id}/approve", approve, methods=["POST"]),
        Route("/post/{post_id}/reject", reject, methods=["POST"]),
    ]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(404) from None


def _post(call: Call) -> Post:
    post = call.console.queue.get(call.request.path_params["post_id"])
    if post is None:
        raise HTTPException(404)
    return post


def _back(call: Call, post: Post) -> str:
    back = call.field("back")
    return back if back.startswith("/") and not back.startswith("//") else f"/post/{quote(post.id)}"


def _with(back: str, key: str, value: str) -> str:
    return f"{back}{'&' if '?' in back else '?'}{key}={quote(value)}"


@view("editor")
def home(call: Call) -> Response:
    campaign = call.console.campaign
    start = campaign.at(campaign.start, dt.time()).timestamp()
    end = campaign.at(campaign.end + dt.timedelta(days=1), dt.time()).timestamp()
    counts: dict[dt.date, Counter[str]] = {d: Counter() for d in campaign.days()}
    for post in call.console.queue.find(start=start, end=end):
        counts.setdefault(post.when(campaign.timezone).date(), Counter())[post.state] += 1
    return call.page("home.html", title="本月", counts=counts)


def stage_view(call: Call, post: Post) -> dict[str, object]:
    """A post's review progress: the stages passed (who, when) and the one it waits for."""
    rules = call.console.campaign.review
    done = review.passes(call.console.queue, post.id, post.version)
    waiting = review.pending_stage(rules, done) if post.state in (st.PLANNED, st.REJECTED) else None
    return {"post": post, "passes": done, "waiting": waiting}


@view("editor")
def day_page(call: Call) -> Response:
    campaign = call.console.campaign
    day = _day(call.request.path_params["day"])
    start = campaign.at(day, dt.time()).timestamp()
    posts = call.console.queue.find(start=start, end=start + 86400)
    rows = [stage_view(call, p) for p in posts]
    done = DONE.get(call.request.query_params.get("done", ""), "")
    return call.page("day.html", title=f"{day:%Y-%m-%d}", day=day, rows=rows, done=done)


@view("editor")
def post_page(call: Call) -> Response:
    return _post_view(call, _post(call))


def _post_view(call: Call, post: Post, error: str = "") -> Response:
    """The post's page; after a refused action it shows why (status 409)."""
    history = call.console.queue.history(post.id)
    done = "" if error else DONE.get(call.request.query_params.get("done", ""), "")
    return call.page(
        "post.html", status=409 if error else 200, title=post.id, row=stage_view(call, post), history=history, done=done, error=error
    )


@action("editor")
def approve(call: Call) -> Response:
    post, console = _post(call), call.console
    assert call.user is not None
    back = _back(call, post)
    try:
        passed = review.pass_stage(
            console.queue,
            post.id,
            call.user.name,
            console.now(),
            console.campaign.review,
            role=call.user.role,
            version=call.field("version") or None,
            via=WEB,
        )
    except QmError as exc:
        return _post_view(call, _post(call), str(exc))
    outcome = "approved" if passed is None or passed.approved else "stage"
    return RedirectResponse(_with(back, "done", outcome), status_code=303)


@action("editor")
def reject(call: Call) -> Response:
    post, console = _post(call), call.console
    assert call.user is not None
    back, reason = _back(call, post), call.field("reason")
    try:
        if not reason:
            raise QmError("退回时要写明原因（写在“退回原因”里）")
        stage = review.reject(
            console.queue, post.id, call.user.name, reason, console.now(), console.campaign.review, role=call.user.role, via=WEB
        )
    except QmError as exc:
        return _post_view(call, _post(call), str(exc))
    send_rejection(console.campaign, _post(call), stage, reason, call.who())
    return RedirectResponse(_with(back, "done", "rejected"), status_code=303)
