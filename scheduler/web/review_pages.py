"""Review in the browser: approve and reject, the actions the day and post pages (`pages`) post to:

POST /post/<id>/approve   fields: csrf, version (the version the reviewer saw), stage (the stage its button
                          passes: a form sent twice passes it once, never the next one), back (a local path)
POST /post/<id>/reject    fields: csrf, reason, back (staff are told by the daemon: the rejection records the
                          notice, `notices_due`; the page says whether a daemon runs to send it now)
POST /post/<id>/redraw    fields: csrf, back: draw again its posters drawn before its words changed (an approval
                          is refused while one is: the reviewer did not see the picture that would go out)
POST /post/<id>/retry     fields: csrf, back (reviewer): send a failed or missed post again
POST /post/<id>/cancel    fields: csrf, reason, back (reviewer): take a post out of publishing

Done, they redirect to `back` at the post's card, saying so of it (`redirect_done`); refused, to the post's page saying why (post/redirect/get:
reloading the page it lands on sends nothing again).
"""

from __future__ import annotations

import contextlib
import functools
import time
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..channels.kinds import label_of
from ..publishing import review, review_rules
from ..publishing import states as st
from ..publishing.back_in_review import RULES_CHANGED
from ..publishing.queue import Post
from ..publishing.retry_window import too_late
from ..publishing.review_notices import rejection_told
from ..publishing.review_reasons import one_line
from ..runtime.lock import daemon_running
from ..support.errors import QmError
from .app import WEB, Call, action
from .pages import NO_POST, UNSHOWN, back_saying, back_to, reason_refusal, redirect_done, refused, site_of, with_param


def routes() -> list[BaseRoute]:
    return [
        Route("/post/{post_id}/approve", approve, methods=["POST"]),
        Route("/post/{post_id}/reject", reject, methods=["POST"]),
        Route("/post/{post_id}/redraw", redraw, methods=["POST"]),
        Route("/post/{post_id}/retry", retry, methods=["POST"]),
        Route("/post/{post_id}/cancel", cancel, methods=["POST"]),
    ]


def _post(call: Call) -> Post:
    post = call.console.queue.get(call.request.path_params["post_id"])
    if post is None:
        raise HTTPException(404, NO_POST.format(call.request.path_params["post_id"]))
    return post


def _back(call: Call, post: Post) -> str:
    return back_to(call, f"/post/{quote(post.id)}")


@action("editor")
def approve(call: Call) -> Response:
    post, console = _post(call), call.console
    assert call.user is not None
    back = _back(call, post)
    if not call.field("stage") or not call.field("version"):  # every page sends both: a stale or crafted form
        return refused(call, post.id, UNSHOWN)
    if unseen := site_of(console).unseen_pictures(post):  # the picture shown is not the one that would go out
        return refused(call, post.id, unseen)
    try:
        passed = review.pass_stage(
            console.queue,
            post.id,
            call.user.name,
            console.now(),
            console.campaign.review,
            role=call.user.role,
            stage=call.field("stage"),
            version=call.field("version"),
            via=WEB,
            under=review_rules.of(console.campaign),
            tz=console.campaign.timezone,  # a rejected post is refused, saying when it was rejected: never overruled here
        )
    except QmError as exc:
        return refused(call, post.id, str(exc))
    if passed is None and call.field("version") == post.version:  # approved already (on another device): by whom, when
        return redirect_done(with_param(back, "stage", call.field("stage")), "again", post.id)
    if passed is not None and passed.again:  # the same form twice, or another device passed it: by whom, when
        return redirect_done(with_param(back, "stage", passed.stage), "again", post.id)
    if passed is not None and not passed.approved:  # says which stage it passed and which it waits for
        return redirect_done(with_param(back, "stage", passed.stage), "stage", post.id)
    return redirect_done(back, "approved", post.id)


@action("editor")
def reject(call: Call) -> Response:
    post, console = _post(call), call.console
    assert call.user is not None
    back, reason = _back(call, post), one_line(call.field("reason"))  # the box wraps: lines typed are one reason
    if said := reason_refusal(reason, "退回"):  # blank, or more than the form lets through: back where it was written
        return back_saying(call, back, post.id, said)
    try:
        review.reject(  # records the notice too: the daemon sends it (`notices_due`)
            console.queue, post.id, call.user.name, reason, console.now(), console.campaign.review, role=call.user.role, via=WEB
        )
    except QmError as exc:
        return refused(call, post.id, str(exc))
    done = "rejected-" + rejection_told(console.campaign, daemon_running(console.queue.engine, time.time()))
    return redirect_done(back, done, post.id)


@action("editor")
def redraw(call: Call) -> Response:
    """Draw again the post's posters drawn before its words changed, so a reviewer on a phone sees (and may
    approve) the picture that would go out."""
    post = _post(call)
    try:
        site_of(call.console).redraw(post)
    except QmError as exc:  # a layout that does not fit, no Chinese font: the reason, on the post's page
        return refused(call, post.id, f"{post.id} 的海报没能重画：{exc}")
    return redirect_done(_back(call, post), "redrawn", post.id)


@action("reviewer")
def retry(call: Call) -> Response:
    post_id, console = call.request.path_params["post_id"], call.console
    assert call.user is not None
    try:
        site_of(console).refill()  # as `qm retry`: the words as they are now, an edit made while it was publishing too
        now = console.now()
        campaign = console.campaign
        label = functools.partial(label_of, campaign)
        state = review.retry(
            console.queue, post_id, call.who(), now, too_late(campaign, now), campaign.review, review_rules.of(campaign), label
        )
        retried = console.queue.get(post_id) if state == st.PLANNED else None
        config = campaign.channel(retried.channel) if retried is not None else None
        auto = config is not None and config.auto_approve
    except QmError as exc:
        return refused(call, post_id, str(exc))
    if auto:  # its channel approves it now, as the next refresh would (as `qm retry` does); sent anew all the same if not
        with contextlib.suppress(QmError):
            site_of(console).refill()
    after = console.queue.get(post_id) if state != st.APPROVED else None
    if auto and after is not None and after.state in st.APPROVED_STATES:
        return redirect_done(back_to(call, f"/post/{quote(post_id)}"), "retried-auto", post_id)
    lacked = after is not None and console.queue.change_reasons([after]).get(post_id, "").startswith(RULES_CHANGED)
    done = "retried" if state == st.APPROVED else "retried-rules" if lacked else "retried-review"
    return redirect_done(back_to(call, f"/post/{quote(post_id)}"), done, post_id)


@action("reviewer")
def cancel(call: Call) -> Response:
    post_id, console, reason = call.request.path_params["post_id"], call.console, one_line(call.field("reason"))
    if reason and (said := reason_refusal(reason, "取消")):  # a blank one is allowed: 在控制台取消
        return back_saying(call, back_to(call, f"/post/{quote(post_id)}"), post_id, said)
    try:
        maybe_out = review.cancel(console.queue, post_id, call.who(), reason or "在控制台取消", console.now())
    except QmError as exc:
        return refused(call, post_id, str(exc))
    return redirect_done(back_to(call, f"/post/{quote(post_id)}"), "cancelled-maybe-out" if maybe_out else "cancelled", post_id)
