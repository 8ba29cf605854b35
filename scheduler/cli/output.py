"""Writing command output: to the terminal, or atomically to a file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.atomic_files import atomic_write_bytes, atomic_write_text, unused_name
from ..support.errors import InputError, QmError

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..rendering.lint import Printed
    from ..web.server import Server
    from .context import Context


def error_text(exc: QmError) -> str:
    """How a command's error reads on stderr: the first line after 错误：, then one line per problem."""
    first, *rest = exc.lines()
    return "\n".join([f"错误：{first}", *rest]) + "\n"


def note_findings(intro: str, findings: Iterable[object]) -> None:
    """On stderr, `注意：intro：` and one line per finding; nothing when there are none."""
    lines = "".join(f"\n  - {f}" for f in findings)
    if lines:
        print(f"注意：{intro}：{lines}", file=sys.stderr)


def warn_printed(campaign: Campaign, items: Iterable[Printed]) -> None:
    """The words just printed that `qm check` reports (made all the same: a person asked for it)."""
    from ..rendering.lint import printed_problems

    note_findings("印出的文字里有 qm check 会报出的问题，交付印刷或发布前请修改内容后重新生成", printed_problems(campaign, items))


def warn_colours(ctx: Context) -> None:
    """Brand colours that make words hard to read on the designs in use (drawn all the same; qm check refuses
    them), found again only when the colours or the layouts changed (colour_notes)."""
    from .colour_notes import colour_problems

    found = colour_problems(ctx.campaign, ctx.code)
    note_findings("品牌颜色让海报上的一些文字看不清（qm check 会报出），修改 config.yaml 的 brand 后重新生成", found)


def write_output(text: str, path: Path | None, what: str) -> None:
    """`text` to the file `path` (atomically), or to stdout without one or for `-`, as other tools take it."""
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        return
    atomic_write_text(path, text)
    print(f"已写入{what}：{path}", file=sys.stderr)


def open_in_browser(path: Path) -> None:
    """Show a written page in the user's browser. Where none can be opened (a server without a desktop)
    say so, and where the page is, instead of doing nothing."""
    import webbrowser  # only for --open

    url = path.resolve().as_uri()
    try:
        opened = webbrowser.open(url)
    except (webbrowser.Error, OSError):
        opened = False
    if not opened:
        print(
            "没有打开浏览器：这台电脑上找不到可以打开的浏览器（例如没有图形界面的服务器）。页面已经写好，"
            f"请把它复制到有浏览器的电脑上打开，或在浏览器地址栏输入：\n  {url}\n  （文件：{path.resolve()}）",
            file=sys.stderr,
        )


def drawing_progress(done: int, total: int) -> None:
    """A progress bar on stderr, redrawn in place; without a terminal (a log file, a pipe) nothing: the
    command's own summary line (新生成 N 张，未变化跳过 M 张) says what was done."""
    if not sys.stderr.isatty():
        return
    filled = round(30 * done / total)
    bar = f"生成图片 [{'█' * filled}{'·' * (30 - filled)}] {done}/{total}"
    print(f"\r{bar}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def serve_announced(server: Server, started: list[str], stopped: str) -> None:
    """Serve until SIGTERM or Ctrl+C, saying on stdout when the server accepts connections and when it stopped."""
    from ..web.server import serve_until_signal  # uvicorn: only for the commands that serve

    serve_until_signal(server, lambda: print("\n".join(started), flush=True))
    print(stopped, flush=True)


def check_output_folder(given: Path | None) -> None:
    """The folder holding what -o names (a file, or the folder a command writes its files into) must exist
    already: qm creates no folder above it, where a mistyped name would put the output somewhere nobody
    looks. Checked before anything is written; no -o (or `-o -`, the terminal): nothing to check."""
    if given is None or str(given) == "-":
        return
    where = given.parent
    if where.is_dir():
        return
    there = next((p for p in (where, *where.parents) if p.exists()), None)
    if there is not None and not there.is_dir():
        raise InputError(f"-o {given}：路径中有一段是文件，不是目录（{there}），没有写入任何文件：用 -o 选一个已有文件夹里的路径")
    raise InputError(
        f"-o {given}：文件夹 {where} 不存在，没有写入任何文件（qm 不会替你创建文件夹）："
        f"先创建它（mkdir -p {where}），或用 -o 选一个已有文件夹里的路径"
    )


def check_suffix(path: Path, suffix: str, what: str, more: str = "") -> None:
    """A file named with -o must end in `suffix` (`what` the command writes there): a name is refused,
    never quietly changed into another file than the one asked for."""
    if path.suffix.lower() != suffix:
        raise InputError(f"-o {path}：{what}，请用 {suffix} 结尾的文件名，如 -o {path.with_suffix(suffix).name}{more}，没有写入任何文件")


def kept_output_options(p: argparse.ArgumentParser, metavar: str, help: str) -> None:
    """`-o` and `--force` of a command that makes a file (qm poster, qm print): a file -o names that is there is
    kept unless --force (`help` says what -o is and ends with that)."""
    p.add_argument("-o", "--output", type=Path, metavar=metavar, help=f"{help}；要写的文件已存在时不覆盖，除非加 --force")
    p.add_argument("--force", action="store_true", help="-o 指定的文件已存在时覆盖它（默认不覆盖）")


def draft_options(p: argparse.ArgumentParser, what: str, default: str) -> None:
    """`-o` and `--force` of a command that writes a document staff may edit afterwards (`what`, by
    default named `default`): the same words, and the same care for an edited draft, in each."""
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="文件",
        help=f"{what}写入的文件（默认 {default}，在当前目录，已有同名文件时加（2）、（3）…）；"
        "给出一个文件夹时写在这个文件夹里；给出的文件已存在时不覆盖，除非加 --force",
    )
    p.add_argument("--force", action="store_true", help="-o 给出的文件已存在时覆盖它（默认不覆盖：它可能是改过的草稿）")


def draft_path(given: Path | None, default: str, force: bool) -> Path:
    """Where a document staff may edit afterwards goes: without -o, or with -o a folder, the default name
    there (（2）, （3）… when taken); a named file that exists only with --force."""
    if given is None or given.is_dir():
        return unused_name((given or Path()) / default)
    check_output_folder(given)
    if given.is_file() and not force:
        raise InputError(kept_message(given, DRAFT))
    return given


def write_draft(path: Path, data: bytes, force: bool) -> None:
    """Atomically; over a file there only with `force` (one made meanwhile is refused, not replaced)."""
    try:
        atomic_write_bytes(path, data, replace=force)
    except FileExistsError as exc:
        raise InputError(kept_message(path, DRAFT)) from exc


DRAFT = "（它可能是改过的草稿）"


def kept_message(path: Path, why: str = "") -> str:
    """A file -o names that is there and was not overwritten (`why` it matters), and the two ways on."""
    return f"{path} 已存在，没有覆盖{why}：用 -o 换一个文件名，或加 --force 覆盖它"
