"""The simulation of a whole campaign: `qm simulate` (one daemon restarted on SQLite, or failover between
daemon processes on PostgreSQL)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.commands import qm_command, shown_path
from ..support.errors import InputError
from ..support.logs import setup_logging
from . import zh_argparse
from .context import Context

if TYPE_CHECKING:  # the simulation's machinery is imported when the command runs
    from ..simulation.replay import Report


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "simulate",
        parents=[common],
        description=(
            "在临时目录中用真实的后台服务代码和数据库、模拟的时钟，把整个活动从头到尾发布一遍：全部内容视为已审核，"
            "渠道按给定比例随机出错和超时，并多次强行中止、重启服务（至少一次在发布过程中）。"
            "发布方式为 publisher: api 的公众号和微博渠道，会真正调用在本机启动的仿真微信、微博接口（含令牌过期、限额、错误应答），"
            "用临时生成的密钥，不访问真实平台。报告应发、已发、重复、丢失、迟发、失败条数和耗时。不会发布任何真实内容。"
            "结束后模拟各电子屏的播放记录，从仿真接口收集阅读、转发等统计数据，把数据库保存到 状态目录/simulate/，可用 qm report --db 生成工作总结。"
        ),
    )
    p.add_argument(
        "--faults",
        type=zh_argparse.NumberIn(float, 0, 0.5, 0.1),
        default=0.1,
        metavar="比例",
        help="渠道出错（含超时）的比例，0–0.5，默认 0.1",
    )
    p.add_argument(
        "--restarts", type=zh_argparse.NumberIn(int, 0, 50, 3), default=3, metavar="次数", help="强行中止并重启的次数，0–50，默认 3"
    )
    p.add_argument(
        "--seed",
        type=zh_argparse.NumberIn(int, 0, 2**31 - 1, 2016),
        default=2016,
        metavar="种子",
        help="随机种子，0–2147483647 的整数，同样的种子得到同样的结果",
    )
    p.add_argument(
        "--database",
        metavar="地址",
        help="在这个 PostgreSQL 数据库上模拟主备切换（postgresql://…，须是专用的空数据库，结束后清空）；与 --nodes、--kill-active、--cut 一起用",
    )
    p.add_argument(
        "--nodes", type=zh_argparse.NumberIn(int, 2, 9, 3), default=3, metavar="个数", help="服务进程数（一主多备），2–9，默认 3"
    )
    p.add_argument(
        "--kill-active",
        type=zh_argparse.NumberIn(int, 0, 50, 3),
        default=3,
        metavar="次数",
        help="用 SIGKILL 杀掉主服务进程的次数（至少一次在发布过程中、一次在确认发布结果时），0–50，默认 3",
    )
    p.add_argument("--cut", action="store_true", help="第一次不杀进程，而是切断主服务与数据库的连接（模拟断网）")
    p.add_argument("--json", action="store_true", help="以一个 JSON 对象输出结果")
    p.set_defaults(run=run_simulate)


def run_simulate(ctx: Context, args: argparse.Namespace) -> int:
    from ..simulation import replay as sim

    campaign, plan, renderer = ctx.campaign, ctx.plan, ctx.renderer
    if not plan.posts:
        raise InputError("排期为空，无法模拟（检查 channels 的 times 和活动日期）")
    setup_logging(None, level=50)  # the report is the output; the daemon's own log lines would drown it
    if args.database:
        return _simulate_cluster(ctx, args)
    kept = campaign.paths.state / "simulate"
    report = sim.simulate(
        campaign, plan, renderer, faults=args.faults, restarts=args.restarts, seed=args.seed, library=ctx.library, keep_in=kept
    )
    if args.json:
        print(json.dumps({**report.to_json(), "database": str(kept / "qm.sqlite3")}, ensure_ascii=False))
    else:
        print(_report_text(report))
        print(_viewing(ctx, kept / "qm.sqlite3"))
    return 0 if sim.passed(report) else 1


def _viewing(ctx: Context, db: Path) -> str:
    """Where the simulation's database is and the commands, written to work where they are typed, that show
    what it published (the queue, the history, the work summary): they read it with --db, as it stands."""
    qm = qm_command()
    config = "" if ctx.config_path == Path("config.yaml") else f" -c {shown_path(ctx.config_path)}"

    def where(command: str) -> str:  # a path may hold any character (%): never a format string
        return f"{qm}{config} {command} --db {shown_path(db)}"

    return "\n".join(
        [
            f"模拟的数据库和播放记录保存在 {shown_path(db.parent)}（下次模拟时覆盖）。查看模拟发布的结果：",
            f"  每条内容的时间和状态：{where('queue')}（只看某一天加 --date 日期）",
            f"  每条内容的发布记录：{where('history')}（某一条：在 history 后面写编号）",
            f"  工作总结：{where('report')}",
        ]
    )


def _simulate_cluster(ctx: Context, args: argparse.Namespace) -> int:
    from ..simulation.failover import simulate_cluster
    from ..simulation.replay import passed

    result = simulate_cluster(
        ctx.campaign,
        ctx.plan,
        ctx.renderer,
        database_url=args.database,
        nodes=args.nodes,
        kills=args.kill_active,
        faults=args.faults,
        cut=args.cut,
        seed=args.seed,
    )
    r = result.report
    ok = passed(r) and result.longest_takeover <= result.lease_timeout + 5
    if result.left:  # the run is done; the next one would be refused
        print(f"注意：{result.left}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0 if ok else 1
    cut = "（第一次是切断数据库连接）" if result.cuts else ""
    print(
        "\n".join(
            [
                f"{result.nodes} 个后台服务进程共用一个 PostgreSQL 数据库和模拟时钟，主服务被杀掉（SIGKILL）{result.kills} 次{cut}："
                f"发布过程中 {result.kills_mid_publish} 次，确认发布结果时 {result.kills_mid_poll} 次；"
                f"共启动 {result.processes} 个进程（被杀掉的由新进程作为备用补上）。",
                f"应发 {r.planned} 条，已发 {r.published} 条，重复 {r.duplicates} 条，丢失 {r.lost} 条，失败或错过 {r.failed} 条。",
                late_line(r),
                f"最长接管间隔 {result.longest_takeover:.0f} 秒（租约超时 {result.lease_timeout:.0f} 秒）。注入故障 {r.faults_injected} 次，耗时 {r.wall_time:.1f} 秒。",
                "结论：不丢不重，按时接管。" if ok else "结论：有问题，见上。",
            ]
        )
    )
    return 0 if ok else 1


def _report_text(r: Report) -> str:
    from ..simulation.replay import passed

    verdict = "结论：不丢不重，没有失败。" if passed(r) else "结论：有问题，见上。"
    restarts = (
        f"重启 {r.restarts} 次"
        if r.restarts == r.restarts_requested
        else f"要求重启 {r.restarts_requested} 次，实际只重启了 {r.restarts} 次"
    )
    return "\n".join(
        [
            f"应发 {r.planned} 条，已发 {r.published} 条，重复 {r.duplicates} 条，丢失 {r.lost} 条，失败或错过 {r.failed} 条。",
            late_line(r),
            f"注入故障 {r.faults_injected} 次，{restarts}（其中 {r.kills_mid_publish} 次在发布过程中）。耗时 {r.wall_time:.1f} 秒。",
            verdict,
        ]
    )


def late_line(r: Report) -> str:
    """How many posts the platforms received late, by the work summary's rule (`report.lateness`)."""
    from ..report.lateness import LATE_AFTER

    longest = f"，最多晚 {duration(r.max_late_seconds)}" if r.late else ""
    return f"迟发（平台收到的时间晚于排期时间 {LATE_AFTER / 60:g} 分钟以上，与工作总结的算法相同）{r.late} 条{longest}。"


def duration(seconds: float) -> str:
    """12 秒, 38 分 11 秒, 2 小时 5 分: as a person says how late something was."""
    s = round(seconds)
    if s < 120:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60} 秒"
    return f"{s // 3600} 小时 {s % 3600 // 60} 分"
