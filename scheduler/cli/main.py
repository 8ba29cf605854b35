"""Entry point of `qm`: builds the parser from the command modules and reports errors in one place.

Each command module registers its commands and imports what they need (the database layer, the
daemon, HTTP clients, templates). Only the module of the command being run is imported, so
`qm posters` does not pay for the daemon's imports. `qm --help` (and an unknown command) lists the
commands from SUMMARIES below without importing any command module.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from .. import __version__
from ..support.errors import QmError
from . import resident_check, zh_argparse
from .process_end import end_now

# command -> the module (in this package) that registers it, in the order `qm --help` lists them
COMMANDS = {
    "init": "init_cmds",
    **dict.fromkeys(("check", "plan", "preview"), "campaign_cmds"),
    **dict.fromkeys(("poster", "posters"), "poster_cmds"),
    "print": "print_cmds",
    "sign": "sign_cmds",
    "queue": "queue_cmds",
    **dict.fromkeys(("approve", "reject", "cancel", "retry", "confirm"), "review_cmds"),
    **dict.fromkeys(("history", "status"), "queue_cmds"),
    **dict.fromkeys(("pause", "resume"), "review_cmds"),
    "daemon": "daemon_cmds",
    **dict.fromkeys(("backup", "restore"), "backup_cmds"),
    "simulate": "simulate_cmds",
    "screen": "screen_cmds",
    **dict.fromkeys(("web", "user"), "web_cmds"),
    "build": "build_cmds",
    "report": "report_cmds",
    "units": "units_cmds",
}

# command -> the line `qm --help` shows for it (kept here so that listing imports no command module)
SUMMARIES = {
    "init": "新建活动目录：复制自带的配置、内容库和模板，改成本单位的活动",
    "check": "检查配置、内容库和模板，并检查每条内容",
    "plan": "生成并输出排期表",
    "preview": "预览某一天的全部内容（HTML 页面）",
    "poster": "生成一条内容的海报，或用任意文字生成海报",
    "posters": "生成排期用到的全部海报",
    "print": "生成印刷用 PDF：挂图、传单、印刷海报（矢量，含 3 毫米出血和裁切线）",
    "sign": "印刷品签发：交给印刷厂之前逐份签发 posters/print 中的 PDF",
    "queue": "查看发布队列（审核用）",
    "approve": "审核通过",
    "reject": "退回内容",
    "cancel": "取消发布",
    "retry": "重发失败或错过的内容",
    "confirm": "确认已人工发布",
    "history": "查看审核与发布记录",
    "status": "查看后台服务状态",
    "pause": "暂停发布（紧急开关）",
    "resume": "恢复发布",
    "daemon": "启动后台发布服务",
    "simulate": "模拟整个活动的发布过程（检验不丢不重）",
    "backup": "立即备份数据库（SQLite）",
    "restore": "从备份恢复数据库（SQLite）",
    "screen": "户外电子屏：生成播放列表、播放、推送到 Anthias",
    "web": "启动网页审核台（含电子屏播放页面）",
    "user": "管理审核台账号",
    "build": "一次生成活动需要的全部图片：海报和每天的电子屏播放列表",
    "report": "生成工作总结（Word 文档）或统计数据表",
    "units": "各单位活动方案和工作总结的报送情况、汇总",
}

DESCRIPTION = """qm：“质量月”宣传内容排期与发布工具。

