"""Reminders about units' submissions, each sent once (keys in the `notices` table):

    before a deadline   to each unit that has not sent its file yet, through the unit's own
                        webhook (units.webhook_env), on the days `reminders` lists (e.g. 3, 1, 0 before);
                        not one whose files the office filed wrongly (`UnitStatus.filed_wrongly`): it did send
    after it            to the office (notifications subscribed to `reminder`), the day after:
                        which units are still missing, with their contacts, which sent late, and
                        the office's own next step (汇总后报省联席会议办公室)

The office's own deadline reminders (`planning.reminders`) name the units still missing (`waiting_lines`).

A reminder is due from its time until its deadline has passed (before) or for three days (after),
so a daemon that was down sends what is still useful and drops what is stale. A unit is reminded of a
kind once a day at most: the daemon and `qm units --remind --send` both claim the day's key
(`unit_key`, `keys`), so neither sends what the other sent that day, and a reminder day missed while
the daemon was down goes out as the latest one due, worded by the days really left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Literal

from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Notifier, Unit
from ..publishing import notices_sent
from ..support.notify import REMINDER, Notice, Notifications
from .kinds import FOLDERS, LABELS, PLAN, SUMMARY, next_step
from .submissions import LATE, UnitStatus, due_date, recorded, statuses
from .unrecorded import refused_files

OFFICE_WINDOW = dt.timedelta(days=3)
NOT_SENT = "尚未报送"  # a unit that has not sent its file (`UnitStatus.waiting`), in every reminder to the office


@dataclass(frozen=True)
class UnitReminder:
    key: str
    unit: Unit | None  # None: to the office
    notice: Notice
    day_key: str = ""  # to a unit: its key for the day it goes out (`key` itself, on its day)


def _before_days(campaign: Campaign, kind: str) -> tuple[int, ...]:
    r = campaign.reminders
    return r.county_plans_due if kind == "plan" else r.summary_due


def due_reminders(campaign: Campaign, statuses: list[UnitStatus], now: dt.datetime) -> list[UnitReminder]:
    """What should go out at `now` (pure); the caller drops those already sent."""
    out: list[UnitReminder] = []
    at_time, today = campaign.reminders.time, now.astimezone(campaign.timezone).date()
    for kind in FOLDERS:
        due = due_date(campaign, kind)
        waiting = [s for s in statuses if s.kind == kind and s.to_remind]
        for days in sorted(_before_days(campaign, kind)):  # the latest day first: it is the one worded for today
            on = due - dt.timedelta(days=days)
            if campaign.at(on, at_time) <= now < campaign.at(due + dt.timedelta(days=1), dt.time(0)):
                out += [_to_unit(campaign, s, today, on) for s in waiting if s.unit.webhook_env]
        after = campaign.at(due + dt.timedelta(days=1), at_time)
        if after <= now < after + OFFICE_WINDOW:
            out.append(_to_office(campaign, kind, due, [s for s in statuses if s.kind == kind]))
    return out


def on_demand(campaign: Campaign, statuses: list[UnitStatus], today: dt.date, kind: str | None) -> list[UnitReminder]:
    """The reminders the office sends now (`qm units --remind`), as the daemon words them: to each unit that has not
    sent its file of `kind`, or, when None, of each kind whose first reminder day (`reminders`) has come."""
    return [_to_unit(campaign, s, today, today) for s in _asked(campaign, statuses, today, kind) if s.to_remind]


def held(campaign: Campaign, statuses: list[UnitStatus], today: dt.date, kind: str | None) -> list[UnitStatus]:
    """The units `on_demand` would remind but for files of theirs the office filed wrongly (`filed_wrongly`)."""
    return [s for s in _asked(campaign, statuses, today, kind) if s.filed_wrongly]


def _asked(campaign: Campaign, statuses: list[UnitStatus], today: dt.date, kind: str | None) -> list[UnitStatus]:
    opened = [k for k in FOLDERS if today >= due_date(campaign, k) - dt.timedelta(days=max(_before_days(campaign, k), default=0))]
    return [s for s in statuses if s.kind in ((kind,) if kind else opened) and s.waiting]


def unit_key(kind: str, unit: str, day: dt.date) -> str:
    """The key of the reminder to `unit` about its file of `kind` meant for `day` (in the `notices` table)."""
    return f"unit:{kind}:{unit}:{day}"


def _to_unit(campaign: Campaign, status: UnitStatus, today: dt.date, on: dt.date) -> UnitReminder:
    """To a unit that has not sent its file, going out `today`, meant for `on` (a reminder day, or today). Never one whose
    files the office filed wrongly (`to_remind`): what it is told was not taken is its own to fix (a format, a file
    that does not open), never the office's filing instructions."""
    label, due, days = LABELS[status.kind], status.due, (status.due - today).days
    when = "今天" if days == 0 else f"{days} 天后" if days > 0 else f"已于 {due.month}月{due.day}日 "
    lines = (
        f"请尽快将{label}报送{campaign.organizer}（{when}截止）"
        if days < 0
        else f"请于 {due.month}月{due.day}日 前将{label}报送{campaign.organizer}（{when}截止）",
        *((f"已报送的文件未能收录：{status.not_taken}",) if status.not_taken else ()),
        f"活动：{campaign.name}",
    )
    notice = Notice(REMINDER, f"【报送提醒】{status.unit.name}：{label}{when}截止", lines)
    name = status.unit.name
    return UnitReminder(unit_key(status.kind, name, on), status.unit, notice, unit_key(status.kind, name, today))


