"""Reading the queue: `qm queue` (with `--diff`), `qm history`, `qm status`.

They read the database while the daemon runs. `queue` first brings the queue in line with the current
config and content; acting on posts and channels is `review_cmds`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys

from ..channels.kinds import label_of
from ..inputs.campaign_days import check_day
from ..publishing import states as st
from ..publishing.auto_approval import NOT_AUTO
from ..publishing.queue import Post, Queue
from ..publishing.review import is_paused, paused
from ..rendering.versions import shown, unversioned
from ..support.errors import ContentError, InputError
from ..support.logs import escaped
from ..views.campaign_over import over
from ..views.columns import aligned, clip
from ..views.pause_notes import pause_lines
from . import zh_argparse
from .context import DAY_EXAMPLE, Context, parse_day
from .db_option import add_db_option, db_engine, db_queue, db_words

STATE = zh_argparse.Named("状态", st.LABELS)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("queue", parents=[common], description=QUEUE_HELP)
    p.add_argument("--date", type=parse_day, metavar="日期", help=f"只看这一天，{DAY_EXAMPLE}")
    p.add_argument("--state", type=STATE, metavar="状态", help=f"只看这个状态：{STATE.listed}")
    p.add_argument("--json", action="store_true", help="输出 JSON（每条一个对象）")
    p.add_argument(
        "--diff", metavar="编号", help="并排显示这条内容审核通过时的文字和现在的文字，标出改动（审核后又修改过的内容回到待审核时用）"
    )
    add_db_option(p)
    p.set_defaults(run=run_queue)

    p = sub.add_parser("history", parents=[common], description=HISTORY_HELP)
    p.add_argument("id", nargs="?", metavar="编号", help="只看这一条内容（默认最近的记录）")
    p.add_argument(
        "--limit", type=zh_argparse.NumberIn(int, 1, 100000, 50), default=50, metavar="条数", help="最多显示多少条记录，1–100000，默认 50"
    )
    p.add_argument("--json", action="store_true", help="输出 JSON")
    add_db_option(p)
    p.set_defaults(run=run_history)

    p = sub.add_parser("status", parents=[common], description=STATUS_HELP)
    p.add_argument("--json", action="store_true", help="输出 JSON")
    add_db_option(p)
    p.set_defaults(run=run_status)


QUEUE_HELP = (
    "列出发布队列中的内容及其状态。先按当前配置和内容库刷新队列：新排的内容加入“待审核”，"
    "审核后文字或图片又修改过的内容回到“待审核”，“备注”一栏写明改动了什么（内容文件、模板或配置项），"
    "用 qm queue --diff 编号 对照改动前后的文字。只改空白（空行、缩进）不影响审核。"
    "状态：待审核 → 已审核 → 待发布 → 发布中 → 已发布（或 失败、已错过、已取消）。"
)

HISTORY_HELP = "按时间列出每一次状态变化：何时、谁、从什么状态到什么状态、原因（审核记录，不可修改）。"

STATUS_HELP = "显示后台服务是否在运行（心跳）、暂停情况、接下来要执行的任务、各状态的数量和最近的失败原因。"


def run_queue(ctx: Context, args: argparse.Namespace) -> int:
    if args.diff is not None:
        if args.json or args.date or args.state:
            raise InputError("qm queue --diff 只对比一条内容，不能与 --json、--date 或 --state 同时使用")
        from .queue_diff import show_diff

        print(show_diff(db_queue(ctx, args.db) if args.db else ctx.filled_queue(), args.diff), end="")
        return 0
    queue, dropped = (db_queue(ctx, args.db), "") if args.db else _queue(ctx)  # --db: read as it stands
    start = end = None
    if args.date:
        check_day(ctx.campaign, args.date, "--date")
        start = ctx.campaign.at(args.date, dt.time()).timestamp()
        end = start + 86400
    found = queue.find([args.state] if args.state else [], start, end)
    reasons = queue.change_reasons(found)
    pauses = paused(queue)
    said = "".join(
        f"注意：{escaped(line)}\n" for line in pause_lines(pauses, ctx.campaign.timezone, functools.partial(label_of, ctx.campaign))
    )  # as `qm status` says
    print(said, end="", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps([{**_record(ctx, p), "change": reasons.get(p.id, "")} for p in found], ensure_ascii=False, indent=2))
        print(dropped, end="", file=sys.stderr)
        return 0
    from ..publishing import waiting_words

    notes = {**reasons, **_cancelled(queue, found)}
    waiting = waiting_words.notes(queue.engine, found)
    for p in found:  # a post that would go out, held by the pause
        if p.state in st.BEFORE_PUBLISHING and is_paused(pauses, p.channel):
            waiting[p.id] = f"已暂停；{waiting[p.id]}" if p.id in waiting else "已暂停"
    print(_table(ctx, found, notes, _stages_passed(ctx, queue, found), waiting) + dropped, end="")
    if not found and args.state:  # where the posts are instead (已审核: moved on to 待发布 by the daemon)
        from .queue_elsewhere import elsewhere

        shown = f"{f' --date {args.date}' if args.date else ''}{db_words(args.db)}"  # the options to repeat
        print(elsewhere(queue, args.state, start, end, shown), end="")
    return 0


def _queue(ctx: Context) -> tuple[Queue, str]:
    """The queue brought in line with config and content, and what the staff must hear about that (approved
    posts sent back to review or cancelled by the plan); as it stands when a content file does not load (the
    daemon goes on publishing it), saying which file and line to fix."""
    try:
        queue = ctx.filled_queue()
    except ContentError:
        if not ctx.readable_library.problems:
            raise
        lines = "\n".join(f"  {p}" for p in ctx.readable_library.problems)
        print(
            f"注意：内容库有文件无法读取，队列没有按内容库刷新，下面是队列现有的内容（改正后再运行 qm queue 刷新）：\n{lines}",
            file=sys.stderr,
        )
        return Queue(ctx.engine), ""
    for note in ctx.plan.notes:
        if note.day >= ctx.today():  # a time moved after the day's post went out: the day keeps it
            print(f"注意：{note.text}", file=sys.stderr)
    return queue, _sent_back(ctx) + _approvals_lost(ctx)


def _sent_back(ctx: Context) -> str:
    """The notice this refresh recorded for reviewers (the daemon sends it): approved posts whose words or
    pictures changed, back to review, most urgent first."""
    from ..publishing import words_back

    backs = words_back.ordered(ctx.refreshed.words_back.values()) if ctx.refreshed is not None else []
    if not backs:
        return ""
    told = words_back.notice(ctx.campaign, backs, ctx.clock(), linked=False)
    return f"注意：{told.title}\n" + "".join(f"  {line}\n" for line in told.lines)


def _approvals_lost(ctx: Context) -> str:
    """The summary's warning that this refresh cancelled approved posts (a time, a day's number of posts or the
    launch day changed in the config), as the notice it recorded for the daemon to send says it."""
    from ..publishing import approvals_lost

    lost = ctx.refreshed.lost if ctx.refreshed is not None else None
    return "" if lost is None else f"注意：{approvals_lost.warning(lost)}\n"


def _cancelled(queue: Queue, found: list[Post]) -> dict[str, str]:
    """Why each cancelled post was cancelled, as the latest audit entry that cancelled it says: `why（who）`,
    the way a rejected post's note says why it was sent back; read in one query."""
    entries = queue.last_moves([p.id for p in found if p.state == st.CANCELLED], st.CANCELLED)
    return {post_id: f"{e.why}（{e.who}）" for post_id, e in entries.items()}


