"""The console's pages for the month, a day and a post; what they show is gathered by `scheduler.pages`
(view models), this module answers requests and holds what the console's other page modules share.

    GET  /  and /month/<YYYY-MM>        the month as a calendar grid (/ shows today's month, or the campaign's first)
    GET  /day/<YYYY-MM-DD>              each post as it will appear, checks, stages, the diff since the last approval
                                        (a day outside the campaign, linked from the month grid, says so and links its nearest day)
    POST /day/<YYYY-MM-DD>/approve      the day's buttons, one per review stage (`day_approval`)
    GET  /post/<id>                     a post's history (its retry and cancel buttons post to `review_pages`)
                                        (refused actions on a post redirect to its page, which says why: `refused`)

Approve, reject, redraw, retry and cancel are `review_pages`' actions; a refused one redirects here, to the post's page with the reason.
Changing an item's words is `edit_pages`; the status page and the pause switch `status_pages`; posters,
screens and the bundled font `media_pages`; the print sheets' sign-off `print_pages`.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..channels.kinds import label_of
from ..inputs.dates_written import date_error, example_day
from ..pages.site import Site
from ..publishing import review, review_progress
from ..publishing import states as st
from ..publishing.queue import Post
from ..publishing.review_notices import TOLD
from ..publishing.review_reasons import overlong, unseen
from ..views.pause_notes import paused_said
from ..views.print_standing import AFTER_SIGNING
from . import flash, review_said
from .app import Call, Console, view

_SITE_LOCK = threading.Lock()
NO_POST = "没有编号为 {} 的排期内容：它可能已取消，或排期改动后换了编号，请回到月历查找"
DONE = {
    "stage": "已通过本阶段，等待下一阶段审核。",
    "approved": "审核完成，内容将按时发布。",
    **{f"rejected-{key}": "已退回。" + told for key, told in TOLD.items()},
    "retried": "已重新排入发布队列。",
    "retried-auto": "已重新排入发布队列：渠道设置了自动审核（auto_approve），已自动审核通过，不用再审核。",
    "retried-review": "已重新排入，回到“待审核”：审核通过后才会发布。",
    "retried-rules": "已重新排入，但原来的审核不符合现在的审核规则，回到“待审核”（还差什么见这条内容的“回到待审核”说明）：审核通过后才会发布。",
    "cancelled": "已取消发布。",
    "saved": "已保存；用到这条内容、尚未发出的内容已回到“待审核”。",
    "unchanged": "内容没有变化，文件未改动。",
    "saved-late": "已保存；但有内容在保存时已经开始发布，发出的是修改前的文字（见该条内容的记录）。其余用到这条内容、尚未发出的内容已回到“待审核”。",
    "redrawn": "海报已按现在的文字重画，请看过新图片后再审核。",
    "resumed": "已恢复发布。",
    "resumed-held": "这个渠道的单独暂停已解除，但全部渠道仍暂停中，它仍不发布：恢复下面“全部渠道”的暂停后各渠道一起恢复。",
    **{key: f"已签发：{said}" for key, said in AFTER_SIGNING.items()},
}


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/month/{month}", month_page, methods=["GET"]),
        Route("/day/{day}", day_page, methods=["GET"]),
        Route("/post/{post_id}", post_page, methods=["GET"]),
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


def stage_view(call: Call, post: Post, unseen: bool = False) -> dict[str, Any]:
    """A post's review progress: the stages passed (who, when), the one it waits for, and why the
    signed-in user may not pass that one ("" when they may), so no page offers a button that can only fail
    (`rejects`: the role a rejection asks now);
    `unseen`: a poster of it shows its words from before a change (no button until it is drawn again)."""
    rules = call.console.campaign.review
    done = review.passes(call.console.queue, post.id, post.version)
    if post.state != st.PLANNED:  # a rejected post waits for its words to change, not for a button (`rejection_hold`)
        last = rules.stages[-1].role
        return {"post": post, "passes": done, "waiting": None, "blocked": "", "unseen": False, "rejects": last, "mine": False}
    done = review_progress.live_passes(rules, done)
    waiting = review_progress.pending_stage(rules, done)
    user = call.user
    blocked = review.person_refusal(rules, waiting, done, user.name, user.role, post.id) if waiting and user else ""
    rejects = (waiting or rules.stages[-1]).role  # the role `review.reject` asks: the stage it waits for
    mine = bool(blocked) and user is not None and any(p.who == user.name for p in done)  # waits for a colleague's next stage
    return {"post": post, "passes": done, "waiting": waiting, "blocked": blocked, "unseen": unseen, "rejects": rejects, "mine": mine}


FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)  # a day page reaches the day after, a month its whole weeks


def today(call: Call) -> dt.date:
    return dt.datetime.fromtimestamp(call.console.now(), call.console.campaign.timezone).date()


def day_of(text: str, call: Call | None = None) -> dt.date:
    """The day of a page's address; a 404 that says what is wrong with it (with a day of the campaign as the example)."""
    example = example_day(call.console.campaign.start, call.console.campaign.end) if call else None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise HTTPException(404, f"{text} 不是有效日期：{date_error(text, example)}") from None
    return in_range(day, text, f"，如 {example}" if example else "")


