"""Building the day's playlists of every screen (or one): what `qm screen build` and the daemon run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..campaign import Campaign, ScreenConfig
from ..content import Library
from ..errors import InputError
from ..planner import Plan
from .build import Built, build, screens_root
from .playlist import make_playlist


def pick_screens(campaign: Campaign, name: str | None) -> list[ScreenConfig]:
    """Every configured screen, or the one called `name` (its id); unknown names are bad input."""
    if not campaign.screens:
        raise InputError("配置中没有户外电子屏（在 config.yaml 的 channels.screens 中添加）")
    if name is None:
        return list(campaign.screens)
    found = [s for s in campaign.screens if s.id == name or s.name == name]
    if not found:
        ids = "、".join(f"{s.id}（{s.title}）" for s in campaign.screens)
        raise InputError(f"没有编号为 {name!r} 的电子屏（可用：{ids}）")
    return found


def check_day(campaign: Campaign, day: dt.date) -> None:
    if not campaign.start <= day <= campaign.end:
        raise InputError(f"日期 {day} 不在活动期 {campaign.start} 至 {campaign.end} 之内（用 --date 指定活动期内的日期）")


def build_day(
    campaign: Campaign,
    plan: Plan,
    library: Library,
    day: dt.date,
    screens: list[ScreenConfig] | None = None,
    *,
    root: Path | None = None,
    workers: int | None = None,
) -> list[Built]:
    check_day(campaign, day)
    posts = plan.on(day)
    return [
        build(campaign, make_playlist(campaign, screen, posts, library, day), root or screens_root(campaign), workers)
        for screen in screens or campaign.screens
    ]


def day_for(campaign: Campaign, screen: ScreenConfig, now: dt.datetime) -> dt.date:
    """The day a screen's current playlist should be for: today until its on-hours end, then tomorrow."""
    today = now.astimezone(campaign.timezone).date()
    return today if now < campaign.at(today, screen.on_to) else today + dt.timedelta(days=1)


def build_due(campaign: Campaign, plan: Plan, library: Library, now: dt.datetime, root: Path | None = None) -> list[Built]:
    """What the daemon runs: each screen's playlist for its coming or current on-hours, inside the campaign."""
    built = []
    for screen in campaign.screens:
        day = day_for(campaign, screen, now)
        if campaign.start <= day <= campaign.end:
            built += build_day(campaign, plan, library, day, [screen], root=root, workers=1)
    return built