def _record(ctx: Context, post: Post) -> dict[str, object]:
    tz = ctx.campaign.timezone
    return {
        "id": post.id,
        "at": post.when(tz).isoformat(),
        "channel": post.channel,
        "item": post.item,
        "state": post.state,
        "version": post.version,
        "attempts": post.attempts,
        "approved_by": post.approved_by,
        "last_error": post.last_error,
        "receipt": post.receipt.to_json() if post.receipt else None,
        "sent_at": _moment(post.sent_at, tz),  # handed to the platform, which took it: what lateness counts
        "published_at": _moment(post.published_at, tz),  # published, as the platform says or when qm learned it
    }


def _moment(at: float | None, tz: dt.tzinfo) -> str | None:
    return dt.datetime.fromtimestamp(at, tz).isoformat(timespec="seconds") if at is not None else None


TITLE_COLUMNS = 24  # a title longer than twelve Chinese characters is cut, so each post stays on one line


def _table(ctx: Context, found: list[Post], notes: dict[str, str], stages: dict[str, str], waiting: dict[str, str]) -> str:
    """The posts one a line; `notes` holds why a post is back in review (what changed) or was cancelled,
    `stages` who passed which stage of a post still in review, `waiting` why an edit waits (`waiting_words`)."""
    if not found:
        ended = over(ctx.campaign, ctx.today())
        return "队列中没有符合条件的内容。\n" + (f"{ended}\n" if ended else "")
    tz = ctx.campaign.timezone
    items = ctx.readable_library.by_id
    missing = "（内容库中已没有或无法读取）" if ctx.readable_library.problems else "（内容库中已没有）"
    rows = [("时间", "渠道", "编号", "内容", "标题", "版本", "状态", "审核人", "备注")]
    for p in found:
        note = p.last_error or (p.receipt.url if p.receipt and p.receipt.url else "")
        if p.state == st.CANCELLED:
            note = notes.get(p.id, note)
        elif p.id in notes:  # approved, then changed (what changed, and how to see it) or no longer accepted by the rules
            note = notes[p.id] + (f"（qm queue --diff {p.id}）" if p.approved_version not in ("", p.version) else "")
            if p.last_error.startswith(NOT_AUTO):  # changed, and not approved automatically again: why not, too
                note += f"；{p.last_error}"
        note = f"{note}；{waiting[p.id]}" if note and p.id in waiting else waiting.get(p.id, note)
        note = escaped(" ".join(unversioned(note).split()))  # one line per post, written by staff (a reason): no terminal escapes
        reviewer = escaped(p.approved_by if p.state in st.APPROVED_STATES else stages.get(p.id, ""))
        item = items.get(p.item)  # none for a post sent before its content file was deleted
        title = clip(" ".join(item.title.split()), TITLE_COLUMNS) if item else missing
        when, channel = f"{p.when(tz):%m-%d %H:%M}", label_of(ctx.campaign, p.channel)
        rows.append((when, channel, p.id, p.item, title, shown(p.version), st.label(p.state), reviewer, note))
    lines = aligned(rows)
    counts: dict[str, int] = {}
    for p in found:
        counts[p.state] = counts.get(p.state, 0) + 1
    lines.append(f"共 {len(found)} 条：" + "，".join(f"{st.label(s)} {counts[s]}" for s in st.STATES if s in counts) + "。")
    return "\n".join(lines) + "\n"


