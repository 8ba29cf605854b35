"""The review console and its accounts: `qm web`, `qm user add|list|disable|enable|passwd|unlock|role`."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import getpass
import sys

from ..inputs.campaign import ROLE_LABELS
from ..runtime.rehearsal import refuse_on_live
from ..support.errors import InputError
from ..support.logs import setup_logging
from . import zh_argparse
from .context import Context
from .output import serve_announced
from .user_unlock import run_user_unlock

WEB_HELP = (
    "启动审核台：在浏览器里查看整月排期、逐级审核（review.stages）、退回和处理内容，并提供各电子屏的播放页面 /screen/屏幕编号/。"
    "默认只在本机（127.0.0.1）提供服务；账号用 qm user add 创建，没有默认账号。可以和 qm daemon 同时运行。"
)
ROLE = zh_argparse.Named("角色", ROLE_LABELS)
ROLES_HELP = ROLE.listed
NAME_HELP = "账号的用户名（登录名），如 王科长"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("web", parents=[common], description=WEB_HELP)
    p.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，只有本机能访问；办公室局域网用 0.0.0.0）")
    p.add_argument(
        "--port", type=zh_argparse.NumberIn(int, 1, 65535, 8080), default=8080, metavar="端口", help="端口，1–65535（默认 8080）"
    )
    p.add_argument(
        "--public-url",
        metavar="网址",
        help="同事访问审核台的地址，通知里的链接用它，如 http://192.168.1.20:8080（默认取配置 web.public_url）",
    )
    p.set_defaults(run=run_web)

    u = sub.add_parser(
        "user",
        parents=[common],
        description=f"审核台账号（每次改动都记在审核台“账号”页面的操作记录里，操作人记作“终端”和系统用户名）：qm user add 创建（密码输入两次，或从标准输入读一行），list 列出，disable / enable 停用 / 启用，"
        f"passwd 改密码，unlock 解除登录锁定，role 改角色。角色：{ROLES_HELP}；高一级的角色可以做低一级能做的事。",
    )
    actions = u.add_subparsers(title="操作", metavar="操作", dest="action", help="以下操作之一")
    a = actions.add_parser("add", parents=[common], help="创建账号", description="创建审核台账号。密码至少 10 个字符，只保存 scrypt 摘要。")
    a.add_argument("name", metavar="用户名", help="登录名，也是审核记录里的操作人，如 王科长")
    a.add_argument("--role", required=True, type=ROLE, metavar="角色", help=f"角色：{ROLES_HELP}")
    a.set_defaults(run=run_user_add)
    a = actions.add_parser("list", parents=[common], help="列出账号", description="列出全部账号、角色、是否停用和最近一次登录的时间。")
    a.set_defaults(run=run_user_list)
    for name, help_text, flag in (("disable", "停用账号（立即退出登录）", True), ("enable", "重新启用账号", False)):
        a = actions.add_parser(name, parents=[common], help=help_text, description=help_text + "。")
        a.add_argument("name", metavar="用户名", help=NAME_HELP)
        a.set_defaults(run=run_user_disable, disabled=flag)
    a = actions.add_parser(
        "passwd", parents=[common], help="修改密码", description="修改账号的密码；该账号已登录的会话随即失效，登录锁定随即解除。"
    )
    a.add_argument("name", metavar="用户名", help=NAME_HELP)
    a.set_defaults(run=run_user_passwd)
    a = actions.add_parser(
        "unlock",
        parents=[common],
        help="查看或解除登录锁定",
        description="查看或解除审核台的登录锁定。同一用户名 15 分钟内输错 5 次密码，这个用户名暂停登录 15 分钟；"
        "同一网络地址输错 20 次（不论哪些用户名），这个地址暂停登录 15 分钟，从它登录的所有人（办公室共用一个出口地址时是全办公室）"
        "密码对了也不行。qm user unlock 列出现在锁定的用户名和地址；qm user unlock 用户名 解除这个用户名的锁定（密码不变）；"
        "qm user unlock --address 地址 解除这个地址的锁定。",
    )
    a.add_argument("name", nargs="?", metavar="用户名", help=NAME_HELP + "；不写时列出锁定情况")
    a.add_argument("--address", metavar="地址", help="解除这个网络地址（IP）的锁定，如 192.168.1.20（登录页面的提示里写着）")
    a.set_defaults(run=run_user_unlock)
    a = actions.add_parser("role", parents=[common], help="修改角色", description="修改账号的角色；该账号已登录的会话随即失效。")
    a.add_argument("name", metavar="用户名", help=NAME_HELP)
    a.add_argument("role", type=ROLE, metavar="角色", help=f"角色：{ROLES_HELP}")
    a.set_defaults(run=run_user_role)
    zh_argparse.action_required(u, actions)


def read_password(confirm: bool = True) -> str:
    """The new password: typed twice at a terminal, or one line from standard input (scripts)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise InputError("没有从标准输入读到密码（例如：printf '%s\\n' \"$密码\" | qm user add 王科长 --role reviewer）")
        return line.rstrip("\r\n")
    try:
        first = getpass.getpass("密码：")
        if confirm and getpass.getpass("再输入一次：") != first:
            raise InputError("两次输入的密码不一样，账号没有改动")
    except EOFError as exc:
        raise InputError("没有读到密码") from exc
    return first


