"""Commands that look at the campaign before it runs: check, plan, preview."""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..inputs.campaign_days import check_day, day_window, valid_during
from ..support.errors import InputError, Problem, QmError
from ..views.campaign_over import over
from ..views.unnotified import unnotified
from .context import DAY_EXAMPLE, Context, parse_day

# Rendering, linting, the channels, the plan's formats and the preview page are imported by the
# commands that use them: `qm plan` starts without templates, `qm check` without the HTTP client,
# and a `qm check` answered from its cache without the planner.
from .output import check_output_folder, error_text, open_in_browser, write_output
from .resident_check import IDLE_MINUTES
from .zh_argparse import Named, NumberIn

if TYPE_CHECKING:
    from ..inputs.campaign import Campaign
    from ..planning.planner import PlannedPost
    from .check_parts import Parts

# export.render_plan's formats; the parser is built without importing export
PLAN_FORMATS = {"table": "排期表", "json": "数据", "csv": "电子表格", "ics": "日历", "html": "网页月历"}
PLAN_FORMAT = Named("格式", PLAN_FORMATS, {"表格": "table", "月历": "html", "网页": "html"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check",
        parents=[common],
        description="检查配置文件、内容库、模板和排期，渲染每条内容并逐条检查（长度限制、敏感词、广告法禁用词），一次列出全部问题。有问题时退出码为 2。"
        "结果保存在状态目录；配置、内容、模板、字体、环境变量、qm 版本和日期都没有变化时，直接给出上次的结果（与重新检查完全相同）。",
    )
    p.add_argument("--no-cache", action="store_true", help="不用上次保存的结果，重新完整检查")
    p.add_argument(
        "--stay",
        nargs="?",
        const=IDLE_MINUTES,
        type=NumberIn(float, 0.05, 24 * 60, 30),
        metavar="分钟",
        help="检查后留在这个窗口等待：之后对同一份配置运行的 qm check 都交给它检查，省去每次启动的时间（改内容时用）。"
        f"按 Ctrl+C 退出；闲置这么多分钟（0.05–1440，默认 {IDLE_MINUTES:g}）或 qm 的程序更新后自动退出",
    )
    p.set_defaults(run=run_check)

    p = sub.add_parser(
        "plan",
        parents=[common],
        description="根据配置和内容库生成排期：每个渠道的每个时段排一条内容，另含工作人员提醒。",
    )
    p.add_argument("--from", dest="start", type=parse_day, metavar="日期", help=f"起始日期（默认活动开始），{DAY_EXAMPLE}")
    p.add_argument("--to", dest="end", type=parse_day, metavar="日期", help="结束日期（含当天，默认活动结束）")
    p.add_argument(
        "--format",
        type=PLAN_FORMAT,
        default="table",
        metavar="格式",
        help=f"输出格式：{PLAN_FORMAT.listed}（默认排期表；电子表格可用 Excel 打开，日历导入日历应用，网页月历用浏览器打开）",
    )
    p.add_argument("--reminders", action="store_true", help="json/csv 中也列出工作人员提醒")
    p.add_argument("-o", "--output", type=Path, metavar="文件", help="写入文件（默认输出到屏幕；写 - 也是输出到屏幕）")
    p.set_defaults(run=run_plan)

    p = sub.add_parser(
        "preview",
        parents=[common],
        description="生成一个独立的 HTML 页面，按读者看到的样子展示当天的公众号文章、微博和电子屏画面，并标出检查发现的问题；同时在终端打印摘要。",
    )
    p.add_argument("date", type=parse_day, metavar="日期", help=f"要预览的日期，{DAY_EXAMPLE}")
    p.add_argument("-o", "--output", type=Path, metavar="目录", default=None, help="页面写入的目录（默认 状态目录/preview）")
    p.add_argument("--open", action="store_true", help="生成后用浏览器打开")
    p.set_defaults(run=run_preview)


def run_check(ctx: Context, args: argparse.Namespace) -> int:
    """The check, or its stored result while none of its inputs has changed (see check_cache)."""
    from . import check_cache, check_parts

    if args.stay is not None:
        from .resident_check_server import stay

        return stay(ctx.config_path, args.stay)
    campaign = ctx.campaign  # read every time: a broken config stops here, and is never cached
    code, templates = ctx.code, check_cache.templates_identity(campaign)
    fingerprint = check_cache.key(campaign, ctx.config_path, ctx.today(), code, templates, ctx.kept)  # before the inputs are read
    cache_file = campaign.paths.state / check_cache.FILE
    if not args.no_cache and (cached := check_cache.load(cache_file, fingerprint)) is not None:
        return cached.replay()
    parts = check_parts.Parts(campaign.paths.state / check_parts.FILE, campaign, code, templates, reuse=not args.no_cache)
    ctx.compiled_templates = lambda: check_parts.compiled_templates(campaign.paths.state, code)  # if a post is rendered
    ctx.parts = parts  # the plan is kept among them
    out = io.StringIO()
    try:
        _check(ctx, out, parts)
        result = check_cache.Result(out.getvalue(), "", 0)
    except QmError as exc:
        result = check_cache.Result(out.getvalue(), error_text(exc), exc.exit_code)
    check_cache.store(cache_file, fingerprint, result)
    parts.save()
    return result.replay()


def _check(ctx: Context, out: io.StringIO, parts: Parts) -> None:
    """The whole check; `parts` gives the verdicts of an earlier check on parts whose inputs are
    unchanged, and keeps this check's."""
    from ..inputs.content_markup import guide_problems
    from ..planning.plan_checks import coverage_shortfalls, outside_period, past_pins
    from ..publishing import channel_warnings as warnings
    from ..rendering.lint import body_problems, printed_problems, quoted
    from ..rendering.lint_view import read_as
    from ..views.template_left import template_left
    from .check_glyphs import glyph_problems
    from .template_findings import post_problems

    campaign = ctx.campaign
    problems: list[Problem] = []
    if not parts.templates_ok():
        from ..screens.player_page import player_problems  # loads Jinja2: not when the templates passed before

        problems += ctx.renderer.check_templates() + player_problems(campaign) + _layout_problems(ctx)
    try:
        readable = ctx.readable_library  # loading is the check
    except QmError as exc:
        problems += exc.problems or [Problem(str(exc))]
    else:  # a file that does not load stops the plan, not the content guide's check of the items read
        if readable.problems:
            problems += [*readable.problems, *guide_problems((*readable.items, *readable.aside))]
    if problems:
        raise InputError(f"检查发现 {len(problems)} 个问题", problems)
    parts.keep_templates_ok()
    plan = ctx.plan
    found = [(post, reason) for post in plan.posts for reason in _post_findings(ctx, post, parts)]
    findings = post_problems(campaign, plan.posts, found)  # a template's findings once, then each post's
    printable = [i for i in ctx.library.items if valid_during(campaign, i)]  # others may not be printed in this campaign
    reported = {(post.item.id, read_as(quoted(reason))) for post, reason in found}
    findings += printed_problems(campaign, printable, reported, parts.printed_words) + body_problems(
        campaign, printable, reported, parts.body_words
    )
    findings += guide_problems(ctx.library.items, parts.guide_rows)
    findings += coverage_shortfalls(campaign, ctx.library, plan)
    findings += plan.set_aside
    findings += past_pins(campaign, plan, ctx.kept, ctx.today())
    findings += glyph_problems(ctx, parts)
    if campaign.posters.prints:  # posters.print, as qm posters would refuse it (its picking is not loaded otherwise)
        from ..poster.print_entries import entry_problems

        findings += entry_problems(campaign, ctx.library, ctx.today())
    findings += _channel_problems(ctx)
    if outside := outside_period(campaign, ctx.kept, ctx.today()):  # said also when the check finds problems
        print(f"提醒：{outside}", file=out)
    if findings:
        raise InputError(f"检查发现 {len(findings)} 个问题", findings)
    for notice in warnings.notices(campaign, ctx.today()).values():  # a token about to expire…
        print(f"提醒：{notice.title}" + "".join(notice.lines), file=out)
    if ended := over(campaign, ctx.today()):
        print(f"提醒：{ended}", file=out)
    for line in unnotified(campaign, os.environ) + template_left(campaign):
        print(f"提醒：{line}", file=out)
    print(
        f"检查通过：配置 {campaign.config_path}，内容 {len(ctx.library.items)} 条，"
        f"排期 {len(plan.posts)} 条（{campaign.start} 至 {campaign.end}），工作提醒 {len(plan.reminders)} 条，全部通过检查。",
        file=out,
    )


def _post_findings(ctx: Context, post: PlannedPost, parts: Parts) -> list[str]:
    """What the platform rules and the editorial checks find against one post, rendered as it would be
    published; the earlier verdict while the post and the poster files its rules read are unchanged."""
    from ..rendering.lint import lint_post
    from ..support.values import poster_path
    from .check_parts import file_state

    if (reasons := parts.findings(post)) is not None:
        return reasons
    rendered = ctx.renderer.render(post)
    files = {path: file_state(path) for path in (poster_path(ctx.campaign.paths.posters, img) for img in rendered.images)}
    reasons = [f.reason for f in lint_post(ctx.campaign, rendered)]
    parts.keep_findings(post, files, reasons)
    return reasons


def _layout_problems(ctx: Context) -> list[Problem]:
    """Every poster layout, read as `qm posters` would read it (parsed YAML kept in the state folder), and
    the brand's colours on the layouts in use."""
    from ..poster.layout import layout_names, load_layout

    folder = ctx.campaign.paths.templates / "posters"
    problems: list[Problem] = []
    with ctx.parsed_layouts():
        for family_folder in (folder, *(f for f in sorted(folder.iterdir()) if f.is_dir())):
            for name in layout_names(family_folder):
                try:
                    load_layout(family_folder, name)
                except QmError as exc:
                    problems += exc.problems or [Problem(str(exc))]
        if not problems:
            from ..poster.brand_contrast import campaign_clashes

            problems += campaign_clashes(ctx.campaign)
    return problems


def _channel_problems(ctx: Context) -> list[Problem]:
    """What would stop the channels at publishing time: missing secrets, quotas, an expired token."""
    from ..channels import make_channels
    from ..channels.timing import NO_LATER_SLOT
    from ..poster.files import PosterFiles
    from ..publishing import channel_warnings as warnings

    problems: list[Problem] = []
    try:
        for channel in make_channels(ctx.campaign, PosterFiles(ctx.campaign)).values():  # reads secrets, makes no call
            channel.close()
    except QmError as exc:
        problems += exc.problems or [Problem(str(exc))]
    tz = ctx.campaign.timezone
    for config, issue in warnings.planned_postponements(ctx.campaign, ctx.plan):
        later = f"改到 {issue.next_free.astimezone(tz):%Y-%m-%d %H:%M} 或以后，或" if issue.next_free else f"{NO_LATER_SLOT}："
        hint = f"{later}删去多余的时段 / pins"
        problems.append(Problem(issue.message, f"{issue.post_id}（{config.name}）", hint))
    return problems + _robot_problems(ctx.campaign)


def _robot_problems(campaign: Campaign) -> list[Problem]:
    """Group robots whose address (or signing key) is to come from a file that gives none, or whose address is no web
    address (no http:// or https://: nothing would be sent to it): nobody in that group would hear of a failed post.
    An unset variable is fine: that robot is not used on this machine."""
    from ..inputs.secrets import secret_read

    hooks = [(f"通知“{n.name}”", n.webhook_env) for n in campaign.notifiers]
    hooks += [(f"单位“{u.name}”", u.webhook_env) for u in campaign.units if u.webhook_env]
    names = hooks + [(f"通知“{n.name}”", n.secret_env) for n in campaign.notifiers if n.secret_env]
    read = {env: secret_read(os.environ, env) for _, env in names}  # each file read once
    hint = "改正文件路径或内容（文件里只写地址或密钥本身），或取消设置这个 _FILE 环境变量（那样就不发这个群的通知）"
    problems = [
        Problem(f"{whose}的 {env} 读取失败：{why}", "环境变量", hint)
        for whose, env in names
        if os.environ.get(f"{env}_FILE") and (why := read[env][1])
    ]
    wrong = [(whose, env) for whose, env in hooks if (value := read[env][0]) and not value.lower().startswith(("https://", "http://"))]
    hint = "填群机器人设置里复制的完整 Webhook 地址（以 https:// 开头）"
    return problems + [Problem(f"{whose}的 {env} 不是网址（没有以 https:// 开头），通知发不出去", "环境变量", hint) for whose, env in wrong]


def run_plan(ctx: Context, args: argparse.Namespace) -> int:
    from ..publishing import channel_warnings as warnings
    from ..views import plan_export as export

    check_output_folder(args.output)
    campaign = ctx.campaign
    whole = ctx.plan
    days = [campaign.start, campaign.end, *(r.at.date() for r in whole.reminders)]  # reminders may fall outside
    plan = whole.between(*day_window(campaign, args.start, args.end, (min(days), max(days))))
    text = export.render_plan(campaign, plan, args.format, args.reminders)
    write_output(text, args.output, "排期")
    for _config, issue in warnings.planned_postponements(campaign, plan):
        print(
            f"注意：{issue.post_id} {issue.message}，{issue.moving(campaign.timezone)}",
            file=sys.stderr,
        )
    for problem in plan.set_aside:  # pins the queue's posts that went out overrule
        print(f"注意：{problem}", file=sys.stderr)
    for note in plan.notes:  # times moved after the day's post went out
        print(f"注意：{note.text}", file=sys.stderr)
    return 0


def run_preview(ctx: Context, args: argparse.Namespace) -> int:
    from ..views import day_preview as preview

    check_output_folder(args.output)
    campaign = ctx.campaign
    check_day(campaign, args.date, "")
    day = preview.build(campaign, ctx.plan, ctx.renderer, args.date)
    folder = args.output or campaign.paths.state / "preview"
    path = folder / f"preview-{args.date}.html"
    write_output(preview.to_html(campaign, day), path, "预览页面")
    print("\n".join(preview.summary_lines(campaign, day)))
    if args.open:
        open_in_browser(path)  # the page is written either way: the exit status is the check's
    return 1 if day.findings else 0
