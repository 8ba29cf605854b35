"""The background daemon command."""

from __future__ import annotations

import argparse
import signal
import threading

from .context import Context


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "daemon",
        parents=[common],
        help="启动后台发布服务",
        description="加载活动配置与内容库，生成排期，并在后台按时发布。按 Ctrl+C 或发送 SIGTERM 停止。",
    )
    p.set_defaults(run=run_daemon)


def run_daemon(ctx: Context, args: argparse.Namespace) -> int:
    campaign, plan = ctx.campaign, ctx.plan
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"qm 后台服务已启动：{campaign.name}，排期 {len(plan.posts)} 条。", flush=True)
    stop.wait()
    print("qm 后台服务已停止。", flush=True)
    return 0
