"""After the campaign: `qm report` (the work summary and its figures)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..inputs.campaign_days import day_window
from ..support.errors import InputError, QmError
from .context import Context, parse_day
from .db_option import add_db_option, db_engine
from .output import draft_options, draft_path, write_draft
from .zh_argparse import Named

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ..report.figures import Figures
    from ..units.submissions import UnitStatus

FORMATS = {"docx": "工作总结", "xlsx": "数据表格", "csv": "发布明细表", "json": "数据"}
FORMAT = Named("格式", FORMATS, {"总结": "docx", "Word": "docx", "Excel": "xlsx", "表格": "xlsx", "明细": "csv"})
# Why --from/--to stay inside the campaign while the report itself may be made any day after it.
COUNTED = "（工作总结统计活动期内各天的发布；活动结束后也可以生成，不写 --to 就统计到活动最后一天）"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report",
        parents=[common],
        help="生成工作总结（Word 文档）或统计数据表",
        description=(
            "根据数据库中的发布记录、播放记录和统计数据，生成工作总结草稿（.docx，可用 WPS 或 Word 编辑）："
            "基本情况、各活动领域开展情况、启动日、宣传数据和图表、存在的问题及处理情况，附件为已发布内容明细。"
            "用 --format 只导出数据（数据表格 xlsx、发布明细表 csv、数据 json）。数字都取自数据库，不做估算。"
        ),
    )
    p.add_argument("--from", dest="start", type=parse_day, metavar="日期", help="起始日期（默认活动开始）")
    p.add_argument("--to", dest="end", type=parse_day, metavar="日期", help="结束日期（含当天，默认活动结束）")
    p.add_argument(
        "--format",
        type=FORMAT,
        default="docx",
        metavar="格式",
        help=f"{FORMAT.listed}：默认是 Word 工作总结，其他几种只导出数据",
    )
    draft_options(p, "工作总结或数据", "工作总结.docx 或 统计数据.xlsx 等")
    add_db_option(p)
    p.set_defaults(run=run_report)


def run_report(ctx: Context, args: argparse.Namespace) -> int:
    from ..report import tables
    from ..report.figures import gather

    campaign = ctx.campaign
    start, end = day_window(campaign, args.start, args.end, why=COUNTED)  # made any time, it counts campaign days only
    engine = db_engine(ctx, args.db)
    made = ctx.now()
    planned = _planned(ctx, args.db, start, end)
    units = _units(ctx)
    figures = gather(campaign, engine, start, end, ctx.library.by_id, planned=planned, made=made, units=units)
    if not figures.posts:
        _nothing_to_report(ctx, args, engine, start, end, units=bool(units))
    default = "工作总结.docx" if args.format == "docx" else f"统计数据.{args.format}"
    output = draft_path(args.output, default, args.force)
    if output.suffix.lower() != f".{args.format}":
        raise InputError(
            f"输出文件 {output} 的扩展名与格式 {args.format} 不符：改为 {output.with_suffix('.' + args.format).name}，或用 --format 指定格式"
        )
    if args.format == "docx":
        data = _docx(ctx, figures, made)
    elif args.format == "xlsx":
        data = tables.to_xlsx(figures)
    elif args.format == "csv":
        data = tables.to_csv(figures)
    else:
        data = tables.to_json(figures)
    write_draft(output, data, args.force)
    print(
        f"已写入{'工作总结' if args.format == 'docx' else '统计数据'}：{output}（{start} 至 {end}，已发布 {len(figures.published)} 条，"
        f"失败或错过 {len(figures.problems)} 条"
        + (f"，时间已过仍未发出 {len(figures.overdue)} 条" if figures.overdue else "")
        + "）"
        + ("。注意：这是模拟数据，不是真实发布" if figures.simulated else ""),
        file=sys.stderr,
    )
    return 0


def _nothing_to_report(ctx: Context, args: argparse.Namespace, engine: Engine, start: dt.date, end: dt.date, *, units: bool) -> None:
    """Refuse a report that could only be empty, saying which days the database does hold. An office that used
    qm only for the units' submissions (nothing ever queued) gets the document of those, told so."""
    from ..report.figures import queued_days

    where = f"数据库 {args.db} " if args.db else "数据库"
    held = queued_days(ctx.campaign, engine)
    if held is None and units:
        print(
            f"注意：{where}中没有任何排期内容（没有用 qm daemon 或 qm queue 发布过），工作总结只有“六、各单位报送情况”取自报送的文件，"
            "其余各部分写明没有发布记录",
            file=sys.stderr,
        )
        return
    if held is None:
        raise InputError(
            f"{where}中还没有任何排期内容，工作总结会是空的：先运行 qm daemon 或 qm queue 把排期放入发布队列"
            "（没有账号也能试：qm simulate 后用 --db 指定它保存的数据库）"
        )
    raise InputError(
        f"{where}中没有 {start} 至 {end} 的内容（它的内容在 {held[0]} 至 {held[1]}），工作总结会是空的："
        f"检查 --from、--to，或用 -c 指定这个数据库所属活动的配置文件（现在的活动期是 {ctx.campaign.start} 至 {ctx.campaign.end}）"
    )


def _units(ctx: Context) -> list[UnitStatus]:
    """The units' files as `qm units` counts them: the config's submissions folder, recorded in the config's
    database, whichever database (--db) the posts come from, so part 六 and `qm units` always agree."""
    from ..units.scanning import scan
    from ..units.submissions import recorded, statuses
    from ..units.unrecorded import refused_files

    if not ctx.campaign.units:
        return []
    scan(ctx.campaign, ctx.engine, ctx.clock())  # as `qm units` records them: on the commands' clock
    return statuses(ctx.campaign, recorded(ctx.campaign, ctx.engine), ctx.today(), refused_files(ctx.campaign))


def _planned(ctx: Context, db: Path | None, start: dt.date, end: dt.date) -> list[tuple[str, dt.date]] | None:
    """(post id, day) of the plan's posts in the range, to count those the queue never held; None when the
    plan cannot be made (the report still counts what the queue holds)."""
    from ..planning.planner import make_plan
    from ..publishing.kept_posts import read_kept

    try:
        kept = read_kept(f"sqlite:///{db.resolve()}" if db else ctx.campaign.db_url)
        plan = make_plan(ctx.campaign, ctx.library, kept).between(start, end)
    except QmError:
        return None
    return [(p.id, p.slot.day) for p in plan.posts]


def _docx(ctx: Context, figures: Figures, made: dt.datetime) -> bytes:
    from ..report import charts, document

    with tempfile.TemporaryDirectory(prefix="qm-report-") as tmp:
        drawn = charts.draw_all(figures, Path(tmp), ctx.campaign.paths.state)
        return document.render(ctx.campaign, figures, drawn, made)
