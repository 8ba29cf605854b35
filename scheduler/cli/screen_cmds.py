"""Outdoor screens: `qm screen build`, `qm screen serve`, `qm screen push`."""

from __future__ import annotations

import argparse
import os

from ..inputs.campaign_days import day_window
from ..inputs.config_identity import URL_RE
from ..screens import anthias
from ..screens.build import screens_root
from ..screens.daily import pick_screens
from ..screens.pushes import Push, record
from ..screens.serve import ScreenServer
from ..support.errors import InputError
from ..support.redact import has_userinfo, shown_url
from . import zh_argparse
from .context import DAY_EXAMPLE, Context, parse_day
from .output import drawing_progress, serve_announced
from .screen_build import build_one, build_window, report_built


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "screen",
        parents=[common],
        description="户外电子屏的每日播放列表：qm screen build 生成，qm screen serve 提供全屏播放页面，qm screen push 推送到 Anthias 播放服务器。",
    )
    actions = p.add_subparsers(title="操作", metavar="操作", dest="action", help="以下操作之一")

    b = actions.add_parser(
        "build",
        parents=[common],
        help="生成某一天（或连续多天）各电子屏的播放列表和画面",
        description="按排期为每块电子屏生成当天的播放列表（playlist.json 和 playlist.m3u）和按屏幕像素尺寸绘制的画面，"
        "写入 状态目录/screens/屏幕编号/。先写好新的版本目录，再一次性切换 current，播放中不会读到写了一半的列表。"
        "活动期间 current 只切换到各屏幕现在该播的那一天（开屏时段结束前是今天，结束后是明天）；生成其他日子只备好版本目录，正在播放的不受影响；"
        "活动开始前 current 停在已生成的最早一天（活动开始时最先播的那天），生成更晚的日子不会改变它。"
        "用 --from/--to 一次生成多天：先并行画好所有天的画面，再逐天生成播放列表，每天的版本目录都保留。",
    )
    b.add_argument("--date", type=parse_day, metavar="日期", help=f"日期（默认今天），{DAY_EXAMPLE}")
    b.add_argument("--from", dest="start", type=parse_day, metavar="日期", help="连续多天：起始日期（与 --date 二选一）")
    b.add_argument("--to", dest="end", type=parse_day, metavar="日期", help="连续多天：结束日期（含当天；只写 --from 时到活动结束）")
    b.add_argument("--screen", metavar="屏幕编号", help="只生成这块屏幕（默认全部）")
    b.set_defaults(run=run_build)

    s = actions.add_parser(
        "serve",
        parents=[common],
        help="为驱动大屏的电脑提供全屏播放页面",
        description="提供每块屏幕的全屏播放页面 /screen/屏幕编号/，按时长轮播画面、开屏时段外黑屏，记录每张画面的播放（proof of play），"
        "/status 查看各屏正在播放的画面和播放列表版本。默认只在本机（127.0.0.1）提供服务。",
    )
    s.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1，只有本机能访问；0.0.0.0 为所有网卡）")
    s.add_argument(
        "--port", type=zh_argparse.NumberIn(int, 1, 65535, 8765), default=8765, metavar="端口", help="端口，1–65535（默认 8765）"
    )
    s.set_defaults(run=run_serve)

    u = actions.add_parser(
        "push",
        parents=[common],
        help="把一块屏幕的播放列表推送到 Anthias 播放服务器",
        description="通过 Anthias 的 REST 接口上传画面，按播放列表设置时长、开始和结束时间、播放顺序。重复推送同一版本不会重复上传；"
        f"之前推送的旧版本画面在新版本就绪后删除。需要登录时把 用户名:密码 放在环境变量 {anthias.AUTH_ENV} 中。",
    )
    u.add_argument("screen", metavar="屏幕编号", help="配置中的屏幕编号，如 center")
    u.add_argument("--url", metavar="地址", help="Anthias 地址，如 http://192.168.1.50（默认取配置中该屏幕的 anthias）")
    u.add_argument("--date", type=parse_day, metavar="日期", help="日期（默认今天；活动期间只能推送这块屏幕现在该播的那一天）")
    u.set_defaults(run=run_push)
    zh_argparse.action_required(p, actions)


def run_build(ctx: Context, args: argparse.Namespace) -> int:
    if args.start is None and args.end is None:
        report_built(ctx, [build_one(ctx, args, args.screen)])
        return 0
    if args.date is not None:
        raise InputError("--date 与 --from/--to 只能用一种：一天用 --date，连续多天用 --from 和 --to")
    first, last = day_window(ctx.campaign, args.start, args.end)
    report_built(ctx, build_window(ctx, first, last, args.screen, progress=drawing_progress))
    return 0


def run_serve(ctx: Context, args: argparse.Namespace) -> int:
    campaign = ctx.campaign
    pick_screens(campaign, None)
    server = ScreenServer(campaign, args.host, args.port)
    lines = [f"电子屏播放服务已启动：{server.url}/（播放列表目录 {screens_root(campaign)}）"]
    lines += [f"  {s.title or s.id}：{server.url}/screen/{s.id}/" for s in campaign.screens]
    lines.append(f"状态：{server.url}/status；播放记录：{campaign.paths.state / 'proof-of-play'}；停止：Ctrl+C。")
    serve_announced(server.server, lines, "电子屏播放服务已停止。")
    return 0


def run_push(ctx: Context, args: argparse.Namespace) -> int:
    (screen,) = pick_screens(ctx.campaign, args.screen)
    url = args.url or screen.anthias
    if args.url and has_userinfo(args.url):  # as qm check refuses it in the config's anthias; the password is never shown
        raise InputError(
            f"--url 里写了用户名或密码：密码不能写在命令行上（会留在终端的历史记录和进程列表里），这次没有推送。"
            f"删去地址里的“用户名:密码@”，写作 --url {shown_url(args.url)}；需要登录时把 用户名:密码 写进环境变量 {anthias.AUTH_ENV}"
        )
    if args.url and not URL_RE.match(args.url):  # the config's anthias is checked when it is read
        raise InputError(f"--url {args.url} 不是网址（写作 http://192.168.1.50 这样的形式：Anthias 播放服务器的地址）")
    if not url:
        raise InputError(f"没有 Anthias 地址：用 --url 指定，或在配置中为屏幕 {screen.id} 写 anthias: http://地址")
    (built,) = build_one(ctx, args, screen.id).built
    if not built.current:  # Anthias holds one playlist per screen: another day's would replace the one on the wall
        raise InputError(
            f"没有推送：{built.day} 不是电子屏 {screen.id} 现在该播的一天，Anthias 上每块屏幕只有一份播放列表，推送会替换正在播放的"
            f"（{built.day} 的播放列表已备好：{built.folder}；请在前一天开屏时段结束后或 {built.day} 当天再运行 qm screen push {screen.id}）"
        )

    def recorded(ok: bool, said: str) -> None:  # for the console's 电子屏 page
        push = Push(ctx.clock(), built.day.isoformat(), built.version, shown_url(url), ok, said)
        record(screens_root(ctx.campaign), screen.id, push)

    try:
        with anthias.AnthiasClient(url, auth=anthias.auth_from(os.environ)) as client:
            pushed = anthias.push(client, built.folder, screen.id)
    except BaseException as exc:
        recorded(False, str(exc) if isinstance(exc, anthias.AnthiasError) else "推送没有完成（命令中途停止）")
        raise
    recorded(True, pushed.summary())
    print(f"已推送电子屏 {screen.id} 的播放列表（版本 {built.version}）到 {url}：{pushed.summary()}")
    return 0
