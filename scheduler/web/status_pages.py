"""The console's status page (the daemon, the next jobs, recent failures) and the emergency switch:
GET /status; POST /status/pause and /status/resume (admin). What the page shows is gathered by `pages.status`."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..publishing import review
from ..publishing import states as st
from ..publishing.review_reasons import one_line
from .app import Call, action, refused_here, view
from .pages import done_message, reason_refusal, redirect_done, site_of


def routes() -> list[BaseRoute]:
    return [
        Route("/status", status_page, methods=["GET"]),
        Route("/status/pause", pause, methods=["POST"]),
        Route("/status/resume", resume, methods=["POST"]),
    ]


@view("editor")
def status_page(call: Call) -> Response:
    return call.page("status.html", done=done_message(call), **site_of(call.console).status_values(call.console.now()))


@action("admin")
def pause(call: Call) -> Response:
    channel, reason = call.field("channel"), one_line(call.field("reason"))  # the box wraps: lines typed are one reason
    if said := reason_refusal(reason, "暂停", "紧急暂停"):  # blank, or more than the form lets through
        return refused_here(call, said)
    known = {c.name for c in call.console.campaign.channels}
    if channel != "*" and channel not in known:
        return refused_here(call, f"没有暂停：没有名为 {channel} 的渠道。")
    review.pause(call.console.queue, None if channel == "*" else channel, call.who(), reason, call.console.now())
    return redirect_done("/status", "paused")


@action("admin")
def resume(call: Call) -> Response:
    channel = call.field("channel")
    one = None if channel in ("*", "") else channel
    review.resume(call.console.queue, one, call.who(), call.console.now())
    held = one is not None and st.ALL_CHANNELS in review.paused(call.console.queue)  # its own pause lifted, not all channels'
    return redirect_done("/status", "resumed-held" if held else "resumed")