def in_range(day: dt.date, text: str, example: str = "") -> dt.date:
    """`day`, or a 404 when it lies where the pages' weeks and months around it would leave the calendar."""
    if not FIRST_DAY <= day <= LAST_DAY:
        said = f"{text} 超出审核台能显示的日期范围（{FIRST_DAY.year} 年至 {LAST_DAY.year} 年）：请写活动期内的日期{example}"
        raise HTTPException(404, said)
    return day


def done_message(call: Call) -> str:
    """What the `done` parameter names; `done=again&stage=…&post=…`: a stage passed already (by whom, when: `review_said`);
    `done=stage&stage=…`: one post's stage passed and the next; `done=passed&said=…`: what a day's buttons passed."""
    done, stage, post = (call.request.query_params.get(k, "") for k in ("done", "stage", "post"))
    rules = call.console.campaign.review
    names = [s.name for s in rules.stages]
    if done == "again" and stage in names:
        return review_said.again_message(call.console.queue, post, stage, call.console.campaign.timezone)
    if done == "stage" and stage in names[:-1]:  # the stage passed and the one it waits for now
        return f"已通过{stage}，等待{names[names.index(stage) + 1]}。"
    if done == "passed":  # kept by the approval for this session (`day_approval`): "" for any other address
        return flash.note(call, "said")
    if done == "cancelled-maybe-out":  # `review_pages.cancel`: an attempt before the cancel may have sent it: what to check
        named = post if post and call.console.queue.get(post) is not None else "这条内容"  # a post's id, no words of a link's
        return f"已取消发布，不再发出。{review.maybe_out(named)}"
    if done == "paused":  # what is paused now, by the channels' Chinese names, and until when
        return paused_said(review.paused(call.console.queue), lambda name: label_of(call.console.campaign, name))
    return DONE.get(done, "")


def done_values(call: Call, ids: list[str], error: str = "") -> dict[str, Any]:
    """What the page says after an action: `done` (or the refusal `error`) at the top, or `card_note` (with
    `note_class`) on the card of the post it is about, with its id, when the `post` parameter names one of
    `ids` (the page then opens at that card: `redirect_done`, `back_saying`)."""
    said, post = error or done_message(call), call.request.query_params.get("post", "")
    if said and post in ids:
        return {"done": "", "error": "", "card_note": f"{post}：{said}", "note_class": "error" if error else "done", "done_post": post}
    return {"done": "" if error else said, "error": error, "card_note": "", "note_class": "", "done_post": ""}


def back_saying(call: Call, back: str, post_id: str, message: str) -> Response:
    """A form refused for what it holds (a blank reason): back to the page it was on, at the post's card, saying why."""
    path = with_param(back, "note", flash.keep(call, message))
    return RedirectResponse(f"{path}&post={quote(post_id)}#post-{quote(post_id)}", status_code=303)


