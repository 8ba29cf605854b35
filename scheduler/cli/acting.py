"""Who acts on the command line (`--by`): every command that records a person's decision or action
(`qm approve`, `reject`, `cancel`, `retry`, `confirm`, `pause`, `resume`) names its person here.

With no console accounts any name is taken, as before accounts existed. Once the console has accounts,
the name must be one of them (enabled), and its role must allow the action as in the console: the stages
it may pass for review, reviewer for cancel and retry, admin for the emergency switch. A refusal comes
before anything is written and lists the accounts there are.
"""

from __future__ import annotations

import argparse
import getpass
import os

from ..inputs.campaign import ROLE_LABELS, ROLES, role_needed
from ..runtime.rehearsal import refuse_on_live
from ..support.errors import InputError
from ..support.suggest import named
from .context import Context

ACCOUNTS_SHOWN = 8  # accounts a refusal names; the rest are counted


def by_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--by",
        default=None,
        metavar="姓名",
        help="操作人（记入审核记录；默认环境变量 QM_USER 或当前系统用户；审核台有账号时要写账号名）",
    )


def who(args: argparse.Namespace) -> str:
    name = args.by or os.environ.get("QM_USER") or getpass.getuser()
    if not name.strip():
        raise InputError("操作人不能为空（用 --by 写上姓名）")
    return name.strip()


def account_role(ctx: Context, who: str, what: str = "审核", least: str | None = None) -> str | None:
    """The role of the console account named `who`, checked before `what` (审核, 取消发布, ...) is done.

    None (anyone, any stage) only while the console has no accounts at all: once it has, a name that is not
    one of them, or a disabled one, is refused, so nobody records an action under a name (and a role) that
    is not theirs. `least` is the role the action needs (as in the console); None for review, whose stages
    say the role each needs (`review.pass_stage` checks it)."""
    from ..web.accounts import Accounts

    accounts = Accounts(ctx.engine)
    user = accounts.get(who)
    if user is not None and user.disabled:
        raise InputError(f"用户 {who} 已停用，不能{what}")
    if user is not None:
        if least is not None and not user.may(least):
            raise InputError(
                f"{who} 是{user.role_label}，不能{what}：{what}需要{role_needed(least)}（和网页审核台相同）。"
                f"请角色足够的同事操作，或请管理员改角色：qm user role {who} {least}"
            )
        return user.role
    everyone = accounts.all()
    if not everyone:
        return None
    users = [u for u in everyone if not u.disabled]
    shown = "、".join(f"{u.name}（{u.role_label}）" for u in users[:ACCOUNTS_SHOWN]) or "都已停用"
    more = f"等 {len(users)} 个" if len(users) > ACCOUNTS_SHOWN else ""
    checked = "能通过哪个阶段" if least is None else f"能不能{what}（需要{role_needed(least)}）"
    roles = "、".join(named(k, ROLE_LABELS) for k in ROLES)
    role = "角色" if least is None or least == ROLES[0] else ROLE_LABELS[least]
    raise InputError(
        f"{who} 不是审核台的账号，不能{what}：审核台有账号时，命令行的操作也记在账号名下，按账号的角色检查{checked}"
        f"（现有账号：{shown}{more}）。请用 --by 写上你自己的账号名；还没有账号的，请管理员添加：qm user add {who} --role {role}"
        f"（{roles}）"
    )


def acting(ctx: Context, args: argparse.Namespace, what: str, least: str) -> str:
    """Who does `what` (取消发布, 重发, ...): refused, before anything is written, on the live database under the
    rehearsal clock, and once the console has accounts, unless `--by` names one whose role is `least` or above."""
    refuse_on_live(ctx.engine, what)
    person = who(args)
    account_role(ctx, person, what, least)
    return person
