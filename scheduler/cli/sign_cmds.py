"""`qm sign`: the publicity officer signs off (签发) the print sheets in posters/print before they go to the printer.

Without a file it lists every sheet and where it stands; with file names it records the sign-off of their
bytes as they are now. A sheet that prints an item rejected in the queue, or words changed since it was made,
is signed only with --despite; one printing words changed since it was made is not signed at all (it is made
again first: signed, it still could not go to the printer).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ..support.errors import InputError
from . import acting
from .context import Context

if TYPE_CHECKING:  # the database layer: imported by the command only
    from ..inputs.campaign import Campaign
    from ..views.print_standing import Standing


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sign",
        parents=[common],
        help="印刷品签发：列出 posters/print 中的印刷品及是否已签发，或签发其中的文件",
        description="交给印刷厂之前，宣传科长逐份签发印刷品（posters/print 中的 PDF）。签发记下文件内容的指纹（SHA-256）："
        "文件重新生成后文字变了的，要重新签发；重新生成而内容完全相同的，仍算已签发。不写文件名时列出每份印刷品的签发情况。",
    )
    p.add_argument("files", nargs="*", metavar="文件名", help="要签发的印刷品，写列表中的文件名，如 leaflet-rights-a4.pdf")
    acting.by_option(p)
    p.add_argument("--note", default="", metavar="说明", help="签发时的说明（可不写），记在签发记录里")
    p.add_argument(
        "--despite",
        action="store_true",
        help="印刷品上有在审核中被退回的内容、或生成后又改过文字的内容时，核对过仍要签发",
    )
    p.set_defaults(run=run_sign)


def run_sign(ctx: Context, args: argparse.Namespace) -> int:
    from ..poster.print_files import FOLDER
    from ..views.print_standing import AFTER_SIGNING, SIGNED, after_signing, read, remaking, unsignable

    folder = ctx.campaign.paths.posters / FOLDER
    if not args.files:
        if args.despite or args.note:
            raise InputError("请写出要签发的文件名，例如 qm sign leaflet-rights-a4.pdf --by 姓名；不写文件名时只列出签发情况")
        standings = read(ctx.campaign, None if _no_database(ctx.campaign) else ctx.engine, ctx.library)  # a list creates nothing
        return _list(standings, folder)
    standings = read(ctx.campaign, ctx.engine, ctx.library)
    from ..runtime.rehearsal import refuse_on_live

    refuse_on_live(ctx.engine, "签发印刷品")
    who = acting.who(args)
    acting.account_role(ctx, who, "签发印刷品", "reviewer")
    by_name = {s.name: s for s in standings}
    chosen = [_chosen(f, by_name, folder) for f in dict.fromkeys(args.files)]
    if stale := {s.name: why for s in chosen if (why := unsignable(s, remaking(s.sheet, ctx.campaign)))}:
        raise InputError("".join(stale.values()) + _none_signed([s.name for s in chosen if s.name not in stale], who, args))
    worries = [f"{s.name}：{c}" for s in chosen if s.state != SIGNED for c in s.concerns]  # signed already: nothing to add
    if worries and not args.despite:
        raise InputError(
            "没有签发：" + "；".join(worries) + "。核对过、仍要签发的，加 --despite 再运行（签发记录里写明）",
        )
    from ..publishing.print_signoffs import sign, signoff_note

    for s in chosen:
        done = sign(ctx.engine, s.name, s.sheet.sha256, who, ctx.clock(), signoff_note(args.note.strip(), s.concerns))
        if s.state == SIGNED:
            print(f"{s.name} 此前已签发（{done.who}），文件没有变化，不用再签。")
        else:
            print(f"已签发 {s.name}（{who}；文件指纹 {s.sheet.sha256[:12]}）：{AFTER_SIGNING[after_signing(s)]}")
    return 0


def _none_signed(others: list[str], who: str, args: argparse.Namespace) -> str:
    """Said after the sheets that cannot be signed, when others were named with them: none of them was signed
    either, and the command that signs them alone."""
    if not others:
        return ""
    from ..support.commands import shell_word

    options = (
        f" --by {shell_word(who)}" + (" --despite" if args.despite else "") + (f" --note {shell_word(args.note)}" if args.note else "")
    )
    command = f"qm sign {' '.join(shell_word(name) for name in others)}{options}"
    return f"同时写的 {'、'.join(others)} 也都没有签发：要先签发{'它' if len(others) == 1 else '它们'}，运行 {command}"


def _chosen(written: str, by_name: dict[str, Standing], folder: Path) -> Standing:
    """The sheet in `folder` that `written` names: a bare name is the sheet of that name; a path must be that
    sheet (or a copy of its bytes), not another file of the same name (`qm print -o ~/桌面` writes the default name)."""
    path = Path(written)
    s = by_name.get(path.name)
    if path.name != written and not path.is_file():  # a path mistyped: never the sheet of its name, signed unseen
        hint = f"要签发 {folder} 里的 {path.name}，只写文件名（qm sign {path.name}）" if s else f"qm sign 签发的是 {folder} 里的印刷品"
        raise InputError(f"找不到文件 {written}：{hint}")
    if s is None:
        _unknown(written, list(by_name), folder)
    if path.name != written and path.resolve() != s.sheet.path.resolve():
        from ..support.file_digest import file_digest

        if file_digest(path) != s.sheet.sha256:
            _elsewhere(written, folder, f"（{folder} 里的同名印刷品是另一份文件，内容也不同）")
    return s


def _elsewhere(written: str, folder: Path, which: str = "") -> NoReturn:
    """`written` is a file outside `folder`: `qm print -o` wrote it elsewhere, qm knows nothing of what it prints."""
    raise InputError(
        f"{written} 不在 {folder} 里，不能签发{which}：qm sign 签发的是 qm 生成在 {folder} 中的印刷品"
        f"（qm 记下了它们印的内容，内容改动后能提醒重新签发；qm print -o 写到别处的文件没有这些记录）。"
        f"不写 -o 重新运行生成它的 qm print 命令，文件写入 {folder}，打开核对后再用 qm sign 签发"
    )


def _unknown(written: str, names: list[str], folder: Path) -> NoReturn:
    from ..support.suggest import did_you_mean

    if Path(written).is_file() and Path(written).resolve().parent != folder.resolve():  # `qm print -o` wrote it elsewhere
        _elsewhere(written, folder)
    if not names:
        raise InputError(f"{folder} 里还没有印刷品，没有 {written} 可签发：先用 qm print 或 qm posters（配置 posters.print）生成")
    guess = did_you_mean(Path(written).name, names)
    raise InputError(f"{folder} 里没有 {written}：{guess or ''}不写文件名运行 qm sign 查看全部印刷品的文件名")


def _list(standings: list[Standing], folder: Path) -> int:
    """Every sheet and where it stands; exit 1 while any of them may not go to the printer."""
    if not standings:
        print(f"{folder} 里还没有印刷品：用 qm print 或 qm posters（配置 posters.print）生成后再签发。")
        return 0
    from ..views.columns import aligned
    from ..views.print_standing import next_steps, tally

    told = tally(standings)
    print(f"{folder} 中有 {len(standings)} 份印刷品，{told}：" if told else f"{folder} 中的 {len(standings)} 份印刷品都已签发：")
    for line, s in zip(aligned([(s.name, s.said) for s in standings]), standings, strict=True):
        print(f"  {line}")
        for c in s.concerns:
            print(f"      注意：{c}")
    if not told:
        return 0
    print("；".join(next_steps(standings)) + "。")
    return 1


def reminder(ctx: Context) -> None:
    """The last line of qm posters and qm build: how many print sheets wait for a sign-off, and the command."""
    from ..poster.print_files import FOLDER

    folder = ctx.campaign.paths.posters / FOLDER
    if not folder.is_dir() or not any(folder.glob("*.pdf")):
        return
    from ..views.print_standing import next_steps, read, tally

    standings = read(ctx.campaign, None if _no_database(ctx.campaign) else ctx.engine, ctx.library)
    told = tally(standings)
    if told:
        print(f"印刷品 {len(standings)} 份，{told}。交给印刷厂之前：{'；'.join(next_steps(standings))}。")
    else:
        print(f"印刷品 {len(standings)} 份，都已签发。")


def _no_database(campaign: Campaign) -> bool:
    """The campaign's SQLite file does not exist yet: nothing is signed, and the reminder must not create it
    (the default file is told without loading SQLAlchemy). PostgreSQL: False, it is opened as for any command."""
    if not campaign.database_url:
        return not (campaign.paths.state / "qm.sqlite3").exists()
    from ..publishing.db import sqlite_path

    path = sqlite_path(campaign.database_url)
    return path is not None and not path.exists()