def with_param(path: str, key: str, value: str) -> str:
    """`path` (which may carry a query already) with `key=value` added to its query."""
    return f"{path}{'&' if '?' in path else '?'}{key}={quote(value)}"


def reason_refusal(reason: str, act: str, button: str = "") -> str:
    """Why a reason for `act` (退回, 取消, 暂停), written in the field “<act>原因” and sent with the button `button`
    (default: `act`), is refused ("" when it is not): blank, longer than the form allows, or holding a character
    not seen (`review_reasons`)."""
    if not reason:
        return f"{act}时要写明原因（写在“{act}原因”里，只有空格不算），这次没有{act}。"
    if too_long := overlong(reason, act):
        return f"{too_long}：请写简短些再按“{button or act}”。"
    return f"{said}：请删去后再按“{button or act}”。" if (said := unseen(reason, act)) else ""


def back_to(call: Call, default: str) -> str:
    """Where an action returns: the form's `back` when it is a path on this site, else `default`."""
    back = call.field("back")
    return back if back.startswith("/") and not back.startswith("//") else default


UNSHOWN = (
    "表单没有写明要通过的审核阶段和内容版本（可能来自旧版本的页面，或不是从审核台页面提交的），没有审核："
    "不能确定你看到的是哪一阶段、哪一版内容。请打开这条内容的页面，核对后再按“通过”按钮"
)


def refused(call: Call, post_id: str, error: str) -> Response:
    """To the post's page, which says why an action on it was refused (kept for this session: `flash`),
    so that reloading it sends nothing again."""
    return RedirectResponse(f"/post/{quote(post_id)}?note={flash.keep(call, error)}", status_code=303)


def redirect_done(path: str, done: str, post_id: str = "") -> Response:
    """Back to `path` saying `done`; about one post: at its card (`#post-<id>`), saying its id (`done_values`)."""
    about = f"&post={quote(post_id)}#post-{quote(post_id)}" if post_id else ""
    return RedirectResponse(f"{with_param(path, 'done', done)}{about}", status_code=303)


# -- the month, a day, a post ------------------------------------------------------------------------


@view("editor")
def home(call: Call) -> Response:
    return _month_view(call, site_of(call.console).default_month(today(call)))


@view("editor")
def month_page(call: Call) -> Response:
    month, campaign = call.request.path_params["month"], call.console.campaign
    example = f"{example_day(campaign.start, campaign.end):%Y-%m}"
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise HTTPException(404, f"{month} 不是有效的月份：月份写作 {example} 的形式") from None
    return _month_view(call, in_range(first, month, f"，如 {example}"))


def _month_view(call: Call, first: dt.date) -> Response:
    values = site_of(call.console).month_values(first, today(call))
    return call.page("month.html", done=done_message(call), wide=True, **values)


@view("editor")
def day_page(call: Call) -> Response:
    return day_response(call, day_of(call.request.path_params["day"], call), flash.note(call))  # what a refused bulk approval said


def day_response(call: Call, day: dt.date, error: str = "", status: int = 200) -> Response:
    values = site_of(call.console).day_values(day)
    stages = {p.entry.id: stage_view(call, p.entry.queued, p.stale) for p in values["page"].posts if p.entry.queued is not None}
    done, bulk = done_values(call, list(stages), error), review_said.bulk_groups(stages.values(), call.console.campaign.review)
    return call.page("day.html", status=status, stages=stages, bulk=bulk, wide=True, **done, **values)


@view("editor")
def post_page(call: Call) -> Response:
    return post_response(call, call.request.path_params["post_id"], flash.note(call))  # why an action was refused


def post_response(call: Call, post_id: str, error: str = "") -> Response:
    """The post's page; after a refused action it shows why."""
    values = site_of(call.console).post_values(post_id)
    if values is None:
        raise HTTPException(404, NO_POST.format(post_id))
    queued = values["p"].entry.queued
    stages = {post_id: stage_view(call, queued, values["p"].stale)} if queued is not None else {}
    done = done_values(call, [post_id], error)
    return call.page("post.html", stages=stages, **done, **values)
