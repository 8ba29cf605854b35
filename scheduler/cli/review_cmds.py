"""Acting on posts and channels: `qm approve`, `reject`, `cancel`, `retry`, `confirm`; the emergency
switch `qm pause` and `qm resume`.

They work on the database while the daemon runs; the daemon sees every change within seconds.
`approve` first brings the queue in line with the current config and content. Who acts is recorded
(`--by`, or QM_USER, or the system user); once the console has accounts, it is one whose role allows the
action (`acting`). On the rehearsal clock (QM_NOW) they refuse a database a
daemon has run on: they would record the rehearsal's moment in the live history.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from ..inputs.campaign_days import check_day
from ..poster import freshness
from ..publishing import review, review_rules
from ..publishing import states as st
from ..publishing.queue import Post, Queue, TransitionError
from ..publishing.review_reasons import one_line
from ..runtime.rehearsal import refuse_on_live
from ..support.errors import InputError, Problem
from . import acting
from . import approve_seen as seen
from .context import Context, parse_day
from .output import note_findings
from .retry_cmd import run_retry


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("approve", parents=[common], description="审核通过指定的内容（或某一天全部待审核的内容），通过后才会发布。")
    p.add_argument(
        "ids",
        nargs="*",
        metavar="编号",
        help="发布编号，如 20270908-wechat-2000（可写多个）；写成 编号@版本（qm queue、qm preview 显示的版本号）时，内容在你查看之后改过就不通过",
    )
    p.add_argument("--date", type=parse_day, metavar="日期", help="审核这一天全部待审核的内容")
    p.add_argument(
        "--stage",
        metavar="阶段",
        help="通过哪一个审核阶段，如 初审（配置 review.stages；默认为每条内容等待的下一个阶段）。同一人不能通过同一条内容的两个阶段",
    )
    p.add_argument(
        "--despite-rejection",
        action="store_true",
        help="不修改内容就通过已退回的内容（否则退回的内容要修改后才能审核）：需要最后一个审核阶段的角色或更高，审核记录写明推翻了谁的退回",
    )
    acting.by_option(p)
    p.set_defaults(run=run_approve)

    p = sub.add_parser("reject", parents=[common], description="退回一条内容：它不会发布；修改内容后会自动回到待审核。")
    _post_id(p)
    p.add_argument("--reason", required=True, metavar="原因", help="退回原因（记入审核记录）")
    acting.by_option(p)
    p.set_defaults(run=run_reject)

    p = sub.add_parser("cancel", parents=[common], description="取消一条尚未发出的内容。")
    _post_id(p)
    p.add_argument("--reason", default="", metavar="原因", help="取消原因（记入审核记录）")
    acting.by_option(p)
    p.set_defaults(run=run_cancel)

    p = sub.add_parser("retry", parents=[common], description=RETRY_HELP)
    _post_id(p)
    acting.by_option(p)
    p.set_defaults(run=run_retry)

    p = sub.add_parser("confirm", parents=[common], description=CONFIRM_HELP)
    _post_id(p)
    p.add_argument("--url", default="", metavar="链接", help="发出后的链接，如 https://weibo.com/…（记入审核记录）")
    acting.by_option(p)
    p.set_defaults(run=run_confirm)

    p = sub.add_parser("pause", parents=[common], description=PAUSE_HELP)
    p.add_argument("--channel", metavar="渠道", help="只暂停这个渠道，如 weibo、screen:center（默认全部渠道）")
    p.add_argument("--reason", required=True, metavar="原因", help="暂停原因，如 全国哀悼日")
    acting.by_option(p)
    p.set_defaults(run=run_pause)

    p = sub.add_parser("resume", parents=[common], description="取消暂停。不写 --channel 时取消全部暂停。")
    p.add_argument("--channel", metavar="渠道", help="只恢复这个渠道")
    acting.by_option(p)
    p.set_defaults(run=run_resume)


RETRY_HELP = (
    "把失败、已错过或已取消的内容重新排入发布（补发时限从现在算起）。审核后内容又改过的，或原来的审核不符合现在的审核规则的，需要重新审核。"
    "平台已经接收的内容（有公众号 publish_id、群发 msg_id 或微博编号）不能重发，以免重复发布：核实后用 qm confirm 补记。"
    "同一渠道还有另一条内容带着同样的文字（待审核、已审核、待发布或已发出）时也不能重发：先取消其中一条。"
    "发布失败、可能已发出的内容，失败后修改过的文字在重发时换上，需要重新审核。"
)
CONFIRM_HELP = (
    "记录一条内容已经发出：人工发布模式（微博 mode: assisted）下，工作人员按推送的文案和配图发出后用它确认；"
    "后台服务无法确认结果而记为失败的内容，核实已发出后也用它补记；审核通过却因后台服务未运行而错过、由工作人员手动发出的，"
    "也用它补记。谁、何时、链接都记入审核记录。"
)
PAUSE_HELP = (
    "立即暂停发布（例如遇到全国哀悼日）。正在运行的后台服务几秒内生效；暂停期间到点的内容在恢复后补发，超过补发时限的记为“已错过”。"
)


def _post_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="编号", help="发布编号，如 20270908-weibo-0930（qm queue 可查）")


def run_approve(ctx: Context, args: argparse.Namespace) -> int:
    refuse_on_live(ctx.engine, "审核通过")
    if not args.ids and not args.date:
        raise InputError("请写出要审核的编号，或用 --date 日期 审核某一天全部待审核的内容")
    if args.date:
        check_day(ctx.campaign, args.date, "--date")
    who = acting.who(args)
    role = acting.account_role(ctx, who)  # before anything is written: a name that is not an account does nothing
    pinned = seen.pinned(args.ids)
    start = ctx.campaign.at(args.date, dt.time()).timestamp() if args.date else None
    looked = seen.before_refill(Queue(ctx.engine), list(pinned), start)  # the words as the queue held them
    queue = ctx.filled_queue()
    ids = list(pinned)
    if start is not None:
        ids += [p.id for p in queue.find([st.PLANNED], start, start + 86400)]
        if not ids:
            print(f"{args.date} 没有待审核的内容。")
            return 0
    missing = [i for i in ids if queue.get(i) is None]
    if missing:
        raise queue.unknown(*missing)
    rules, under = ctx.campaign.review, review_rules.of(ctx.campaign)
    outcomes: list[review.Passed | None] = []
    refused: list[str] = []
    passed: list[str] = []
    for post_id in ids:  # one post's refusal (stage order, same person) does not stop the others
        post = queue.get(post_id)
        assert post is not None  # none is missing
        changed = seen.changed(ctx.campaign, post, pinned.get(post_id) or looked.get(post_id))
        if changed:  # not the words the reviewer looked at: they look again
            refused.append(changed)
            continue
        if unseen := freshness.unseen(ctx.campaign, post_id, ctx.library.get(post.item), ctx.renderer.as_stored(post).images):
            refused.append(unseen)  # a poster drawn before its words changed: not the picture that would go out
            continue
        try:
            one = review.pass_stage(
                queue,
                post_id,
                who,
                ctx.clock(),
                rules,
                stage=args.stage,
                role=role,
                under=under,
                version=post.version,
                overrule=args.despite_rejection,
                tz=ctx.campaign.timezone,
            )
            outcomes.append(one)
            passed.append(post_id)
        except review_rules.RulesDiffer as exc:  # the same for every post: said once
            raise InputError(str(exc)) from None
        except TransitionError as exc:
            refused.append(str(exc) if len(ids) == 1 or str(exc).startswith(post_id) else f"{post_id}：{exc}")
    if len(refused) == len(ids) == 1:
        raise InputError(refused[0])
    done = [o for o in outcomes if o is not None and o.approved]
    stages = [o.stage for o in outcomes if o is not None and not o.approved and not o.again]
    skipped = outcomes.count(None) + sum(1 for o in outcomes if o is not None and o.again)
    said = f"已审核通过 {len(done)} 条（审核人：{who}）"
    for post_id, o in zip(passed, outcomes, strict=True):
        if o is not None and o.lacked:  # approved before, but not as the rules in force ask: sent back first
            print(f"{post_id} 原来的审核不符合现在的审核规则（{o.lacked}），已回到待审核，这次通过的是{o.stage}。")
    if stages:
        said += "，" + "，".join(f"{name}通过 {stages.count(name)} 条（等待下一阶段）" for name in dict.fromkeys(stages))
    print(said + (f"，{skipped} 条此前已通过" if skipped else "") + "。")
    approved = [p for i in passed if (p := queue.get(i)) is not None]
    note_findings("通过的内容里有 qm check 会报出的问题，发布前请修改内容或模板（改后会回到待审核）", _check_findings(ctx, approved))
    if refused:
        raise InputError(f"有 {len(refused)} 条没有通过", [Problem(r) for r in refused])
    return 0


def _check_findings(ctx: Context, posts: list[Post]) -> list[str]:
    """What `qm check` finds against these posts, as the queue will publish them (each channel as staff call it)."""
    from ..rendering.lint import lint_post

    return [f.told(ctx.campaign) for p in posts for f in lint_post(ctx.campaign, ctx.renderer.as_stored(p))]


def run_reject(ctx: Context, args: argparse.Namespace) -> int:
    refuse_on_live(ctx.engine, "退回")
    from ..publishing.review_notices import TOLD, rejection_told
    from ..runtime.lock import daemon_running

    who, queue = acting.who(args), Queue(ctx.engine)
    stage = review.reject(queue, args.id, who, args.reason, ctx.clock(), ctx.campaign.review, role=acting.account_role(ctx, who))
    at = f"（{stage}）" if len(ctx.campaign.review.stages) > 1 else ""
    print(f"已退回 {args.id}{at}：{one_line(args.reason)}")  # as stored: the lines typed as one
    print(TOLD[rejection_told(ctx.campaign, daemon_running(ctx.engine, time.time()))])  # the daemon sends the notice
    return 0


def run_cancel(ctx: Context, args: argparse.Namespace) -> int:
    who = acting.acting(ctx, args, "取消发布", "reviewer")
    maybe_out = review.cancel(Queue(ctx.engine), args.id, who, args.reason, ctx.clock())
    print(f"已取消 {args.id}，不再发布。{maybe_out}")
    return 0


def run_confirm(ctx: Context, args: argparse.Namespace) -> int:
    who = acting.acting(ctx, args, "确认已发布", "editor")
    review.confirm(Queue(ctx.engine), args.id, who, args.url.strip(), ctx.clock())
    print(f"已确认 {args.id} 已发布（确认人：{who}" + (f"，链接：{args.url.strip()}" if args.url.strip() else "") + "）。")
    return 0


def _channel(ctx: Context, name: str | None) -> str | None:
    if name is not None and ctx.campaign.channel(name) is None:
        names = "、".join(c.name for c in ctx.campaign.channels)
        raise InputError(f"没有名为 {name} 的渠道（可用：{names}）")
    return name


def run_pause(ctx: Context, args: argparse.Namespace) -> int:
    who = acting.acting(ctx, args, "暂停发布", "admin")
    channel = _channel(ctx, args.channel)
    review.pause(Queue(ctx.engine), channel, who, args.reason, ctx.clock())
    print(f"已暂停{_named(ctx, channel)}：{one_line(args.reason)}。恢复：qm resume" + (f" --channel {channel}" if channel else ""))
    return 0


def run_resume(ctx: Context, args: argparse.Namespace) -> int:
    """Lift a pause, saying what still holds the channel: resuming one channel lifts its own pause only, not
    the pause of all channels."""
    from ..channels.kinds import named_channel
    from ..support.logs import escaped
    from ..views.pause_notes import held_by_all

    who = acting.acting(ctx, args, "恢复发布", "admin")
    channel = _channel(ctx, args.channel)
    queue = Queue(ctx.engine)
    lifted = review.resume(queue, channel, who, ctx.clock())
    if channel is not None and (still := escaped(held_by_all(review.paused(queue), ctx.campaign.timezone))):  # staff's words
        named = named_channel(ctx.campaign, channel)
        if not lifted:
            raise InputError(f"{named}没有单独暂停，但{still}，它也在其中，没有恢复：qm resume 解除全部暂停（各渠道一起恢复）")
        print(f"{named}的单独暂停已解除，但{still}，{named}仍不发布：qm resume 解除全部暂停（各渠道一起恢复）。")
    elif lifted:
        print(f"已恢复{_named(ctx, channel)}的发布。")
    else:
        print("当前没有暂停" + ("。" if channel is None else f"{_named(ctx, channel)}（用 qm status 查看暂停情况）。"))
    return 0


def _named(ctx: Context, channel: str | None) -> str:
    """A channel paused or resumed, as the pause notes name it (微博, 市中心户外大屏; 全部渠道 when None)."""
    from ..channels.kinds import label_of
    from ..views.pause_notes import paused_what

    return paused_what(st.ALL_CHANNELS if channel is None else channel, lambda name: label_of(ctx.campaign, name))