def _to_office(campaign: Campaign, kind: str, due: dt.date, mine: list[UnitStatus]) -> UnitReminder:
    label = LABELS[kind]
    waiting = [s for s in mine if s.waiting]
    lines = tuple(
        f"{s.unit.name}（{contact_line(s.unit)}）" + (f"：报送的文件未能收录（{s.not_taken}）" if s.not_taken else f"：{NOT_SENT}")
        for s in waiting
    )
    refused = sum(1 for s in waiting if s.not_taken)
    counts = [f"{n} 个单位{what}" for n, what in ((len(waiting) - refused, NOT_SENT), (refused, "报送的文件未能收录")) if n]
    late = _late(mine)
    title = (
        f"【未报送】{label}已于 {due.month}月{due.day}日 截止，{'，'.join(counts)}"
        if waiting
        else f"【报送截止】{label}已于 {due.month}月{due.day}日 截止，各单位均已报送"
    )
    body = (*lines, *late, next_step(kind, campaign.organizer, [u.name for u in campaign.units], campaign.level), "查看：qm units")
    return UnitReminder(f"units-missing:{kind}:{due}", None, Notice(REMINDER, title, body))


def contact_line(unit: Unit) -> str:
    """Whom the office calls at a unit, as config.yaml's units give it."""
    return f"联系人：{unit.contact or '未填写'}，电话：{unit.phone or '未填写'}"


def _late(mine: list[UnitStatus]) -> tuple[str, ...]:
    late = [s for s in mine if s.state == LATE]
    return ("迟交：" + "、".join(f"{s.unit.name}（迟 {s.late_days} 天）" for s in late),) if late else ()


def waiting_lines(campaign: Campaign, engine: Engine, key: str, today: dt.date) -> tuple[str, ...]:
    """For the office's own reminder of a deadline (`key`: county_plans_due or summary_due): the units that have
    not sent their file yet, and those that sent it late."""
    kind = PLAN if key == "county_plans_due" else SUMMARY
    mine = [s for s in statuses(campaign, recorded(campaign, engine), today, refused_files(campaign)) if s.kind == kind]
    waiting = [s.unit.name for s in mine if s.waiting]
    said = f"{NOT_SENT}（{len(waiting)} 个）：{'、'.join(waiting)}" if waiting else f"{len(mine)} 个单位均已报送"
    return (said, *_late(mine)) if mine else ()


def send_due(campaign: Campaign, engine: Engine, statuses: list[UnitStatus], now: dt.datetime, office: Notifications) -> list[str]:
    """Send the reminders due now that were not sent before; return their keys. Each is recorded whether its robot
    took it or not (the next hourly check does not send it again); one whose sending raised goes out at the next."""
    return [
        r.key
        for r in due_reminders(campaign, statuses, now)
        if notices_sent.send_once(engine, keys(r), now.timestamp(), partial(_tell, r, office))
    ]


def _tell(reminder: UnitReminder, office: Notifications) -> Literal[True]:
    deliver(reminder, office)
    return True


def keys(reminder: UnitReminder) -> tuple[str, ...]:
    """The keys `reminder` is recorded under (`notices_sent.send_once`), in order: it is not sent when it was sent
    before, or when its unit was reminded of its kind that day already (by the daemon or `qm units --remind --send`):
    a reminder meant for an earlier day is then recorded too, as told. One sent before does not take the day's key:
    the daemon checks the reminders due every hour, and a day's own reminder must still find its key free."""
    return (reminder.key,) if reminder.day_key in ("", reminder.key) else (reminder.key, reminder.day_key)


def sent_today(engine: Engine, reminders: list[UnitReminder]) -> set[str]:
    """The day keys of `reminders` already sent (`qm units --remind` says so and does not send them again)."""
    with engine.connect() as conn:
        return notices_sent.sent(conn, (r.day_key for r in reminders if r.day_key))


def send_now(engine: Engine, reminder: UnitReminder, office: Notifications, at: float) -> bool | None:
    """Send `reminder` to its unit now, recorded as the daemon records its own: None when it was sent that day already,
    else whether its robot took it (recorded only then, so the daemon still sends one that did not go)."""
    return notices_sent.send_once(engine, keys(reminder), at, partial(deliver, reminder, office))


def deliver(reminder: UnitReminder, office: Notifications) -> bool:
    """Send `reminder` to its unit's robot (the office's, when to the office); whether one took it."""
    if reminder.unit is None:
        return office.send(reminder.notice) > 0
    unit = reminder.unit
    robot = Notifications((Notifier(unit.name, unit.kind, unit.webhook_env, events=(REMINDER,)),), env=office.env, client=office.client)
    return robot.send(reminder.notice) > 0