def _stages_passed(ctx: Context, queue: Queue, found: list[Post]) -> dict[str, str]:
    """Who passed which stage of each post still in review (李编辑（初审）), by post id, read in one query;
    none with one stage, or for a post that passed none."""
    rules = ctx.campaign.review
    waiting = [p for p in found if p.state == st.PLANNED]
    if not waiting or len(rules.stages) < 2:
        return {}
    from ..publishing.review_progress import live_passes, passes_of

    return {
        post_id: "、".join(f"{s.who}（{s.name}）" for s in live_passes(rules, done)) for post_id, done in passes_of(queue, waiting).items()
    }


def run_history(ctx: Context, args: argparse.Namespace) -> int:
    queue = db_queue(ctx, args.db) if args.db else Queue(ctx.engine)
    if args.id and queue.get(args.id) is None:
        raise queue.unknown(args.id)
    entries = queue.history(args.id, limit=args.limit)
    tz = ctx.campaign.timezone
    if args.json:
        records = [
            {
                "id": e.post_id,
                "at": dt.datetime.fromtimestamp(e.at, tz).isoformat(timespec="seconds"),
                "who": e.who,
                "from": e.from_state,
                "to": e.to_state,
                "why": e.why,
            }
            for e in entries
        ]
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("还没有记录。")
    rows = [
        (
            f"{dt.datetime.fromtimestamp(e.at, tz):%Y-%m-%d %H:%M:%S}",
            e.post_id,
            st.label(e.from_state) if e.from_state else "（新建）",
            f"→ {st.label(e.to_state)}",
            f"{escaped(e.who)}：{escaped(unversioned(e.why))}",  # staff's words; versions only in --json
        )
        for e in entries
    ]
    for line in aligned(rows):  # each column starts at the same place, whatever the length of an id or a state
        print(line)
    return 0


def run_status(ctx: Context, args: argparse.Namespace) -> int:
    from ..planning.reminders import reminders
    from ..views import daemon_status as status  # the daemon's lock and job table: only for qm status

    campaign = ctx.campaign
    messages = status.job_names(campaign, reminders(campaign))
    report = status.gather(db_engine(ctx, args.db), ctx.clock(), names=messages)  # the rehearsal clock under QM_NOW, as every command
    tz = campaign.timezone
    if args.json:
        print(json.dumps(status.to_json(report, tz, messages), ensure_ascii=False, indent=2))
    else:
        print(status.to_text(report, tz, messages, campaign.start.year, functools.partial(label_of, campaign)), end="")
    return 0
