"""`qm units --remind`: the reminders to the units that have not sent their file, now, on the office's word
(the daemon sends them only on the days `reminders` lists), as the daemon words them; `--send` sends each
through its unit's group robot (`units.webhook_env`). A unit without one is to be phoned: its contact shown.
Each sent is recorded as the daemon records its own (`units.reminders.keys`): a unit reminded of a kind today, by
either, is said so and not sent the same reminder again."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..support.errors import InputError
from .context import Context

if TYPE_CHECKING:
    from ..units.submissions import UnitStatus


def remind(ctx: Context, args: argparse.Namespace, found: list[UnitStatus]) -> int:
    """Print (and with --send, send) the reminders due now; 2 when one could not be sent."""
    from ..runtime.rehearsal import refuse_rehearsal
    from ..support.notify import Notifications
    from ..units.reminders import contact_line, held, on_demand, send_now, sent_today

    if args.send:
        refuse_rehearsal("发送提醒（qm units --remind --send）：不加 --send 可以按演练时间预览提醒")
    reminders = on_demand(ctx.campaign, found, ctx.today(), args.kind)
    _held(held(ctx.campaign, found, ctx.today(), args.kind))
    if not reminders:
        print(
            "没有要提醒的单位："
            + ("各单位都已报送。" if args.kind else "各单位都已报送，或还没到提醒的日子（用 --kind 指定种类可以提前提醒）。")
        )
        return 0
    robots, engine = Notifications(()), ctx.engine
    before = sent_today(engine, reminders)
    failed, phone, again = [], [], []
    for reminder in reminders:
        unit = reminder.unit
        assert unit is not None
        print(
            f"—— 发给{unit.name}（{contact_line(unit)}；{f'群机器人 {unit.webhook_env}' if unit.webhook_env else '没有配置群机器人，请电话通知'}）"
        )
        print(reminder.notice.title)
        print("\n".join(reminder.notice.lines))
        if not unit.webhook_env:
            phone.append(unit.name)
        elif reminder.day_key in before:  # sent today already: by the daemon on a reminder day, or an earlier --send
            again.append(unit.name)
        elif args.send:
            took = send_now(engine, reminder, robots, ctx.clock())
            if took is None:  # the daemon sent it while these were being sent
                again.append(unit.name)
            elif not took:
                failed.append(unit.name)
    robots.close()
    sent = len(reminders) - len(phone) - len(failed) - len(again)
    if again:
        print(f"{'、'.join(again)}今天已经提醒过（后台服务或 qm units --remind --send 已发送），不再发送。", file=sys.stderr)
    if args.send:
        print(
            f"已发送 {sent} 条提醒。" + (f"没有发出：{'、'.join(failed)}（见上面的日志，检查群机器人的地址）。" if failed else ""),
            file=sys.stderr,
        )
    elif sent:
        print(f"以上是预览，没有发送：加 --send 发到 {sent} 个单位的群机器人。", file=sys.stderr)
    if phone:
        print(f"{'、'.join(phone)}没有配置群机器人（units 的 webhook_env）：请按联系人电话通知。", file=sys.stderr)
    return 2 if failed else 0


def _held(statuses: list[UnitStatus]) -> None:
    """The units not reminded because the office filed what they sent wrongly, and what the office fixes."""
    from ..support.logs import escaped
    from ..units.kinds import LABELS

    for s in statuses:
        print(
            escaped(
                f"暂不提醒{s.unit.name}（{LABELS[s.kind]}）：它已报送，是文件没有放对位置：{s.not_taken}。改好后运行 qm units 即登记。"
            ),
            file=sys.stderr,
        )


def check_options(args: argparse.Namespace) -> None:
    if args.send and not args.remind:
        raise InputError("--send 只与 --remind 同用：qm units --remind 预览提醒，qm units --remind --send 发送")
    if args.remind and (args.collect or args.json):
        raise InputError("--remind 不能与 --collect 或 --json 同用：分别运行")
