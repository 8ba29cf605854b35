"""Units and their submissions: `qm units` (who sent their plan and summary, when, how late) and
`qm units --collect` (the consolidated document sent upward).

A file's or folder's name in the submissions folder is whatever a unit gave it: every line naming one is printed
with its control characters escaped (`logs.escaped`; in --json, as JSON escapes: `logs.json_escaped`), so a name
cannot clear the terminal, set its title or reorder what is read."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..support.errors import InputError, Problem
from ..support.logs import escaped, json_escaped
from ..units.kinds import ALIASES, FOLDERS, LABELS, SUMMARY
from . import zh_argparse
from .context import Context
from .output import check_suffix, draft_options, draft_path, write_draft

KIND = zh_argparse.Named("种类", LABELS, ALIASES)

if TYPE_CHECKING:
    from ..units.submissions import Submission, UnitStatus


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "units",
        parents=[common],
        help="各单位活动方案和工作总结的报送情况、汇总",
        description=(
            "登记各单位放在 报送目录/单位名称/方案/ 和 报送目录/单位名称/总结/ 中的文件（按内容的 SHA-256 登记一次），"
            "列出每个单位的活动方案、工作总结是否报送、何时报送、是否迟交。--collect 生成汇总文档（封面表格和各单位的正文）。"
        ),
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出（与 --collect 同用时，输出写入的文件和汇总了哪些单位）")
    p.add_argument("--collect", action="store_true", help="生成汇总文档（.docx）")
    p.add_argument(
        "--remind",
        action="store_true",
        help="现在提醒尚未报送的单位：列出提醒的内容（与后台服务按 reminders 的日子发的相同）和各单位的联系人、电话；加 --send 发到各单位的群机器人",
    )
    p.add_argument("--send", action="store_true", help="与 --remind 同用：发送提醒（不加只预览）")
    p.add_argument("--kind", type=KIND, metavar="种类", help=f"只看一种：{KIND.listed}，也可写 方案、总结（--collect 时默认汇总工作总结）")
    draft_options(p, "汇总文档", "活动方案汇总.docx 或 工作总结汇总.docx")
    p.set_defaults(run=run_units)


def run_units(ctx: Context, args: argparse.Namespace) -> int:
    from ..units.scanning import scan
    from ..units.submissions import recorded, statuses
    from ..units.unrecorded import refused_files
    from .units_remind import check_options, remind

    check_options(args)
    campaign = ctx.campaign
    if not campaign.units:
        raise InputError(
            "config.yaml 中没有 units（参加活动的单位）：按 qm 的 docs/guide/units.md 添加后再运行（qm 的 examples/heihe-2016/config.yaml 里有一个例子）"
        )
    engine = ctx.engine
    kind = args.kind or (SUMMARY if args.collect else None)
    scanned = scan(campaign, engine, ctx.clock())  # the clock the deadlines are judged by (QM_NOW when rehearsing)
    every = statuses(campaign, recorded(campaign, engine), ctx.today(), refused_files(campaign))
    problems, elsewhere = _about(ctx, scanned, kind, _file_problems(ctx, [s for s in every if s.kind != kind]) if kind else [])
    found = [s for s in every if args.kind in (None, s.kind)]
    reminded = 0
    if args.remind:
        reminded = remind(ctx, args, found)
    elif kind and args.collect:
        output, more = _collect(ctx, args, kind, found)
        broken = _file_problems(ctx, [s for s in found if s.kind == kind])
        problems += more + [p for p in broken if p.where not in {m.where for m in more}]  # each file said once
        if args.json:  # what was written, for a script: the file, its kind, each unit as `qm units --json` lists it
            units = [_json(ctx, s) for s in found if s.kind == kind]
            written = {"output": str(output), "kind": kind, "units": units, "problems": [str(p) for p in problems]}
            print(json_escaped(written))
    elif args.json:
        print(json_escaped([_json(ctx, s) for s in found]))
    else:
        print(_table(ctx, found))
        print(f"报送的文件放在 {campaign.submissions_dir}/单位名称/方案/ 或 .../总结/ 中（按内容登记一次，文件修改时间为报送时间）。")
    if not args.collect:
        problems += _file_problems(ctx, found)
    for problem in problems:
        print(escaped(f"注意：{problem.where}：{problem.message}" + (f"（{problem.hint}）" if problem.hint else "")), file=sys.stderr)
    if elsewhere:
        print(elsewhere, file=sys.stderr)
    return 2 if problems or reminded else 0


def _about(ctx: Context, problems: list[Problem], kind: str | None, others: list[Problem]) -> tuple[list[Problem], str]:
    """The scanning problems about `kind` (all when None), and a line counting those about the other kind
    with the other kind's file problems (`others`: unreadable files, files gone), if any."""
    from ..units.unrecorded import problem_kind

    if kind is None:
        return problems, ""
    mine = [p for p in problems if problem_kind(ctx.campaign, p.where) in (None, kind)]
    other = next(k for k in FOLDERS if k != kind)
    n = len(problems) - len(mine) + len(others)
    return mine, f"另有 {n} 条关于{LABELS[other]}的注意事项，用 qm units --kind {FOLDERS[other]} 查看。" if n else ""


