"""Screen posts whose words changed after their approval: the daemon's work ahead keeps them off the wall.

A slide is drawn from the library as it stands, and the daemon redraws the screens' playlists every few
minutes, while the queue is refilled (a changed post sent back to review) only in the morning or by a
command. So before each build, the posts due on a screen are rendered as a refill renders them: one the
queue holds approved at another version is left off the playlists (as `daily.EDITED`), the
queue is refilled at once (one not yet published goes back to review, its history saying what changed,
as at the morning refresh; one already on the wall stays published and stays off until its words are
the approved ones again), and staff are told once per post and version (`notices_due`, sent by the
daemon). Loaded by the daemon only (it reads and writes the queue).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..publishing import notices_due, notices_sent
from ..publishing import states as st
from ..publishing.queue import Post, Queue
from ..publishing.queue_sync import fill
from ..rendering.payloads import Renderer
from ..support.logs import event
from ..support.notify import APPROVAL, Notice
from ..views.console_links import link_line, post_url
from .daily import due_days, edited_since_approval

log = logging.getLogger("qm.daemon")
NOTICE = "screen-held"  # the notice's topic (`notices_due`) and its posts' keys (`notices_sent`)
SHOWN = 10  # posts a notice lists; the rest are counted


def hold(campaign: Campaign, plan: Plan, renderer: Renderer, queue: Queue, queued: list[Post], now: dt.datetime) -> list[str]:
    """The ids of the screen posts to leave off the playlists (see the module); refills and tells as it says."""
    due = due_days(campaign, now)
    screens = {s.name: s.id for s in campaign.screens}
    on_wall = [p for p in plan.posts if p.channel in screens and due.get(screens[p.channel]) == p.slot.day]
    edited = edited_since_approval(renderer, queued, on_wall)
    if not edited:
        return []
    states = {p.id: p.state for p in queued}
    if any(states[p.id] not in st.LOCKED for p, _ in edited):
        told = frozenset(p.id for p, _ in edited)  # this notice tells of them: not the refill's too
        fill(queue, campaign, plan, renderer, now.timestamp(), told=told)  # back to review, as the morning refresh does
    with queue.engine.begin() as conn:
        new = [p for p, version in edited if notices_sent.claim(conn, f"{NOTICE}:{p.id}:{version}", now.timestamp())]
        if new:
            body = {"posts": [{"post": p.id, "title": p.item.title, "out": states[p.id] in st.LOCKED} for p in new]}
            notices_due.record(conn, NOTICE, body, now.timestamp())
    if new:
        note = "审核后内容又改过，电子屏不播放改过的文字"
        event(log, "screen_slides_held", logging.WARNING, posts="、".join(p.id for p in new), note=note)
    return [p.id for p, _ in edited]


def notice(campaign: Campaign, body: dict[str, Any]) -> Notice:
    """The notice `hold` recorded: which slides are off the wall, and what puts them back."""
    posts = body["posts"]
    lines = [f"{p['post']}：{p['title']}" for p in posts[:SHOWN]]
    if len(posts) > SHOWN:
        lines.append(f"……共 {len(posts)} 条")
    if any(not p["out"] for p in posts):
        lines.append("还没有上屏的已回到待审核，重新审核通过后自动上屏：qm queue --state 待审核 查看改了什么，qm approve 编号 审核")
    if any(p["out"] for p in posts):
        lines.append("已经上屏的不能重新审核：这一天不再播放它；把内容改回审核通过时的文字，它在 5 分钟内回到屏幕上")
    lines.extend(link_line(post_url(campaign, posts[0]["post"])) if len(posts) == 1 else ())
    return Notice(APPROVAL, f"【电子屏】{len(posts)} 条内容审核后又改过，改过的文字没有上屏", tuple(lines))
