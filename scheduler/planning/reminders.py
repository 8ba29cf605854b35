"""Reminders for staff (not public posts): a key date coming up, from the key dates and `reminders:`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..units.kinds import units_word


@dataclass(frozen=True)
class Reminder:
    """A notification to staff (not a public post), e.g. a deadline coming up."""

    at: dt.datetime
    key: str  # county_plans_due | summary_due | launch
    due: dt.date
    message: str

    @property
    def id(self) -> str:
        return f"{self.at:%Y%m%d}-notify-{self.key}"

    @property
    def label(self) -> str:
        """What the reminder is about, as staff say it (the plan's table shows it where a post shows its item)."""
        return LABELS.get(self.key, self.key)


LABELS = {"launch": "启动活动提醒", "county_plans_due": "方案上报提醒", "summary_due": "总结上报提醒"}


def reminders(campaign: Campaign) -> list[Reminder]:
    """Deadline reminders for staff, from the key dates and `reminders` config."""
    kd, cfg = campaign.key_dates, campaign.reminders
    what = {
        "launch": (kd.launch, cfg.launch, "“质量月”启动暨集中宣传活动"),  # the organizer may be a county's: no 全市
        "county_plans_due": (
            kd.county_plans_due,
            cfg.county_plans_due,
            f"{units_word([u.name for u in campaign.units], campaign.level)}“质量月”活动方案上报",
        ),
        "summary_due": (kd.summary_due, cfg.summary_due, "“质量月”活动工作总结上报"),
    }
    out = []
    for key, (due, offsets, title) in what.items():
        for days in offsets:
            day = due - dt.timedelta(days=days)
            when = "今天" if days == 0 else f"还有 {days} 天（{due.month}月{due.day}日）"
            out.append(Reminder(campaign.at(day, cfg.time), key, due, f"【提醒】{title}：{when}。"))
    return sorted(out, key=lambda r: r.at)
