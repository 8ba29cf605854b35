"""Publishing the pictures that were approved: a post goes out only while its inputs still draw them.

The queue keeps a post's approved words, but its pictures (a WeChat cover and inline images, Weibo's
pictures) are drawn from the files as they are when it goes out (`poster/files.py`), and the daemon
draws posters ahead from the current files every few minutes while it refills the queue only in the
morning. A title edited after the approval would otherwise go out on the cover under the old approval.

So before claiming a post with pictures the daemon asks whether the current words, layouts, brand, logo
and photograph still make the version it was approved at (`PosterFiles.unapproved`, nothing drawn). When
they do not, it refills the queue at once, as the morning refresh would: the post goes back to review at
its new version with the usual history line (what changed, old → new version), and the reviewers are told
now (the post was due). It is never published with other pictures, nor without them. A post that the
refill leaves scheduled (a version of an earlier qm carried over, same pictures) goes out; one still
different (the refill failed: a content file does not load) fails, saying why, and staff are told.

The picture file itself is then the source's (`channels/images.py`): one on disk drawn from other inputs
is drawn again from the current ones, which are the approved ones. An edit saved in the moment between
this check and the channel reading the file is caught as the channel reads it (`PosterFiles.approved`: the
bytes read are checked, and those bytes are sent): the channel refuses before any upload (`NotApproved`),
and the post, released, goes back to review as above (`refused`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .. import jobs
from ..channels.kinds import named_channel
from ..publishing import states as st
from ..publishing.queue import Post
from ..rendering.versions import unversioned
from ..support.errors import QmError
from ..support.logs import event
from ..support.notify import APPROVAL, Notice
from ..views.console_links import link_line, post_url
from .context import WHO, Shared, log

AGAIN_S = 15  # a post whose pictures were refused while sending, found as approved again: sent this much later
Fail = Callable[[Post, str, float], None]  # fails a post, telling staff (`Publishing._fail`)


def held_back(shared: Shared, post: Post, now: float, fail: Fail) -> bool:
    """True when `post` must not be claimed now: its pictures are no longer those of its approved version."""
    check = shared.pictures
    if check is None or not post.images:
        return False
    why = check(post.channel, post.payload, post.version, post.images)
    if not why:
        return False
    event(log, "pictures_not_approved", logging.WARNING, post=post.id, why=why)
    refill = ""
    try:
        shared.fill(now, told=frozenset({post.id}))  # told here, at once: not again by the refill's notice
    except QmError as exc:
        refill = "；".join(exc.lines())
    again = shared.queue.get(post.id)
    if again is None or again.state in (st.CANCELLED, st.REJECTED):
        return True  # the plan no longer has it
    if again.state == st.PLANNED:
        shared.notify(_back_notice(shared, again, why))
        return True
    if again.state != st.SCHEDULED:
        return True  # approved or paused again meanwhile by a person: the sweep schedules it anew
    if not (still := check(again.channel, again.payload, again.version, again.images)):
        return False  # the refill carried an earlier qm's version over: the same pictures
    detail = f"（刷新队列失败：{refill}）" if refill else ""
    fail(again, f"{still}，没有发布{detail}：改好后运行 qm queue 刷新，重新审核后发布", now)
    return True


def refused(shared: Shared, post: Post, why: str, now: float, fail: Fail) -> None:
    """The channel, reading the claimed `post`'s pictures, found them no longer its approved version's (an edit
    saved after `held_back` passed) and sent nothing: the post is released, then goes back to review as there.
    Its pictures found as approved again (the edit undone), it is sent a little later."""
    # The attempt stays counted although nothing was sent: attempt numbers only grow, so that an answer
    # of an earlier attempt arriving late is never taken for a later one's (`late_answers`).
    if not shared.queue.advance(
        post.id, st.PUBLISHING, st.SCHEDULED, WHO, f"{why}，发布时读取图片发现，没有发布", now, attempt=post.attempts
    ):
        return
    again = shared.queue.get(post.id)
    if again is None or again.state != st.SCHEDULED:
        return
    if shared.pictures is None:  # no check to send it back to review by: staff are told
        fail(again, f"{why}，没有发布：改好后运行 qm queue 刷新，重新审核后发布", now)
    elif not held_back(shared, again, now, fail):
        shared.schedule(jobs.publish_id(post.id), jobs.PUBLISH, now + AGAIN_S, post.id)


def _back_notice(shared: Shared, post: Post, why: str) -> Notice:
    """The post due now went back to review: what changed (the history line the refill wrote) and what to do."""
    back = shared.queue.last_moves([post.id], st.PLANNED).get(post.id)
    when = post.when(shared.campaign.timezone)
    lines = (
        f"内容：{post.item}",
        f"渠道：{named_channel(shared.campaign, post.channel)}",
        f"时间：{when:%Y-%m-%d %H:%M}",
        f"原因：{why}；发布前发现，没有发布",
        *((f"改动：{unversioned(back.why)}",) if back else ()),
        f"重新审核通过后发布（已过发布时间的按补发时限补发）：qm approve {post.id}",
        *link_line(post_url(shared.campaign, post.id)),
    )
    return Notice(APPROVAL, f"【回到待审核】{post.id}", lines)
