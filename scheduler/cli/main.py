"""Entry point of `qm`: builds the parser from the command modules and reports errors in one place.

Each command module registers its commands and imports what they need (the database layer, the
daemon, HTTP clients, templates). Only the module of the command being run is imported, so
`qm posters` does not pay for the daemon's imports; `qm --help` and unknown commands load all.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from .. import __version__
from ..errors import QmError
from . import zh_argparse
from .context import Context

# command -> the module (in this package) that registers it, in the order `qm --help` lists them
COMMANDS = {
    **dict.fromkeys(("check", "plan", "preview"), "campaign_cmds"),
    **dict.fromkeys(("poster", "posters"), "poster_cmds"),
    **dict.fromkeys(("queue", "approve", "reject", "cancel", "retry", "confirm", "history", "status", "pause", "resume"), "queue_cmds"),
    **dict.fromkeys(("daemon", "simulate"), "daemon_cmds"),
    "screen": "screen_cmds",
}

DESCRIPTION = """qm：“质量月”宣传内容排期与发布工具。

根据 config.yaml 中的活动定义和 content/ 内容库，生成整月的公众号文章、微博和户外电子屏内容，
供工作人员预览、审核，并由后台服务按时发布。"""


CONFIG_HELP = "活动配置文件（默认 ./config.yaml，或环境变量 QM_CONFIG）"


def command_modules(argv: Iterable[str] | None = None) -> list[ModuleType]:
    """The module of the command named in `argv`, or every command module when none is recognised."""
    wanted = sorted(set(COMMANDS.values()), key=list(COMMANDS.values()).index)
    command = _command_word(list(argv)) if argv is not None else None
    if command in COMMANDS:
        wanted = [COMMANDS[command]]
    return [importlib.import_module(f"{__package__}.{name}") for name in wanted]


def _command_word(argv: list[str]) -> str | None:
    """The first argument that is neither an option nor the value of -c/--config."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-c", "--config"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: Iterable[str] | None = None) -> argparse.ArgumentParser:
    zh_argparse.install()
    parser = zh_argparse.Parser(
        prog="qm",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="每个命令的用法：qm 命令 --help，例如 qm plan --help",
    )
    parser.add_argument(
        "-c", "--config", type=Path, default=Path(os.environ.get("QM_CONFIG", "config.yaml")), metavar="配置文件", help=CONFIG_HELP
    )
    parser.add_argument("--version", action="version", version=f"qm {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(title="命令", metavar="命令", dest="command", help="以下命令之一")
    # -c also works after the command (qm plan -c FILE); SUPPRESS keeps the global value otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS, metavar="配置文件", help=CONFIG_HELP)
    for module in command_modules(argv):
        module.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
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
