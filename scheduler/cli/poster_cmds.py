"""Commands that make posters: poster (one item or ad-hoc text), posters (everything the plan needs)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from ..inputs.campaign_days import day_window, outdated
from ..poster import PosterText, batch, fonts, glyphs, job_for
from ..poster.job import Job
from ..poster.layout import layout_named, load_layout
from ..poster.make import arrangement, make_poster, prepare
from ..poster.prepared import Prepared
from ..poster.sizes import canonical
from ..support.errors import InputError, PosterError
from ..support.values import ImageRef, poster_path
from . import sign_cmds
from .context import Context, parse_day
from .output import (
    check_output_folder,
    check_suffix,
    drawing_progress,
    kept_message,
    kept_output_options,
    note_findings,
    warn_colours,
    warn_printed,
)

PREVIEW = "（预览图，不是印刷文件）"
DEFAULT_LAYOUTS = {"launch": "launch", "slogan": "slogan"}  # by topic; anything else is a knowledge card


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "poster",
        parents=[common],
        description="按版式和尺寸生成海报（PNG；印刷尺寸 a3、a2 另生成预览用的图片 PDF，没有出血和裁切线，交给印刷厂的 PDF 请用 qm print）。可以指定内容编号，也可以用 --title/--body 直接给文字。"
        "版式在 templates/posters/ 中；尺寸可以是 wechat-cover、wechat-square、square、portrait、a3、a2、banner、屏幕编号或 宽x高。",
    )
    p.add_argument("item", nargs="?", metavar="内容编号", help="内容库中的内容编号，如 goods-salt-iodised")
    p.add_argument("--title", metavar="标题", help="不用内容库，直接给海报标题")
    p.add_argument("--body", metavar="正文", default="", help="与 --title 一起使用：海报正文")
    p.add_argument(
        "--layout",
        metavar="版式",
        help="版式，中文名或版式名都可以：知识卡片（knowledge-card）、启动活动海报（launch）、标语海报（slogan）、电子屏画面（screen-slide）、横幅（banner）、竖排标语（vertical-slogan）",
    )
    p.add_argument("--size", action="append", metavar="尺寸", help="尺寸，可重复指定多个（默认用版式自己的尺寸）")
    kept_output_options(p, "路径", "输出文件；指定多个尺寸时为输出目录（默认 海报目录/内容编号/）")
    p.add_argument("--explain", action="store_true", help="不生成图片，输出排版结果 JSON：每个区域的各行文字、字号和位置")
    p.set_defaults(run=run_poster)

    p = sub.add_parser(
        "posters",
        parents=[common],
        description="渲染排期中的每条内容，生成它们用到的全部海报（公众号封面和配图、微博图片、电子屏画面），写入海报目录。"
        "多核并行；内容、版式、品牌、字体都没有变化的海报不会重新生成。",
    )
    drawing_arguments(p)
    p.set_defaults(run=run_posters)


def drawing_arguments(p: argparse.ArgumentParser) -> None:
    """The days whose pictures to make, and --force (qm posters, qm build)."""
    p.add_argument("--from", dest="start", type=parse_day, metavar="日期", help="起始日期（默认活动开始）")
    p.add_argument("--to", dest="end", type=parse_day, metavar="日期", help="结束日期（含当天，默认活动结束）")
    p.add_argument("--force", action="store_true", help="全部重新生成，不管是否有变化")


def run_poster(ctx: Context, args: argparse.Namespace) -> int:
    campaign = ctx.campaign
    text, layout_name = _source(ctx, args)
    folder = campaign.paths.templates / "posters"
    layout_name = layout_named(folder, layout_name)  # 知识卡片 for knowledge-card; unknown: refused with the list
    sizes = [canonical(s, campaign) for s in args.size] if args.size else [load_layout(folder, layout_name).default_size]
    if args.output is None and args.title is not None and not args.explain:
        raise InputError("用 --title 生成海报时请用 -o 指定输出文件，例如 -o 海报.png")
    font_files = fonts.candidates(campaign.brand.font)
    if undrawable := glyphs.text_problems([text], font_files):  # said with the field and its file:line
        raise PosterError("海报上的文字有画不出来的字符", undrawable)
    explained, previews, jobs = [], [], []
    for size in sizes:
        job = job_for(campaign, text, ImageRef("", text.id, layout_name, size))
        if args.output is not None:
            job = Job(job.text, job.layout, job.size, _output(args.output, job.out.name, many=len(sizes) > 1))
        jobs.append(prepare(campaign, job, font_files))
    if args.output is not None and not args.force and not args.explain:
        _refuse_existing(jobs)
    for prepared in jobs:
        if args.explain:
            explained.append(arrangement(campaign, prepared, font_files).to_json())
            continue
        try:
            made = make_poster(
                campaign, prepared, font_files, force=True, keep_key=args.output is None, replace=args.force or args.output is None
            )
        except FileExistsError as exc:  # the .jpg a too large PNG became, or a file made meanwhile
            raise InputError(kept_message(Path(exc.filename2 or exc.filename))) from exc
        for f in made.files:
            print(f"已生成：{f}" + (PREVIEW if f.suffix == ".pdf" else ""))
        if prepared.size.pdf:
            previews.append(prepared.job.size)
    if args.explain:
        print(json.dumps(explained[0] if len(explained) == 1 else explained, ensure_ascii=False, indent=2))
    else:
        _print_hint(ctx, text, layout_name, previews)
        warn_colours(ctx)
        if text.id:  # a library item (words given with --title are the person's own)
            warn_printed(campaign, [text])
    return 0


def _print_hint(ctx: Context, text: PosterText, layout: str, papers: list[str]) -> None:
    """After a print size's PNG and its image PDF: that PDF is a preview, and the command that makes the print file."""
    if not papers:
        return
    config = f" -c {ctx.config_path}" if ctx.config_path != Path("config.yaml") else ""
    item = text.id or "内容编号"
    commands = "；".join(f"qm print {layout} --items {item} --size {paper}{config}" for paper in papers)
    print(
        "注意：上面的 .pdf 是由 PNG 图片直接转成的预览图，没有出血和裁切线，文字也不是矢量，不要交给印刷厂。"
        f"交给印刷厂的 PDF 请用：{commands}" + ("（印刷文件只能印内容库中的内容）" if not text.id else "")
    )


