"""A platform's answer that arrives after the post moved on without it: it went out, so it wins.

A daemon cut off from the database may finish a platform call long after the daemon that took over
judged the post (`recovery`): failed it for a person to check, or found nothing on the channel and
scheduled it again. What the platform answered ("it went out": published, or taken with its id) is
recorded all the same, so that nobody sends the post again:

    failed | missed   published: recorded; taken with an id: the id is kept (qm retry refuses)
    scheduled         published or accepted: the pending publish job finds it no longer scheduled
    publishing        a newer attempt is inside its call: recorded (its next checkpoint stops it), and
                      a person is told at once: if that call went out too, the platform has it twice
    published | accepted, another delivery on record: it is out twice, a person is told
    anything else (back in review, cancelled): its receipt is kept and a person is told
"""

from __future__ import annotations

import logging
from typing import Any

from .. import jobs
from ..publishing import states as st
from ..publishing.post_rows import receipt_json
from ..publishing.queue import Post
from ..support.logs import event
from ..support.values import Receipt, committed, handed_at, went_out_at
from .context import WHO, Shared, log
from .problem_notices import problem_notice

AGAIN = 3  # re-reads when the post moves between reading it and recording the answer (a claim a moment ago)


def late_answer(shared: Shared, post: Post, receipt: Receipt, now: float) -> None:
    """Record `receipt`, the answer of `post`'s attempt, on the post as it is now."""
    for _ in range(AGAIN):
        current = shared.queue.get(post.id)
        if current is None or _recorded(shared, post, current, receipt, now):
            return


def _recorded(shared: Shared, post: Post, current: Post, receipt: Receipt, now: float) -> bool:
    """Whether the answer is dealt with (False: the post moved meanwhile, read it again)."""
    went_out = receipt.status == "published" or bool(committed(receipt))
    if current.state in (st.PUBLISHED, st.ACCEPTED):
        if went_out and _delivery(current.receipt) and _delivery(receipt) and _delivery(current.receipt) != _delivery(receipt):
            why = f"第 {post.attempts} 次发布的平台应答（{_delivery(receipt)}）在已记录的发布（{_delivery(current.receipt)}）之后才到：平台上有两条"
            _alarm(shared, current, "【重复发布】", why, "到平台核实，删除重复的一条（这条内容已记为发出，不要重发）")
        return True
    newer = current.state == st.PUBLISHING and current.attempts != post.attempts
    if not went_out or not (newer or current.state in (st.SCHEDULED, st.FAILED, st.MISSED)):
        back = went_out and current.state != st.PUBLISHING  # e.g. its words edited since: back in review, or cancelled
        if back or current.state in (st.FAILED, st.MISSED):  # kept: qm retry refuses, a publish follows it up instead
            shared.queue.save_receipt(post.id, receipt_json(receipt), state=current.state)
        if back:
            why = f"第 {post.attempts} 次发布的平台应答说已经发出（{_delivery(receipt) or '平台已答复'}），这条内容却已是“{st.label(current.state)}”"
            _alarm(
                shared, current, "【发布结果晚到】", why, "到平台核实：已发出的不要再审核通过或重发，以免重复发布", "late_answer_unplaced"
            )
        return True
    to = st.PUBLISHED if receipt.status == "published" else st.ACCEPTED
    if not st.allowed(current.state, to):  # failed | missed with the platform's id: kept, qm retry refuses, qm confirm records it
        shared.queue.save_receipt(post.id, receipt_json(receipt), state=current.state)
        return True
    values: dict[str, Any] = {"receipt": receipt_json(receipt), "last_error": "", "next_try": None}
    if (sent := handed_at(receipt)) is not None:
        values["sent_at"] = sent
    if to == st.PUBLISHED:
        values["published_at"] = went_out_at(receipt, now)
    why = _why(post, current, to)
    if not shared.queue.advance(post.id, current.state, to, WHO, why, now, attempt=current.attempts, **values):
        return False
    fields = {"post": post.id, "attempt": post.attempts, "was": current.state, "now": to}
    event(log, "late_answer_recorded", logging.WARNING, **fields, external_id=_delivery(receipt))
    if to == st.ACCEPTED:
        shared.schedule(jobs.poll_id(post.id), jobs.POLL, now + 60.0, post.id)
    if newer:
        action = "到平台核实：若有两条，删除重复的一条（这条内容已记为发出，不要重发）"
        _alarm(shared, shared.queue.get(post.id) or current, "【可能重复发布】", why, action)
    return True


def _why(post: Post, current: Post, to: str) -> str:
    done = "发布成功" if to == st.PUBLISHED else "平台已接收"
    if current.state == st.FAILED:
        return f"{done}（平台的应答在这条内容被记为失败之后才到）"
    earlier = f"第 {post.attempts} 次发布的平台应答"
    if current.state == st.PUBLISHING:
        return f"{done}（{earlier}在第 {current.attempts} 次发布的过程中才到：那一次若也已发出，平台上会有两条）"
    if current.state == st.MISSED:
        return f"{done}（{earlier}在这条内容被记为错过之后才到）"
    return f"{done}（{earlier}在这条内容重新排入发布之后才到：以它为准，不再重发）"


def _delivery(receipt: Receipt | None) -> str:
    """What names one delivery on the platform (its id), "" when the receipt names none."""
    if receipt is None:
        return ""
    return committed(receipt) or receipt.external_id


def _alarm(shared: Shared, post: Post, title: str, why: str, action: str, name: str = "published_twice") -> None:
    event(log, name, logging.ERROR, post=post.id, channel=post.channel, why=why)
    shared.notify(problem_notice(shared.campaign, title, post, why, action=action))
