"""What staff hear before a post's time: token expiry and quota warnings, deadline reminders, and the
morning list of posts still waiting for review.

Warnings and reminders go out once each: their keys are claimed in the `notices` table as they are
sent (`notices_sent.send_once`, insert-or-ignore, committed before the robot is called), so neither a
restart nor a second daemon sharing the database repeats one.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from ..planning.reminders import Reminder
from ..publishing import channel_warnings, notices_sent
from ..publishing import states as st
from ..support.logs import event
from ..support.notify import APPROVAL, REMINDER, Notice
from ..views.console_links import day_url, link_line
from .context import Shared, log
from .recurring import REFRESH_AT, REMINDER_GRACE

APPROVAL_DAYS = 2  # reviewers are reminded of unapproved posts this many days ahead


class EarlyWarnings:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def warn(self, now: float) -> None:
        """Warnings staff should get before a post's time (token expiry, quota), each sent once.

        Checked at every sweep (a review command can change the quota picture at any time); each
        channel's kind says what to warn about (`Kind.notices`); with nothing to warn about, it
        touches nothing."""
        campaign, queue = self.shared.campaign, self.shared.queue
        today = dt.datetime.fromtimestamp(now, campaign.timezone).date()
        pending = channel_warnings.notices(campaign, today, queue)
        if not pending:
            return
        with queue.engine.connect() as conn:  # most sweeps find every warning sent already: no write then
            done = notices_sent.sent(conn, pending)
        unsent = [key for key in pending if key not in done]
        if not unsent:
            return
        for key in unsent:
            notices_sent.send_once(queue.engine, [key], now, functools.partial(self.shared.notify, pending[key]))

    def remind(self, reminder_id: str) -> None:
        """A deadline reminder's job: sent once, unless it is stale (the daemon was down at its time)."""
        now = self.shared.now()
        reminder = next((r for r in self.shared.plan().reminders if r.id == reminder_id), None)
        if reminder is None:
            return

        def tell() -> None:
            if now <= reminder.at.timestamp() + REMINDER_GRACE:
                self.shared.notify(Notice(REMINDER, reminder.message, self._reminder_lines(reminder, now)))
            else:  # recorded all the same: it is not sent later
                event(log, "reminder_stale", logging.WARNING, reminder=reminder_id)

        notices_sent.send_once(self.shared.queue.engine, [reminder_id], now, tell)

    def _reminder_lines(self, reminder: Reminder, now: float) -> tuple[str, ...]:
        """A deadline reminder's lines: the date and, for the units' deadlines, who has not sent yet."""
        campaign = self.shared.campaign
        units: tuple[str, ...] = ()
        if campaign.units and reminder.key in ("county_plans_due", "summary_due"):
            from ..units.reminders import waiting_lines

            today = dt.datetime.fromtimestamp(now, campaign.timezone).date()
            units = waiting_lines(campaign, self.shared.queue.engine, reminder.key, today)
        return (f"截止日期：{reminder.due:%Y-%m-%d}", *units, f"活动：{campaign.name}")

    def remind_reviewers(self, now: float) -> None:
        """The morning's list of posts still to review, once a day (a daemon taking over an interrupted morning
        refresh sends it; a second refresh the same day does not repeat it). Not before the morning refresh's time
        (`REFRESH_AT`): a refresh missed while the daemon was down, run after midnight, leaves the day's list to it."""
        if dt.datetime.fromtimestamp(now, self.shared.campaign.timezone).time() < REFRESH_AT:
            return
        notices_sent.send_once(self.shared.queue.engine, [self.reviewers_key(now)], now, lambda: self._remind_reviewers(now))

    def reviewers_key(self, now: float) -> str:
        return f"reviewers:{dt.datetime.fromtimestamp(now, self.shared.campaign.timezone).date().isoformat()}"

    def _remind_reviewers(self, now: float) -> None:
        campaign = self.shared.campaign
        waiting = self.shared.queue.find([st.PLANNED, st.REJECTED], start=now, end=now + APPROVAL_DAYS * 86400)
        if not waiting:
            return
        tz = campaign.timezone
        lines = [f"{p.id}（{p.when(tz):%m-%d %H:%M}，{st.label(p.state)}）" for p in waiting[:10]]
        if len(waiting) > 10:
            lines.append(f"……共 {len(waiting)} 条")
        lines.append("查看：qm queue --state 待审核；审核：qm approve 编号 或 qm approve --date 日期")
        lines.extend(link_line(day_url(campaign, waiting[0].when(tz).date())))
        self.shared.notify(Notice(APPROVAL, f"【待审核】{len(waiting)} 条内容将在 {APPROVAL_DAYS} 天内发布，尚未审核", tuple(lines)))