def run_user_add(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts, check_name, check_role

    accounts = Accounts.of_terminal(ctx.engine)
    name, role = check_name(args.name), check_role(args.role)
    if accounts.get(name) is not None:
        raise InputError(f"用户 {name} 已存在（改密码：qm user passwd {name}）")
    accounts.add(name, role, read_password(), ctx.clock())
    print(f"已创建账号 {name}（{ROLE_LABELS[role]}）。登录：qm web 后在浏览器中打开。")
    return 0


def run_user_list(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts

    found = Accounts(ctx.engine).all()
    if not found:
        print("还没有账号。创建第一个管理员：qm user add 用户名 --role 管理员")
        return 0
    tz = ctx.campaign.timezone
    for user in found:
        state = "已停用" if user.disabled else "可用"
        seen = f"最近登录 {dt.datetime.fromtimestamp(user.last_login, tz):%Y-%m-%d %H:%M}" if user.last_login else "从未登录"
        print(
            f"{user.name}  {user.role_label}（{user.role}）  {state}  创建于 {dt.datetime.fromtimestamp(user.created, tz):%Y-%m-%d %H:%M}"
            f"  {seen}{'  待本人改密码（管理员设了临时密码）' if user.must_change else ''}"
        )
    return 0


def run_user_disable(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts

    Accounts.of_terminal(ctx.engine).set_disabled(args.name, args.disabled, ctx.clock())
    print(f"已{'停用' if args.disabled else '启用'}账号 {args.name}。")
    return 0


def run_user_passwd(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts
    from ..web.sessions import Throttle

    accounts = Accounts.of_terminal(ctx.engine)
    if accounts.get(args.name) is None:
        raise InputError(f"没有用户 {args.name}（用 qm user list 查看）")
    accounts.set_password(args.name, read_password(), ctx.clock())
    Throttle(ctx.engine).release(args.name)  # the lock kept the owner out, not only whoever guessed
    print(f"已修改 {args.name} 的密码，该账号需要重新登录（登录锁定已解除）。")
    return 0


def run_user_role(ctx: Context, args: argparse.Namespace) -> int:
    from ..web.accounts import Accounts

    Accounts.of_terminal(ctx.engine).set_role(args.name, args.role, ctx.clock())
    print(f"{args.name} 的角色已改为{ROLE_LABELS[args.role]}，该账号需要重新登录。")
    return 0


def run_web(ctx: Context, args: argparse.Namespace) -> int:
    from ..inputs.config_identity import URL_RE
    from ..web.app import Console, create_app
    from ..web.config_watch import ConfigWatch
    from ..web.server import Server

    started_with = ConfigWatch.taken(ctx.config_path)  # before reading it: an edit while it loads is noticed too
    campaign = ctx.campaign
    if args.public_url:
        url = args.public_url.rstrip("/")
        if not URL_RE.match(url):
            raise InputError(f"--public-url {args.public_url} 不是网址（写作 http://192.168.1.20:8080）")
        campaign = dataclasses.replace(campaign, web=dataclasses.replace(campaign.web, public_url=url))
    setup_logging(campaign.paths.state, tz=campaign.timezone)
    refuse_on_live(ctx.engine, "启动网页审核台")  # its reviews would be recorded at the rehearsal's moment
    ctx.filled_queue()  # from today on, the queue as the current content makes it (new posts awaiting review)
    app = create_app(Console(campaign, ctx.engine, watch=ConfigWatch.of(campaign, started_with)))
    server = Server(app, args.host, args.port)
    lines = [f"审核台已启动：{server.url}/（停止：Ctrl+C）"]
    if campaign.web.public_url:
        lines.append(f"通知中的链接：{campaign.web.public_url}/")
    lines += [f"  电子屏 {s.title or s.id}：{server.url}/screen/{s.id}/" for s in campaign.screens]
    serve_announced(server, lines, "审核台已停止。")
    return 0
