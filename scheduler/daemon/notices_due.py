"""The daemon sends the notices changes recorded (`publishing.notices_due`), whichever process made them (a
fill's posts sent back to review, for the rules in force or for their changed words, or held by auto-approval,
its approved posts cancelled with their slots, a reviewer's rejection): at each heartbeat's sweep, so one recorded
by a command or the console goes out within a heartbeat, the daemon's own fill's at the sweep that follows it.
Each notice is made here from what was recorded (its links from this daemon's config)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..inputs.campaign import Campaign
from ..publishing import approval_standing, approvals_lost, auto_approval, notices_due, review, review_notices, words_back
from ..screens import held_words
from ..support.logs import event
from ..support.notify import Delivery, Notice
from .context import Shared, log

# Each notice is made as at the moment it goes out (`words_back` marks the posts due today or tomorrow then).
BUILDERS: dict[str, Callable[[Campaign, dict[str, Any], float], Notice]] = {
    approval_standing.RULES_BACK: lambda campaign, body, _: review_notices.rules_back(campaign, body["posts"], body["rules"]),
    auto_approval.HELD_NOTICE: lambda campaign, body, _: review_notices.held(campaign, body["why"]),
    review.REJECTED: lambda campaign, body, _: review_notices.rejection(campaign, body),
    held_words.NOTICE: lambda campaign, body, _: held_words.notice(campaign, body),
    words_back.NOTICE: words_back.recorded,
    approvals_lost.NOTICE: approvals_lost.recorded,
}


def send_due(shared: Shared, now: float) -> None:
    """Send what is due: a notice goes once every subscribed notifier took it (or has no address); a
    notifier that failed is tried again later, until `notices_due.TRIES` tries (then it is given up)."""
    engine = shared.queue.engine
    with engine.connect() as conn:  # mostly nothing: no write then
        waiting = notices_due.waiting(conn, now)
    for due in waiting:
        build = BUILDERS.get(due.topic)
        if build is None:  # recorded by a newer qm: its daemon knows how to tell it
            continue
        with engine.begin() as conn:
            if not notices_due.take(conn, due, now):
                continue  # another daemon took it
        notice = build(shared.campaign, due.body, now)
        sent = Delivery((), ()) if shared.notifications is None else shared.notifications.deliver(notice, due.told)
        why = "；".join(sent.reasons)
        with engine.begin() as conn:
            if not sent.failed:
                notices_due.done(conn, due.id)
                continue
            if due.tries + 1 < notices_due.TRIES:
                notices_due.later(conn, due.id, due.told | set(sent.sent), now, why)
                event(log, "notice_retry", logging.WARNING, title=notice.title, notifiers="、".join(sent.failed))
                continue
            notices_due.give_up(conn, due.id, now, why)  # kept, so that qm status and the console tell it
        event(log, "notice_given_up", logging.WARNING, title=notice.title, notifiers="、".join(sent.failed), tries=due.tries + 1)
