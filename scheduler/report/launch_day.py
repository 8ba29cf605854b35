"""Part 三, the launch event, in the tense the report's day calls for: held (with what went out that
day) once it has begun, planned (with what is scheduled that day) before; where it is held when the
config names the venue; and no list that could only be empty."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..publishing import states as st
from .post_rows import PostRow

WITHDRAWN = frozenset({st.CANCELLED, st.REJECTED})  # not going out: not part of what the day plans


@dataclass(frozen=True)
class LaunchText:
    sentence: str
    posts: tuple[PostRow, ...]  # listed under the sentence, one line each

    def lines(self) -> list[str]:
        return [f"{p.at:%H:%M} {p.channel_name}：{p.name or p.title}" for p in self.posts]


def launch_text(
    campaign: Campaign, rows: Sequence[PostRow], start: dt.date, end: dt.date, now: dt.datetime, simulated: bool = False
) -> LaunchText:
    """`simulated`: the rows are a simulation's, which played the whole campaign: told as after its end."""
    if simulated:
        now = max(now, campaign.at(campaign.end + dt.timedelta(days=1), dt.time()))
    day = campaign.key_dates.launch
    venue = campaign.key_dates.launch_venue
    where = f"在{venue}" if venue else ""
    held = now >= campaign.launch_start
    event = f"{campaign.launch_label}{where}举行启动暨集中宣传活动" if held else f"启动暨集中宣传活动定于{campaign.launch_label}{where}举行"
    if not start <= day <= end:  # a part of the campaign: no count that reads as "nothing was published"
        return LaunchText(f"{event}（启动日不在本报告的时间范围内）。", ())
    that_day = [p for p in rows if p.at.date() == day]
    if held:
        out = tuple(p for p in that_day if p.state == st.PUBLISHED)
        so_far = "截至本报告生成时" if now.date() == day else ""
        if not out:
            return LaunchText(f"{event}。{so_far}当天各渠道没有发布内容。", ())
        return LaunchText(f"{event}。{so_far}当天各渠道发布 {len(out)} 条：", out)
    planned = tuple(p for p in that_day if p.state not in WITHDRAWN)
    withdrawn = Counter(st.label(p.state) for p in that_day if p.state in WITHDRAWN)  # not going out: said, not listed
    aside = "（另有" + "、".join(f"{label} {n} 条" for label, n in withdrawn.items()) + "，不计入）" if withdrawn else ""
    if not planned:
        return LaunchText(f"{event}。当天的发布内容尚未排入发布队列{aside}。", ())
    return LaunchText(f"{event}。按排期，当天各渠道将发布 {len(planned)} 条{aside}：", planned)
