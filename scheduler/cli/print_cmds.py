"""`qm print`: print sheets as vector PDFs (挂图, 传单, posters at A3/A2/A1) with bleed and crop marks."""

from __future__ import annotations

import argparse

from ..poster.layout import layout_named
from ..poster.print_forms import PAPERS, SHEETS
from ..poster.printjob import PrintSheet, make_print
from ..poster.printpick import THIN
from ..support.errors import InputError
from ..support.suggest import titled
from ..views.print_standing import sheet_kind
from .context import Context
from .output import check_output_folder, check_suffix, kept_message, kept_output_options, note_findings, warn_colours, warn_printed


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "print",
        parents=[common],
        help="生成印刷用 PDF：挂图、传单、印刷海报（矢量，含 3 毫米出血和裁切线）",
        description="生成交给印刷厂的 PDF：文字是可选中的文字，字体已嵌入，四边各 3 毫米出血，四角有裁切线。"
        "版式：wallchart（挂图，一个主题的多条知识）、leaflet（传单，A4 正反面，4–6 条内容和联系方式），"
        "或任一海报版式（如 knowledge-card，印一条内容）。",
    )
    p.add_argument(
        "layout", metavar="版式", help="挂图（wallchart）、传单（leaflet）或海报版式，如 知识卡片（knowledge-card）；中文名或版式名都可以"
    )
    p.add_argument(
        "--topic",
        default="",
        metavar="主题",
        help="主题或领域，写中文名或编号，如 识假辨假（anti-fake）、食盐（goods-salt）、严格质量整治与消费维权（rights）：取内容库中这一主题的内容",
    )
    p.add_argument("--items", default="", metavar="编号", help="内容编号，用逗号分隔，如 goods-salt-iodised,anti-fake-sc-code")
    sizes = "、".join(f"{n}（{p.label}）" for n, p in PAPERS.items())
    p.add_argument("--size", default="", metavar="尺寸", help=f"纸张：{sizes}。默认挂图 a2、传单 a4、海报 a3")
    p.add_argument("--cmyk", action="store_true", help="颜色写成 CMYK（按品牌颜色直接换算，正式印刷前请让印刷厂打样）")
    kept_output_options(p, "文件", "输出的 PDF 文件（默认 海报目录/print/版式-主题-尺寸.pdf，重新生成时替换）")
    p.set_defaults(run=run_print)


def run_print(ctx: Context, args: argparse.Namespace) -> int:
    check_output_folder(args.output)
    items = tuple(i.strip() for i in args.items.replace("，", ",").split(",") if i.strip())
    layout = layout_named(ctx.campaign.paths.templates / "posters", args.layout.strip(), SHEETS)  # 挂图 for wallchart
    job = PrintSheet(layout, args.size, args.topic.strip(), items, args.cmyk)
    out = args.output or ctx.campaign.paths.posters / "print" / job.file_name()
    if out.is_dir():  # a folder: the default name in it
        out = out / job.file_name()
    check_suffix(out, ".pdf", "qm print 写的是印刷用的 PDF", "（要 PNG 图片请用 qm poster）")
    if args.output is not None and out.is_file() and not args.force:  # the default place is qm's own: made again there
        raise InputError(kept_message(out))
    made, picked = make_print(ctx.campaign, ctx.library, job, out, ctx.today())
    kind = sheet_kind(ctx.campaign, job.layout)
    label = kind if job.layout in SHEETS else f"海报 {titled(job.layout, kind)}"
    print(f"已生成{label}：{made}（{PAPERS[job.paper].label}，{'CMYK' if job.cmyk else 'RGB'}，含 3 毫米出血和裁切线）")
    note_findings("按主题选的内容有略去的", picked.left_out)
    note_findings(THIN, picked.thin)
    warn_colours(ctx)
    warn_printed(ctx.campaign, picked.items)
    return 0
