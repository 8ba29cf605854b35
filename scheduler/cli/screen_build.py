"""Building screen playlists from the command line (`qm screen build`, `qm build`): which days, what
the queue has approved, and what to tell the user. Apart from the screen commands so that `qm build`
does not import the player's server or the Anthias client."""

from __future__ import annotations

import argparse
import datetime as dt

from ..inputs.campaign_days import check_day
from ..planning.planner import PlannedPost
from ..poster.batch import Progress
from ..runtime.rehearsal import refuse_on_live, rehearsal_moment
from ..screens.approved_days import days_states
from ..screens.build import Built, current_folder, playlist_day
from ..screens.daily import (
    Approval,
    DayBuild,
    approval,
    build_day,
    build_days,
    due_days,
    in_order,
    pick_screens,
)
from ..screens.slogan_check import refused_lines
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
    return build_day(campaign, ctx.plan, ctx.slogans.library, day, screens, approved=queue_approval(ctx, day, day), now=ctx.now())


def build_window(
    ctx: Context, first: dt.date, last: dt.date, screen: str | None = None, progress: Progress | None = None
) -> list[DayBuild]:
    """Every day's playlists from `first` to `last` in one process (`current` as `write_days` says)."""
    campaign = ctx.campaign
    screens = pick_screens(campaign, screen)
    check_day(campaign, first, "--from")
    check_day(campaign, last, "--to")
    days = in_order(first, last, ctx.today())
    approved = queue_approval(ctx, first, last)
    return build_days(campaign, ctx.plan, ctx.slogans.library, days, screens, approved=approved, progress=progress, now=ctx.now())


def queue_approval(ctx: Context, first: dt.date, last: dt.date) -> Approval:
    """What may go on the walls those days, by the queue refreshed first (as `qm queue` does); when
    nothing it depends on changed since the last build, by the states that build read (build_approval).
    On the rehearsal clock, refused on the live database before anything is written, whatever the days:
    the rehearsal's day would decide which day's playlist the real screens show now (`current`)."""
    if rehearsal_moment() is not None:
        refuse_on_live(ctx.engine, SCREENS)
    today = ctx.today()
    if last < today:
        return approval({}, today)

    def read() -> dict[str, str]:
        queue = ctx.filled_queue()  # an approved post edited since is back in review; one out already is left: `EDITED`
        states = days_states(ctx.campaign, ctx.plan, ctx.renderer, queue, first, last, today)
        # Closed now, the database's last connection folds its log into the file before the states are kept
        # under the file's state, not whenever this process lets go of it (which would change that state).
        ctx.engine.dispose()
        return states

    return approval(KeptApproval(ctx.campaign, ctx.plan, today, first, last).states(read), today)


SCREENS = "生成电子屏播放列表（演练的日期会决定正式的电子屏现在播放哪一天的内容）"
HELD_SHOWN = 12  # unapproved posts listed by name; the rest are counted


def report_built(ctx: Context, days: list[DayBuild]) -> None:
    built = [b for d in days for b in d.built]
    if len(days) > 1:
        changed = sum(b.changed for b in built)
        print(f"已生成 {len(days)} 天的电子屏播放列表（{changed} 份有变化）；各屏幕当前的播放列表：")
    left = []  # screens whose `current` stayed where it was: none of these days is due on them
    for screen in dict.fromkeys(b.screen for b in built):
        mine = [b for b in built if b.screen == screen]
        shown = [b for b in mine if b.current] or ([] if len(days) > 1 else mine)
        for b in shown:
            how = "已生成" if b.changed else "没有变化"
            print(f"{how}：电子屏 {screen} 的播放列表（{b.day}，版本 {b.version}）：{b.folder}")
        if not any(b.current for b in mine):
            left.append(mine)
    if left:
        report_waiting(left, due_days(ctx.campaign, ctx.now()))
    for screen, why in {b.screen: b.paused for b in built if b.paused and (b.current or len(days) == 1)}.items():
        print(
            f"电子屏 {screen} 已暂停（{why}）：播放列表是空的，屏幕上不放 qm 的任何画面；恢复后（qm resume）重新生成，或由后台服务 5 分钟内重新生成。"
        )
    report_held([post for d in days for post in d.held], {i for d in days for i in d.edited}, {i for d in days for i in d.cancelled})
    for line in refused_lines(ctx.slogans.refused):
        print(line)


def report_waiting(left: list[list[Built]], due: dict[str, dt.date]) -> None:
    """Why `current` did not move, and what will move it (the daemon's `due_days`, or a build then)."""
    where = []
    for mine in left:
        screen, now = mine[0].screen, current_folder(mine[0].folder.parent.parent, mine[0].screen)
        shows = playlist_day(now) if now else None
        line = f"电子屏 {screen} 仍是 {shows} 的播放列表" if shows else f"电子屏 {screen} 还没有正在播放的播放列表"
        if screen in due and shows != due[screen]:
            line += f"（它现在该播 {due[screen]} 的：qm screen build --date {due[screen]}）"
        where.append(line)
    print(f"current 未切换，正在播放的不受影响：{'；'.join(where)}。")
    ahead = sorted({b.day for mine in left for b in mine if b.screen not in due or b.day > due[b.screen]})
    past = sorted({b.day for mine in left for b in mine if b.screen in due and b.day < due[b.screen]})
    if ahead:
        print(
            f"{_days(ahead)} 的播放列表已备好：后台服务（qm daemon）在前一天开屏时段结束后 5 分钟内自动切换到当天的播放列表；"
            "没有运行后台服务时，请在那之后运行 qm screen build --date 日期（当天运行 qm screen build 即可）。"
        )
    if past:
        print(f"{_days(past)} 的开屏时段已经过去，生成的播放列表只作备查。")


def _days(days: list[dt.date]) -> str:
    return str(days[0]) if len(days) == 1 else f"{days[0]} 至 {days[-1]}"


def report_held(held: list[PlannedPost], edited: set[str], cancelled: set[str]) -> None:
    """The posts no playlist shows yet for want of approval, soonest first (days are built nearest today last);
    apart, the `edited` ones: out already (a refill sends the others back to review), at words changed since;
    and the `cancelled` ones, which no approval brings back (`qm retry` does)."""
    held = sorted(held, key=lambda post: (post.at, post.id))
    changed, withdrawn = [p for p in held if p.id in edited], [p for p in held if p.id in cancelled]
    held = [p for p in held if p.id not in edited and p.id not in cancelled]
    if withdrawn:
        print(f"有 {len(withdrawn)} 条内容已取消，没有放入播放列表；要重新上屏：qm retry 编号（再审核通过后重新生成）：")
        _listed(withdrawn, "qm queue --state 已取消")
    if changed:
        print(
            f"有 {len(changed)} 条已经上屏的内容审核后又改过，改过的文字没有审核，没有放入播放列表；把内容改回审核通过时的文字后重新生成即可："
        )
        _listed(changed, "qm queue --state 已发布")
        print("  查看改了什么：qm queue --diff 编号")
    if held:
        print(f"有 {len(held)} 条内容尚未审核，没有放入播放列表（先审后发）；审核通过后重新生成即可：")
        _listed(held, "qm queue --state 待审核")
        print("  审核：qm approve 编号 --by 姓名，或 qm approve --date 日期 --by 姓名")


def _listed(posts: list[PlannedPost], all_of: str) -> None:
    for line in aligned([(f"  {post.id}", post.item.title) for post in posts[:HELD_SHOWN]]):
        print(line)
    if len(posts) > HELD_SHOWN:
        print(f"  ……还有 {len(posts) - HELD_SHOWN} 条（{all_of} 查看全部）")
