"""The days a command works on (`--date`, `--from`/`--to`, a date argument): always inside the campaign.

A day outside the campaign has nothing planned: a command asked for it would quietly do nothing, so it
is refused as bad input, naming the campaign's window. Likewise content named for a poster or a print
sheet must be valid during the campaign: outdated rules are not handed out.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..support.errors import InputError, Problem
from .campaign import Campaign

if TYPE_CHECKING:
    from .content import ContentItem


def check_day(
    campaign: Campaign,
    day: dt.date,
    option: str = "日期",
    span: tuple[dt.date, dt.date] | None = None,
    fix: str = "请换一个活动期内的日期",
    why: str = "",
) -> None:
    """Refuse `day` (given as `option`, e.g. --date) when it is not in the campaign, or in `span`: a
    wider window that also holds the staff's reminders before or after the campaign (`qm plan`). `why`:
    what the command does with the days, so the message says why the range is what it is."""
    given = f"{option} {day}" if option else str(day)
    campaign_days = f"活动期 {campaign.start} 至 {campaign.end}"
    if span and span != (campaign.start, campaign.end):
        first, last = span
        if not first <= day <= last:
            early, late = first < campaign.start, last > campaign.end
            when = "活动前后" if early and late else "活动开始前" if early else "活动结束后"
            ends = "，".join(([f"第一条在 {first}"] if early else []) + ([f"最后一条在 {last}"] if late else []))
            raise InputError(
                f"{given} 不在 {first} 至 {last} 之内：排期表是{campaign_days} 的排期，"
                f"加上{when}给工作人员的提醒（{ends}），请换一个这期间的日期"
            )
        return
    if not campaign.start <= day <= campaign.end:
        raise InputError(f"{given} 不在{campaign_days} 之内{why}，{fix}")


def day_window(
    campaign: Campaign, start: dt.date | None, end: dt.date | None, span: tuple[dt.date, dt.date] | None = None, why: str = ""
) -> tuple[dt.date, dt.date]:
    """The days `--from start --to end` ask for (either left out: the campaign's own start or end, or
    `span`'s; see `check_day`), checked: in order and inside the campaign."""
    window = span or (campaign.start, campaign.end)
    first, last = start or window[0], end or window[1]
    check_day(campaign, first, "--from", span, why=why)
    check_day(campaign, last, "--to", span, why=why)
    if last < first:
        raise InputError(f"--to {last} 早于 --from {first}，请交换两个日期")
    return first, last


def validity(item: ContentItem) -> str:
    """An item's validity in words: "2024-07-01 至 2026-06-30", "自 2024-07-01 起", "到 2026-06-30 为止" or "不限"."""
    if item.valid_from and item.valid_to:
        return f"{item.valid_from} 至 {item.valid_to}"
    if item.valid_from:
        return f"自 {item.valid_from} 起"
    return f"到 {item.valid_to} 为止" if item.valid_to else "不限"


def valid_during(campaign: Campaign, item: ContentItem) -> bool:
    """`item` is valid on at least one day of the campaign."""
    return (item.valid_from is None or item.valid_from <= campaign.end) and (item.valid_to is None or item.valid_to >= campaign.start)


def outdated(campaign: Campaign, item: ContentItem, making: str) -> Problem | None:
    """Why `item` may not be used for `making` (印刷, 生成海报): it is not valid on any day of the campaign."""
    if valid_during(campaign, item):
        return None
    ended = item.valid_to is not None and item.valid_to < campaign.start
    said = validity(item)
    return Problem(
        f"内容 {item.id}（{item.title}）的有效期是{' ' if said[0].isdigit() else ''}{said}，不在活动期 {campaign.start} 至 {campaign.end} 内，不能{making}",
        item.where("valid_to" if ended else "valid_from"),
        "换一条在活动期内有效的内容，可用 qm plan 查看排期中的内容编号；或按实际情况修改它的 valid_from / valid_to",
    )
