"""Entry point of `qm`: builds the parser from the command modules and reports errors in one place."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import __version__
from ..errors import QmError
from . import campaign_cmds, daemon_cmds, poster_cmds, queue_cmds, screen_cmds, zh_argparse
from .context import Context

COMMAND_MODULES = (campaign_cmds, poster_cmds, queue_cmds, daemon_cmds, screen_cmds)

DESCRIPTION = """qm：“质量月”宣传内容排期与发布工具。

根据 config.yaml 中的活动定义和 content/ 内容库，生成整月的公众号文章、微博和户外电子屏内容，
供工作人员预览、审核，并由后台服务按时发布。"""


CONFIG_HELP = "活动配置文件（默认 ./config.yaml，或环境变量 QM_CONFIG）"


def build_parser() -> argparse.ArgumentParser:
    zh_argparse.install()
    parser = argparse.ArgumentParser(
        prog="qm",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="每个命令的用法：qm 命令 --help，例如 qm plan --help",
    )
    parser.add_argument(
        "-c", "--config", type=Path, default=Path(os.environ.get("QM_CONFIG", "config.yaml")), metavar="配置文件", help=CONFIG_HELP
    )
    parser.add_argument("--version", action="version", version=f"qm {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(title="命令", metavar="命令", dest="command")
    # -c also works after the command (qm plan -c FILE); SUPPRESS keeps the global value otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS, metavar="配置文件", help=CONFIG_HELP)
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    ctx = Context(args.config)
    try:
        return int(args.run(ctx, args) or 0)
    except QmError as exc:
        first, *rest = exc.lines()
        print("\n".join([f"错误：{first}", *rest]), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