根据 config.yaml 中的活动定义和 content/ 内容库，生成整月的公众号文章、微博和户外电子屏内容，
供工作人员预览、审核，并由后台服务按时发布。"""


CONFIG_HELP = "活动配置文件（默认 ./config.yaml，或环境变量 QM_CONFIG）"


def command_modules(argv: Iterable[str] | None = None) -> list[ModuleType]:
    """The module of the command named in `argv`; for the listing, the modules of commands without a summary."""
    command = _command_word(list(argv)) if argv is not None else None
    wanted = [COMMANDS[command]] if command in COMMANDS else [m for c, m in COMMANDS.items() if c not in SUMMARIES]
    return [importlib.import_module(f"{__package__}.{name}") for name in dict.fromkeys(wanted)]


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


NAMED: dict[str, Path] = {}  # "config": the config the command line names, known before it is parsed (date examples)


def build_parser(argv: Iterable[str] | None = None) -> argparse.ArgumentParser:
    zh_argparse.install()
    parser = zh_argparse.Parser(
        prog="qm",
        description=DESCRIPTION,
        formatter_class=zh_argparse.RawDescriptionHelpFormatter,
        epilog="每个命令的用法：qm 命令 --help，例如 qm plan --help",
    )
    parser.add_argument(
        "-c", "--config", type=Path, default=Path(os.environ.get("QM_CONFIG", "config.yaml")), metavar="配置文件", help=CONFIG_HELP
    )
    parser.add_argument("--version", action="version", version=f"qm {__version__}", help="显示版本号并退出")
    # prog given: argparse would otherwise make a help formatter (importing shutil) just to work it out
    sub = parser.add_subparsers(title="命令", metavar="命令", dest="command", help="以下命令之一", prog="qm")
    # -c also works after the command (qm plan -c FILE); SUPPRESS keeps the global value otherwise.
    common = zh_argparse.Parser(add_help=False)
    common.add_argument("-c", "--config", type=Path, default=argparse.SUPPRESS, metavar="配置文件", help=CONFIG_HELP)
    modules = command_modules(argv)
    if _command_word(list(argv or ())) not in COMMANDS:  # the listing: each command with its summary
        for command, summary in SUMMARIES.items():
            sub.add_parser(command, help=summary, add_help=False)
    for module in modules:
        module.register(sub, common)
    return parser


# Commands that run and end, whose start-up counts: they leave cycles to the end of the process (which frees
# everything) instead of collecting them on the way, about 5 % of a `qm check` after one edit, and a run of
# its own process ends without Python's tear-down (`process_end`), about 10 % more. Not `--stay`.
QUICK = ("check", "plan")


def main(argv: list[str] | None = None) -> int:
    """Run `qm argv` (the process's arguments when None, as `qm` and `python -m scheduler` call it)."""
    whole_process, argv = argv is None, sys.argv[1:] if argv is None else argv
    sys.excepthook = _scrubbed_traceback
    collecting, command = gc.isenabled(), _command_word(argv)
    if command in THREADED:  # their threads' bugs too (Python prints those by another hook)
        import threading

        threading.excepthook = _scrubbed_thread
    if command in QUICK:
        gc.disable()
    try:
        code = _main(argv, command, collecting)
        if whole_process and command in QUICK and not gc.isenabled():  # a quick run as a process (not --stay): no tear-down
            end_now(code)
        return code
    finally:
        if collecting:  # given back to whoever runs qm in-process (the tests, the waiting check)
            gc.enable()


def _scrubbed_traceback(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """A bug's traceback, as Python prints it, with the secrets qm read masked (`redact`): an exception's message
    may carry a token or a webhook address (a platform's reply, a URL), and a traceback is copied into bug reports."""
    import traceback

    from ..support import redact

    sys.stderr.write(redact.scrub("".join(traceback.format_exception(kind, value, tb))))


THREADED = ("daemon", "web", "screen", "simulate")  # commands that run threads of their own


def _scrubbed_thread(args: Any) -> None:
    """A thread's uncaught exception, as Python prints it, masked as `_scrubbed_traceback` masks the main thread's."""
    if args.exc_type is SystemExit:
        return
    name = getattr(args.thread, "name", "")
    sys.stderr.write(f"Exception in thread {name}:\n")
    _scrubbed_traceback(args.exc_type, args.exc_value, args.exc_traceback)


def _main(argv: list[str], command: str | None, collecting: bool) -> int:
    if command == "help":  # qm help [命令]: what people type for qm [命令] --help
        at = argv.index("help")
        argv = [*argv[:at], *argv[at + 1 : at + 2], "--help"]
        command = _command_word(argv)
    if (answered := resident_check.ask(argv, command)) is not None:  # `qm check --stay` is waiting
        return answered
    parser = build_parser(argv)
    NAMED["config"] = Path(resident_check.config_argument(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    if getattr(args, "stay", None) is not None and collecting:  # `qm check --stay` stays: it collects as usual
        gc.enable()
    from .context import Context

    ctx = Context(args.config, from_env="QM_CONFIG" in os.environ and args.config is parser.get_default("config"))
    try:
        return int(args.run(ctx, args) or 0)
    except QmError as exc:
        from .output import error_text

        sys.stderr.write(error_text(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the file system or the database said no: told in Chinese, a bug still shows its traceback
        error = _plain(exc, ctx)
        if error is None:
            raise
        print(f"错误：{error}", file=sys.stderr)
        return error.exit_code
    finally:
        ctx.close()


def _plain(exc: Exception, ctx: Any) -> QmError | None:
    """A Chinese error for an OSError or a database error that escaped the command, else None."""
    from ..support.os_messages import path_error

    if isinstance(exc, OSError):
        return path_error(exc, "使用")
    sqlalchemy = sys.modules.get("sqlalchemy")  # loaded only by the commands that use the database
    if sqlalchemy is not None and isinstance(exc, sqlalchemy.exc.DBAPIError):
        from ..publishing.db_errors import database_error
        from ..support.db_names import shown

        url = ctx.campaign.db_url if "campaign" in vars(ctx) else ""
        return database_error(exc, url, shown(url) if url else "")
    return None