def _output(path: Path, name: str, *, many: bool) -> Path:
    """Where -o puts one poster: into the folder it names (several sizes, or an existing folder), or the
    .png file it names. Any other name is refused rather than quietly changed."""
    if many or path.is_dir():
        check_output_folder(path)
        return path / name
    more = "（印刷尺寸 a3、a2 另在旁边写一份同名 .pdf；超过平台文件大小限制时改写成 .jpg 并告诉你；要印刷用的矢量 PDF 请用 qm print）"
    check_suffix(path, ".png", "qm poster 写的是 PNG 图片", more)
    check_output_folder(path)
    return path


def _refuse_existing(jobs: list[Prepared]) -> None:
    """Before anything is drawn: no file -o names (the PNG, a print size's PDF) may be there already."""
    for p in jobs:
        for path in (p.job.out, *([p.job.out.with_suffix(".pdf")] if p.size.pdf else [])):
            if path.is_file():
                raise InputError(kept_message(path))


def _source(ctx: Context, args: argparse.Namespace) -> tuple[PosterText, str]:
    if args.title is not None:
        if args.item:
            raise InputError("内容编号和 --title 只能用一个：用内容库的内容，或直接给文字")
        if not args.title.strip():
            raise InputError("--title 不能为空")
        text = PosterText("", args.title.strip(), summary=args.body.strip())
        return text, args.layout or ("knowledge-card" if text.summary else "slogan")
    if not args.item:
        raise InputError("请给出内容编号（如 qm poster goods-salt-iodised），或用 --title 直接给文字")
    item = ctx.library.get(args.item)
    if item is None:
        from ..support.suggest import did_you_mean

        guess = did_you_mean(args.item, ctx.library.by_id)
        raise InputError(f"内容库中没有编号为 {args.item} 的内容：{guess or ''}用 qm plan 查看排期中的内容编号")
    refused = outdated(ctx.campaign, item, "生成海报")
    if refused:
        raise InputError(problems=[refused])
    return PosterText.of(item), args.layout or DEFAULT_LAYOUTS.get(item.topic, "knowledge-card")


def run_posters(ctx: Context, args: argparse.Namespace) -> int:
    campaign = ctx.campaign
    jobs = plan_jobs(ctx, *day_window(campaign, args.start, args.end))
    with ctx.parsed_layouts():
        summary = batch.make_all(campaign, jobs, progress=drawing_progress, force=args.force)
    print_sheets(ctx, args.force)
    drawn, skipped = len(summary.drawn), len(summary.skipped)
    if drawn == 0:
        print(f"排期用到 {len(jobs)} 张海报，全部是最新的，没有重新生成（{campaign.paths.posters}）。")
    else:
        print(f"排期用到 {len(jobs)} 张海报：新生成 {drawn} 张，未变化跳过 {skipped} 张，写入 {campaign.paths.posters}。")
        warn_colours(ctx)
    sign_cmds.reminder(ctx)
    return 0


def print_sheets(ctx: Context, force: bool) -> None:
    """The print PDFs config `posters.print` asks for, made with the posters (qm posters, qm build)."""
    if not ctx.campaign.posters.prints:
        return
    from ..poster.printjob import make_prints  # the PDF libraries: only when print sheets are configured
    from ..poster.printpick import THIN

    done = make_prints(ctx.campaign, ctx.library, ctx.today(), force=force)
    note_findings("印刷 PDF（posters.print）按主题选的内容有略去的", done.left_out)
    note_findings(f"印刷 PDF（posters.print）中{THIN}", done.thin)
    print(
        f"印刷 PDF（posters.print）{len(ctx.campaign.posters.prints)} 份：新生成 {len(done.made)} 份，未变化跳过 {len(done.skipped)} 份。"
    )


def plan_jobs(ctx: Context, start: dt.date | None, end: dt.date | None) -> list[Job]:
    """Every poster the posts planned from `start` to `end` refer to, once each. Which images a post
    names is kept in the state folder (check_parts): only posts whose inputs changed are rendered."""
    from . import check_cache, check_parts

    campaign = ctx.campaign
    known = check_parts.Parts(campaign.paths.state / check_parts.IMAGES_FILE, campaign, ctx.code, check_cache.templates_identity(campaign))
    jobs: dict[Path, Job] = {}
    for post in ctx.plan.between(start, end).posts:
        images = known.images(post)
        if images is None:
            images = ctx.renderer.render(post).images
            known.keep_images(post, images)
        for image in images:
            path = poster_path(campaign.paths.posters, image)
            if path not in jobs:
                jobs[path] = job_for(campaign, post.item, image)
    known.save()
    return list(jobs.values())
