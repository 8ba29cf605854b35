"""Folders under the submissions folder that are not named after a unit: scanning records nothing in
them and says so, and a folder whose name is close to a unit's (逊克 for 逊克县) is taken to hold that
unit's files, so that the unit's own row, in `qm units`, its JSON, the collection and the work summary,
says where its file was found and how to fix it instead of a bare 未报送.

Kept apart from `submissions` (which scans with it) so that neither imports the other's callers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.errors import Problem
from ..support.suggest import close_to, guess_of
from .kinds import FOLDERS


@dataclass(frozen=True)
class NotRecorded:
    """What a unit sent that scanning did not record, for one kind."""

    refused: tuple[str, ...] = ()  # files in its folder not in a format read (a photo of the document)
    misfiled: tuple[str, ...] = ()  # misnamed folders (逊克 for 逊克县) holding files of the kind
    loose: tuple[str, ...] = ()  # files straight in the unit's folder (庆安县/方案.docx), of this kind by their name or of either


LOOSE_NOTE = "放在了单位目录下，没有登记：文件应放在 方案/ 或 总结/ 里"


def loose_files(campaign: Campaign, unit: str) -> dict[str, tuple[str, ...]]:
    """kind -> the files straight in `unit`'s folder that may be of that kind: a name saying 方案 or 总结 tells which,
    any other is told under both."""
    found = [p.name for p in visible_files(campaign.submissions_dir / unit)]
    named = {kind: [n for n in found if word in n] for kind, word in FOLDERS.items()}
    either = [n for n in found if not any(n in names for names in named.values())]
    return {kind: tuple(sorted(names + either)) for kind, names in named.items()}


def stray_problems(campaign: Campaign, root: Path) -> list[Problem]:
    """Folders not named after a unit and files straight in the submissions folder: nothing in them is recorded."""
    names = [u.name for u in campaign.units]
    problems = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith("."):
            continue
        if child.is_dir() and child.name not in names:
            guess = guess_of(close_to(child.name, names, prefix=True))
            problems.append(
                Problem(
                    f"文件夹“{child.name}”不是 config.yaml 的 units 中的单位，其中的文件没有登记" + (f"：{guess}" if guess else ""),
                    str(child),
                    "文件夹名要与 units 中的 name 完全一致：改文件夹名，或在 units 中添加该单位",
                )
            )
        elif not child.is_dir():
            problems.append(Problem("文件直接放在了报送目录下，没有登记", str(child), "放到 单位名称/方案/ 或 单位名称/总结/ 文件夹中"))
    return problems


def misfiled(campaign: Campaign) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit, kind) -> the misnamed folders whose name is closest to the unit's and that hold files in
    their 方案/ or 总结/ folder."""
    root, names = campaign.submissions_dir, [u.name for u in campaign.units]
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith(".") or not child.is_dir() or child.name in names:
            continue
        meant = close_to(child.name, names, prefix=True)
        for kind, folder in FOLDERS.items() if meant else ():
            if _holds_files(child / folder):
                found[(meant[0], kind)] = (*found.get((meant[0], kind), ()), child.name)
    return found


def misfiled_note(unit: str, folders: tuple[str, ...]) -> str:
    """What the unit's row says of its files found in misnamed folders."""
    named = "、".join(f"“{f}”" for f in folders)
    return f"文件放在了文件夹{named}中，没有登记：把文件夹改名为“{unit}”（与 config.yaml 的 units 一致）"


def visible_files(folder: Path) -> list[Path]:
    """The files in `folder`, without hidden files and Word's lock files."""
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    return [p for p in found if not p.name.startswith((".", "~$")) and p.is_file()]


def _holds_files(folder: Path) -> bool:
    return bool(visible_files(folder))