def _file_problems(ctx: Context, found: list[UnitStatus]) -> list[Problem]:
    """Files that do not count (cannot be read), files that count but are no longer there, and files that count but
    are too long to collect."""
    gone = [_gone(ctx, s, f) for s in found for f in s.gone]
    return [_unreadable(s, f) for s in found for f in s.unreadable] + gone + [_too_long(s) for s in found if s.too_long]


def _too_long(status: UnitStatus) -> Problem:
    latest = status.latest
    assert latest is not None
    return Problem(
        f"{status.unit.name}的{LABELS[status.kind]}“{latest.path.name}”{status.too_long}，篇幅过长，汇总里只写明原文件附后，仍按报送计算",
        str(latest.path),
        "用 Word 或 WPS 打开核对；报送汇总时把原文件作为附件一并报送，或请单位删去多余的内容后重新报送",
    )


def _unreadable(status: UnitStatus, file: Submission) -> Problem:

    reason = file.problem.replace("，不算报送：", "：", 1)  # said once
    return Problem(f"{status.unit.name}的{LABELS[status.kind]}“{file.path.name}”不算报送：{reason}", str(file.path))


def _gone(ctx: Context, status: UnitStatus, file: Submission) -> Problem:
    from ..units.submissions import gone_note

    note = gone_note(ctx.campaign, file)
    return Problem(f"{status.unit.name}的{LABELS[status.kind]}：{note}，仍按报送计算", str(file.path), "把文件放回原处，或请单位重新报送")


def _collect(ctx: Context, args: argparse.Namespace, kind: str, found: list[UnitStatus]) -> tuple[Path, list[Problem]]:
    """Write the consolidated document of `kind`; its file and what was wrong with the files collected."""
    from ..units import digest

    output = draft_path(args.output, f"{LABELS[kind]}汇总.docx", args.force)
    check_suffix(output, ".docx", "汇总文档是 Word 文档")
    data, problems = digest.render(ctx.campaign, kind, found, ctx.today())
    write_draft(output, data, args.force)
    print(f"已写入汇总：{output}", file=sys.stderr)
    return output, problems


def _table(ctx: Context, found: list[UnitStatus]) -> str:
    from ..units.reminders import contact_line
    from ..units.submissions import LATE, MISSING, arrival

    lines = []
    for kind in FOLDERS:
        mine = [s for s in found if s.kind == kind]
        if not mine:
            continue
        lines.append(f"{LABELS[kind]}（截止 {mine[0].due:%Y-%m-%d}）：")
        width = max(len(s.unit.name) for s in mine)
        for s in mine:
            unreadable = [f for f in s.current if f.problem]
            broken = f"，其中 {len(unreadable)} 个无法读取" if unreadable else ""
            extra = f"  {arrival(ctx.campaign, s.first.arrived)} 报送，共 {len(s.current)} 个文件{broken}" if s.first else ""
            name = s.unit.name + "\u3000" * (width - len(s.unit.name))  # full-width spaces keep Chinese names aligned
            call = f"  {contact_line(s.unit)}" if s.state in (MISSING, LATE) else ""  # whom the office phones
            if s.filed_wrongly:  # it did send: the office files it, nobody calls or reminds the unit
                call = "  不提醒该单位：按前面说的放好文件后再运行 qm units 即登记"
            lines.append(escaped(f"  {name}  {s.label}{extra}{call}"))  # a label names the unit's files
    return "\n".join(lines)


def _json(ctx: Context, s: UnitStatus) -> dict[str, object]:
    return {
        "unit": s.unit.name,
        "kind": s.kind,
        "due": s.due.isoformat(),
        "state": s.state,
        "late_days": s.late_days,
        "arrived": dt.datetime.fromtimestamp(s.first.arrived, ctx.campaign.timezone).isoformat(timespec="seconds") if s.first else None,
        "note": s.not_taken,  # why what it sent does not count ("" when nothing or when its file counts)
        "files": [{"path": str(f.path), "sha256": f.sha256, "size": f.size, "problem": f.problem, "gone": f.gone} for f in s.files],
    }
