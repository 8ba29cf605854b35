"""Building screen playlists from the command line (`qm screen build`, `qm build`): which days, what
the queue has approved, and what to tell the user. Apart from the screen commands so that `qm build`
does not import the player's server or the Anthias client."""

from __future__ import annotations

import argparse
import datetime as dt

from ..inputs.campaign_days import check_day
from ..poster.batch import Progress
from ..screens.daily import Approval, DayBuild, approval, build_day, build_days, in_order, pick_screens
from ..views.columns import aligned
from .build_approval import KeptApproval
from .context import Context


def build_one(ctx: Context, args: argparse.Namespace, screen: str | None) -> DayBuild:
    campaign = ctx.campaign
    screens = pick_screens(campaign, screen)
    day = args.date or ctx.today()
    if args.date:
        check_day(campaign, day, "--date")
    else:
        check_day(campaign, day, "今天", fix="请用 --date 指定活动期内的日期")
    return build_day(campaign, ctx.plan, ctx.library, day, screens, approved=queue_approval(ctx, day, day))


def build_window(
    ctx: Context, first: dt.date, last: dt.date, screen: str | None = None, progress: Progress | None = None
) -> list[DayBuild]:
    """Every day's playlists from `first` to `last` in one process (today's last: `current` stays on it)."""
    campaign = ctx.campaign
    screens = pick_screens(campaign, screen)
    check_day(campaign, first, "--from")
    check_day(campaign, last, "--to")
    days = in_order(first, last, ctx.today())
    return build_days(campaign, ctx.plan, ctx.library, days, screens, approved=queue_approval(ctx, first, last), progress=progress)


def queue_approval(ctx: Context, first: dt.date, last: dt.date) -> Approval:
    """What may go on the walls those days, by the queue refreshed first (as `qm queue` does); when
    nothing it depends on changed since the last build, by the states that build read (build_approval)."""
    today = ctx.today()
    if last < today:
        return approval({}, today)
    start = ctx.campaign.at(max(first, today), dt.time())
    end = ctx.campaign.at(last + dt.timedelta(days=1), dt.time())

    def read() -> dict[str, str]:
        states = {p.id: p.state for p in ctx.filled_queue().find(start=start.timestamp(), end=end.timestamp())}
        # Closed now, the database's last connection folds its log into the file before the states are kept
        # under the file's state, not whenever this process lets go of it (which would change that state).
        ctx.engine.dispose()
        return states

    return approval(KeptApproval(ctx.campaign, ctx.plan, today, first, last).states(read), today)


HELD_SHOWN = 12  # unapproved posts listed by name; the rest are counted


def report_built(days: list[DayBuild]) -> None:
    if len(days) > 1:
        changed = sum(b.changed for d in days for b in d.built)
        print(f"已生成 {len(days)} 天的电子屏播放列表（{changed} 份有变化）；各屏幕当前的播放列表：")
    latest = {b.screen: b for d in days for b in d.built}
    for built in latest.values():
        how = "已生成" if built.changed else "没有变化"
        print(f"{how}：电子屏 {built.screen} 的播放列表（版本 {built.version}）：{built.folder}")
    held = [post for d in days for post in d.held]
    if held:
        print(f"有 {len(held)} 条内容尚未审核，没有放入播放列表（先审后发）；审核通过后重新生成即可：")
        for line in aligned([(f"  {post.id}", post.item.title) for post in held[:HELD_SHOWN]]):
            print(line)
        if len(held) > HELD_SHOWN:
            print(f"  ……还有 {len(held) - HELD_SHOWN} 条（qm queue --state planned 查看全部）")
        print("  审核：qm approve 编号 --by 姓名，或 qm approve --date 日期 --by 姓名")
