"""`qm build`: every picture a campaign needs, in one process with one progress bar.

The posters of every planned post and the slides of every screen's playlist for every day are drawn
in one parallel batch (fonts, content and plan loaded once); then each day's playlists are written
(each screen's `current` moves only to the day due on it: see `screens.daily.write_days`); then the
print PDFs of `posters.print`.
"""

from __future__ import annotations

import argparse

from ..inputs.campaign_days import day_window
from ..poster import batch
from ..screens.daily import day_playlists, in_order, slides_of, write_days
from . import sign_cmds
from .context import Context
from .output import drawing_progress, warn_colours
from .poster_cmds import drawing_arguments, plan_jobs, print_sheets
from .screen_build import queue_approval, report_built


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "build",
        parents=[common],
        description="生成活动期（或 --from/--to 指定的几天）需要的全部图片：排期中每条内容的海报（公众号封面和配图、微博图片），"
        "以及每块电子屏每一天的播放列表和画面。全部图片在一个进程里多核并行绘制，显示一个进度条；没有变化的图片跳过，"
        "再次运行只需核对。播放列表按天依次生成，各屏幕的 current 只切换到它现在该播的那一天，正在播放的不受影响（规则同 qm screen build）。",
    )
    drawing_arguments(p)
    p.set_defaults(run=run_build)


def run_build(ctx: Context, args: argparse.Namespace) -> int:
    campaign = ctx.campaign
    first, last = day_window(campaign, args.start, args.end)
    posters = plan_jobs(ctx, first, last)
    days = []
    if campaign.screens:
        approved = queue_approval(ctx, first, last)
        days = day_playlists(campaign, ctx.plan, ctx.slogans.library, in_order(first, last, ctx.today()), None, approved)
    slides = slides_of(campaign, days)
    with ctx.parsed_layouts():
        summary = batch.make_all(campaign, posters + slides, progress=drawing_progress, force=args.force)
    built = write_days(campaign, days, now=ctx.now())
    print_sheets(ctx, args.force)
    print(
        f"活动需要的图片 {len(summary.drawn) + len(summary.skipped)} 张（海报和电子屏画面）：新生成 {len(summary.drawn)} 张，"
        f"未变化跳过 {len(summary.skipped)} 张，写入 {campaign.paths.posters}。"
    )
    if summary.drawn:
        warn_colours(ctx)
    if built:
        report_built(ctx, built)
    sign_cmds.reminder(ctx)
    return 0
