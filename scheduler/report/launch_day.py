"""Part 三, the launch event, told only as far as the records go: before it begins, planned (with what
is scheduled that day); once its time has come, when and where it was arranged (the config; once the
day is over, as planned: 计划于) and what the launch day's records show: the posts published that day,
or that none are recorded and why as far as the queue knows. After the day the office is asked to fill
in how the event went, posts or not. No list that could only be empty."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..inputs.campaign import Campaign
from ..publishing import states as st
from .post_rows import PostRow

WITHDRAWN = frozenset({st.CANCELLED, st.REJECTED})  # not going out: not part of what the day plans
FILL_IN = "启动活动的举行情况请据实补充。"  # the records cannot say whether or how the event was held


@dataclass(frozen=True)
class LaunchText:
    sentence: str
    posts: tuple[PostRow, ...]  # listed under the sentence, one line each
    closing: str = ""  # after the list: once the launch day is over, the office is asked to tell how the event went

    def lines(self) -> list[str]:
        return [f"{p.at:%H:%M} {p.channel_name}：{p.name or p.title}" for p in self.posts]


def launch_text(
    campaign: Campaign,
    rows: Sequence[PostRow],
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    simulated: bool = False,
    unqueued: Collection[dt.date] = (),
) -> LaunchText:
    """`simulated`: the rows are a simulation's, which played the whole campaign: told as after its end;
    `unqueued`: the days of planned posts the queue never held (it began later)."""
    if simulated:
        now = max(now, campaign.at(campaign.end + dt.timedelta(days=1), dt.time()))
    day = campaign.key_dates.launch
    venue = campaign.key_dates.launch_venue
    where = f"在{venue}" if venue else ""
    begun, over = now >= campaign.launch_start, now.date() > day
    event = f"启动暨集中宣传活动{'计划于' if over else '安排于' if begun else '定于'}{campaign.launch_label}{where}举行"
    if not start <= day <= end:  # a part of the campaign: no count that reads as "nothing was published"
        return LaunchText(f"{event}（启动日不在本报告的时间范围内）。", ())
    that_day = [p for p in rows if p.at.date() == day]
    if begun:
        told = _recorded(event, that_day, "" if over else "截至本报告生成时", day in unqueued)
        return LaunchText(told.sentence, told.posts, FILL_IN) if over and told.posts else told
    planned = tuple(p for p in that_day if p.state not in WITHDRAWN)
    withdrawn = Counter(st.label(p.state) for p in that_day if p.state in WITHDRAWN)  # not going out: said, not listed
    aside = "（另有" + "、".join(f"{label} {n} 条" for label, n in withdrawn.items()) + "，不计入）" if withdrawn else ""
    if not planned:
        return LaunchText(f"{event}。当天的发布内容尚未排入发布队列{aside}。", ())
    return LaunchText(f"{event}。按排期，当天各渠道将发布 {len(planned)} 条{aside}：", planned)


def _recorded(event: str, that_day: list[PostRow], so_far: str, unqueued: bool) -> LaunchText:
    """What the launch day's records show, once its time has come."""
    out = tuple(p for p in that_day if p.state == st.PUBLISHED)
    if out:
        return LaunchText(f"{event}。{so_far}当天各渠道发布 {len(out)} 条：", out)
    if that_day:
        states = "，".join(f"{label} {n} 条" for label, n in Counter(st.label(p.state) for p in that_day).items())
        return LaunchText(f"{event}。{so_far}当天排期的 {len(that_day)} 条内容没有发布记录（{states}）。{FILL_IN}", ())
    if unqueued:
        never = "当天的排期内容没有进入发布队列（发布队列从开始使用本系统的那天起收录排期），没有发布记录"
        return LaunchText(f"{event}。{never}。{FILL_IN}", ())
    return LaunchText(f"{event}。{so_far}当天各渠道没有发布记录。{FILL_IN}", ())
