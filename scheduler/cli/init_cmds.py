"""`qm init FOLDER`: a new campaign folder to start from, for a city setting qm up on its own.

The folder gets copies of qm's bundled `config.yaml` (a whole 2027 campaign, commented), its content
library and its templates (from the installed package, where the build puts them, or from the project
folder of an editable install: `bundled()`), so that everything a campaign is made of can be edited there without
touching qm's own files; the posters and the state folder are made when the commands run. The copy
is made in a hidden folder beside the target and renamed into place, so a failure leaves nothing
half-made; an existing folder is refused unless it is empty.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from ..support.commands import activation, qm_command, shell_word
from ..support.errors import InputError, QmError
from ..support.os_messages import path_error
from .context import Context

ROOT = Path(__file__).resolve().parents[2]  # the project qm was installed from (`pip install -e .`)
PACKAGED = Path(__file__).resolve().parents[1] / "bundled"  # copied in by the build (setup.py): a wheel, `pip install .`
COPIED = ("config.yaml", "content", "templates")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "init",
        description=(
            "新建一个活动目录：复制 qm 自带的 config.yaml（2027 年全市“质量月”活动的完整示例，带说明）、内容库 content/ "
            "和模板 templates/，在新目录里改成本单位自己的活动，不影响 qm 自带的文件。目录已存在且不是空的时拒绝，不覆盖任何文件。"
        ),
    )
    p.add_argument("folder", type=Path, metavar="目录", help="新的活动目录，如 牡丹江2027（不存在，或是空目录）")
    p.set_defaults(run=run_init)


def run_init(ctx: Context, args: argparse.Namespace) -> int:
    target: Path = args.folder
    source_dir = bundled()
    _check_target(target)
    temp = target.parent / f".{target.name}.qm-init-{os.getpid()}"
    try:
        temp.mkdir()
        for name in COPIED:
            source = source_dir / name
            if source.is_dir():
                shutil.copytree(source, temp / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
            else:
                shutil.copy2(source, temp / name)
        if target.exists():  # an empty folder: its place is taken by the copy
            target.rmdir()
        temp.rename(target)
    except OSError as exc:
        raise path_error(exc, "新建活动目录", target) from exc
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    print("\n".join(_next_steps(target)))
    return 0


def bundled() -> Path:
    """The folder holding qm's own campaign: inside the installed package (any install but an editable one),
    else the project folder an editable install runs from."""
    for folder in (PACKAGED, ROOT):
        if all((folder / name).exists() for name in COPIED):
            return folder
    folder = PACKAGED if PACKAGED.is_dir() else ROOT
    missing = [name for name in COPIED if not (folder / name).exists()]
    raise InputError(
        f"找不到 qm 自带的 {'、'.join(missing)}（应在 {folder}）：qm 的安装不完整，"
        "请重新安装 qm（pip install 项目目录或 qm 的 wheel 文件，或在项目目录中 pip install -e .）"
    )


def _check_target(target: Path) -> None:
    if target.is_file():
        raise InputError(f"{target} 是一个文件，不是目录：换一个新的目录名")
    if target.is_dir() and any(target.iterdir()):
        raise InputError(f"目录 {target} 已存在且不是空的：qm init 不覆盖已有的文件，换一个新的目录名，或先把它清空")
    if not target.parent.is_dir():
        raise InputError(f"目录 {target.parent} 不存在：先创建它，或换一个位置")


def _next_steps(target: Path) -> list[str]:
    """What the folder holds and the commands to go on with, written to work from the new folder (the qm
    that is running by its absolute path when `qm` alone would not find it)."""
    qm, activate = qm_command(), activation()
    files, items = _library_size(target)
    return [
        f"已新建活动目录：{target}",
        "  config.yaml  活动配置：先改 campaign（名称、主办单位、热线、活动期；主办单位名称看不出县、区、旗时写 level: 县 等）、",
        "               key_dates（启动日和地点）、channels（公众号、微博、电子屏）和 brand（颜色、标志）；",
        "               各项的含义和分级审核（review）见 qm 的 docs/guide/config.md",
        f"  content/     内容库（{files} 个文件{f'，共 {items} 条内容：标语文件一个文件里有多条' if items else ''}）：可以修改、删除，",
        "               自己的内容建议放在 content/local/ 里（先新建这个文件夹，一条内容一个文件），格式见 qm 的 docs/guide/content.md",
        "  templates/   公众号、微博、电子屏的模板和海报版式",
        "接下来：",
        f"  cd {shell_word(str(target))}",
        f"  {qm} check    检查配置、内容库和模板，有错时指出文件、行号和改法",
        f"  {qm} plan     查看整月排期",
        *([f"  （先运行 {activate} 激活 qm 的环境，以后在这个窗口里直接写 qm 就可以）"] if qm != "qm" and activate else []),
    ]


def _library_size(target: Path) -> tuple[int, int]:
    """The content files (content/README.md is none) and the items they hold, as the new campaign reads them."""
    from ..inputs.config import load_campaign
    from ..inputs.content import read_library
    from ..inputs.content_files import content_files
    from ..inputs.readers import Reader

    content = target / "content"
    files = len(content_files(content, Reader()))  # as read_library finds them
    try:
        campaign = load_campaign(target / "config.yaml")
        library = read_library(content, campaign.text_values, campaign.example_day)
    except QmError:  # qm check says what is wrong; the folder is made all the same
        return files, 0
    return files, len(library.items) + len(library.aside)
