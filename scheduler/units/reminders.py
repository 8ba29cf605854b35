"""Reminders about units' submissions, each sent once (keys in the `notices` table):

    before a deadline   to each unit that has not sent its file yet, through the unit's own
                        webhook (units.webhook_env), on the days `reminders` lists (e.g. 3, 1, 0 before)
    after it            to the office (notifications subscribed to `reminder`), the day after:
                        which units are still missing, with their contacts, which sent late, and
                        the office's own next step (汇总后报省联席会议办公室)

The office's own deadline reminders (`planning.reminders`) name the units still missing (`waiting_lines`).

A reminder is due from its time until its deadline has passed (before) or for three days (after),
so a daemon that was down sends what is still useful and drops what is stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Notifier, Unit
from ..publishing import notices_sent
from ..support.notify import REMINDER, Notice, Notifications
from .kinds import FOLDERS, LABELS, PLAN, SUMMARY, next_step
from .submissions import LATE, ON_TIME, UnitStatus, due_date, recorded, statuses
from .unrecorded import refused_files

OFFICE_WINDOW = dt.timedelta(days=3)


@dataclass(frozen=True)
class UnitReminder:
    key: str
    unit: Unit | None  # None: to the office
    notice: Notice


def _before_days(campaign: Campaign, kind: str) -> tuple[int, ...]:
    r = campaign.reminders
    return r.county_plans_due if kind == "plan" else r.summary_due


def due_reminders(campaign: Campaign, statuses: list[UnitStatus], now: dt.datetime) -> list[UnitReminder]:
    """What should go out at `now` (pure); the caller drops those already sent."""
    out: list[UnitReminder] = []
    at_time = campaign.reminders.time
    for kind in FOLDERS:
        due = due_date(campaign, kind)
        waiting = [s for s in statuses if s.kind == kind and s.state not in (ON_TIME, LATE)]
        for days in _before_days(campaign, kind):
            at = campaign.at(due - dt.timedelta(days=days), at_time)
            if at <= now < campaign.at(due + dt.timedelta(days=1), dt.time(0)):
                out += [_to_unit(campaign, s, days) for s in waiting if s.unit.webhook_env]
        after = campaign.at(due + dt.timedelta(days=1), at_time)
        if after <= now < after + OFFICE_WINDOW:
            out.append(_to_office(campaign, kind, due, [s for s in statuses if s.kind == kind]))
    return out


def on_demand(campaign: Campaign, statuses: list[UnitStatus], today: dt.date, kind: str | None) -> list[UnitReminder]:
    """The reminders the office sends now (`qm units --remind`), as the daemon words them: to each unit that has not
    sent its file of `kind`, or, when None, of each kind whose first reminder day (`reminders`) has come."""
    opened = [k for k in FOLDERS if today >= due_date(campaign, k) - dt.timedelta(days=max(_before_days(campaign, k), default=0))]
    return [
        _to_unit(campaign, s, (s.due - today).days)
        for s in statuses
        if s.kind in ((kind,) if kind else opened) and s.state not in (ON_TIME, LATE)
    ]


def _to_unit(campaign: Campaign, status: UnitStatus, days: int) -> UnitReminder:
    """To a unit that has not sent its file, `days` before its deadline (after it, when negative)."""
    label, due = LABELS[status.kind], status.due
    when = "今天" if days == 0 else f"{days} 天后" if days > 0 else f"已于 {due.month}月{due.day}日 "
    lines = (
        f"请尽快将{label}报送{campaign.organizer}（{when}截止）"
        if days < 0
        else f"请于 {due.month}月{due.day}日 前将{label}报送{campaign.organizer}（{when}截止）",
        *((f"已报送的文件未能收录：{status.not_taken}",) if status.not_taken else ()),
        f"活动：{campaign.name}",
    )
    key = f"unit:{status.kind}:{status.unit.name}:{due - dt.timedelta(days=days)}"
    return UnitReminder(key, status.unit, Notice(REMINDER, f"【报送提醒】{status.unit.name}：{label}{when}截止", lines))


def _to_office(campaign: Campaign, kind: str, due: dt.date, mine: list[UnitStatus]) -> UnitReminder:
    label = LABELS[kind]
    waiting = [s for s in mine if s.state not in (ON_TIME, LATE)]
    lines = tuple(
        f"{s.unit.name}（{contact_line(s.unit)}）" + (f"：报送的文件未能收录（{s.not_taken}）" if s.not_taken else "：未报送")
        for s in waiting
    )
    refused = sum(1 for s in waiting if s.not_taken)
    counts = [f"{n} 个单位{what}" for n, what in ((len(waiting) - refused, "尚未报送"), (refused, "报送的文件未能收录")) if n]
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
    waiting = [s.unit.name for s in mine if s.state not in (ON_TIME, LATE)]
    said = f"尚未报送（{len(waiting)} 个）：{'、'.join(waiting)}" if waiting else f"{len(mine)} 个单位均已报送"
    return (said, *_late(mine)) if mine else ()


def send_due(campaign: Campaign, engine: Engine, statuses: list[UnitStatus], now: dt.datetime, office: Notifications) -> list[str]:
    """Send the reminders due now that were not sent before; return their keys."""
    due = due_reminders(campaign, statuses, now)
    sent: list[str] = []
    with engine.begin() as conn:
        for reminder in due:
            if notices_sent.claim(conn, reminder.key, now.timestamp()):
                deliver(reminder, office)
                sent.append(reminder.key)
    return sent


def deliver(reminder: UnitReminder, office: Notifications) -> bool:
    """Send `reminder` to its unit's robot (the office's, when to the office); whether one took it."""
    if reminder.unit is None:
        return office.send(reminder.notice) > 0
    unit = reminder.unit
    robot = Notifications((Notifier(unit.name, unit.kind, unit.webhook_env, events=(REMINDER,)),), env=office.env, client=office.client)
    return robot.send(reminder.notice) > 0
