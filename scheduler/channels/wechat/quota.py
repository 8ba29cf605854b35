"""WeChat mass-send quotas, decided in advance (pure: no clock, no database).

A subscription account (订阅号) may mass-send once a day; a service account's (服务号) followers
receive at most four a month. Given the sends already made and those still planned, `over_quota`
names each planned send that would exceed its day's or month's quota, with the next slot that has
room, so it can be moved or flagged before its time instead of failing at it (errcode 45028).
Publishing (`mode: publish`) does not notify followers and has no such quota.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..timing import Postponed
from .config import WeChatConfig

if TYPE_CHECKING:
    from ...planning.planner import Plan

LIMITS = {"subscription": 1, "service": 4}
SEARCH_DAYS = 400  # how far ahead to look for room


@dataclass(frozen=True)
class Send:
    post_id: str
    at: dt.datetime  # aware; for a send already made, when it was made
    done: bool = False


def applies(config: WeChatConfig | None) -> bool:
    return config is not None and config.mode == "mass_send" and config.account_type in LIMITS


def planned(config: WeChatConfig, plan: Plan, tz: dt.tzinfo, end: dt.date | None = None) -> list[Postponed]:
    """The planned sends that would exceed the quota (`qm check`, `qm plan`)."""
    return over_quota(config, [Send(p.id, p.at) for p in plan.posts if p.channel == config.name], tz, end)


def over_quota(config: WeChatConfig, sends: Iterable[Send], tz: dt.tzinfo, end: dt.date | None = None) -> list[Postponed]:
    """The sends that would exceed the quota, each with the next of the channel's slots that has room: on a day it
    posts (its `dates`), up to the campaign's last day `end` (None: no end). None when no such slot is left: the
    send cannot go out in the campaign (it is never moved outside it, nor to a day the channel does not post)."""
    if not applies(config):
        return []
    limit, key = LIMITS[config.account_type], _period(config.account_type, tz)
    ordered = sorted(sends, key=lambda s: (not s.done, s.at))  # sends made count first, then first come
    booked = Counter(key(s.at) for s in ordered)  # room is looked for where nothing else is planned either
    used: Counter[str] = Counter()
    issues = []
    for send in ordered:
        period = key(send.at)
        if used[period] < limit:
            used[period] += 1
            continue
        free = _next_free(config, send.at, booked, key, limit, tz, end)
        booked[period] -= 1
        if free is not None:
            booked[key(free)] += 1
        label = f"{send.at.astimezone(tz):%Y-%m-%d}" if config.account_type == "subscription" else f"{send.at.astimezone(tz):%Y 年 %m 月}"
        what = "订阅号每天只能群发 1 次" if config.account_type == "subscription" else "服务号每月只能群发 4 次"
        issues.append(Postponed(send.post_id, send.at, free, f"{what}，{label} 的群发次数已排满"))
    return issues


def _period(account_type: str, tz: dt.tzinfo) -> Callable[[dt.datetime], str]:
    fmt = "%Y-%m-%d" if account_type == "subscription" else "%Y-%m"
    return lambda when: when.astimezone(tz).strftime(fmt)


def _next_free(
    config: WeChatConfig,
    after: dt.datetime,
    booked: Counter[str],
    key: Callable[[dt.datetime], str],
    limit: int,
    tz: dt.tzinfo,
    end: dt.date | None,
) -> dt.datetime | None:
    start = after.astimezone(tz).date()
    for offset in range(SEARCH_DAYS):
        day = start + dt.timedelta(days=offset)
        if end is not None and day > end:
            return None
        if config.dates is not None and day not in config.dates:
            continue
        for time in config.times:
            slot = dt.datetime.combine(day, time, tzinfo=tz)
            if slot > after and booked[key(slot)] < limit:
                return slot
    return None
