"""The work summary's figures alone, for spreadsheets and other programs: JSON, CSV (the post table)
or an Excel workbook (openpyxl) with one sheet per table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..inputs.vocabulary import AREAS
from ..publishing import states as st
from ..simulation.marker import NOTICE
from ..support.spreadsheet import spreadsheet_safe
from ..views.columns import width
from . import overdue, submissions
from .figures import METRIC_LABELS, WECHAT_ACCOUNT, Figures
from .lateness import LATE_AFTER, WENT_OUT
from .post_rows import PUBLISHED_TIME

POST_METRICS = ("read_user", "share_user", "reposts", "comments", "likes", "plays")
# 时间 is the slot (its name kept for programs that read the columns by name); 发出时间 is what lateness counts
POST_HEAD = [
    "编号",
    "时间",
    "发出时间",
    "平台发布时间",
    "渠道",
    "活动领域",
    "标题",
    "状态",
    "链接",
    *(METRIC_LABELS[m] for m in POST_METRICS),
    "失败原因",
]


def _moment(at: dt.datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at is not None else ""


def post_rows(f: Figures) -> list[list[object]]:
    return [
        [
            p.id,
            p.at.strftime("%Y-%m-%d %H:%M"),
            _moment(p.went_out),
            _moment(p.published),
            p.channel_name,
            AREAS.get(p.area, p.area),
            p.title,
            st.label(p.state),
            p.link,
            *(int(p.figures[m]) if m in p.figures else "" for m in POST_METRICS),
            p.reason,
        ]
        for p in f.posts
    ]


def figures_json(f: Figures) -> dict[str, Any]:
    return {
        "simulated": f.simulated,
        **({"notice": NOTICE} if f.simulated else {}),
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        **f.totals.to_json(),
        "published": len(f.published),
        "published_by_channel": f.published_by_channel(),
        "published_by_area": f.published_by_area(),
        "published_by_day": f.published_by_day(),
        "failed_or_missed": len(f.problems),
        "overdue": len(f.overdue),
        "late": f.late.to_json(),
        "wechat_account": f.wechat_account,
        "screens": [
            {"screen": d.screen, "name": d.name, "day": d.day.isoformat(), "plays": d.plays, "items": d.items, "minutes": d.minutes}
            for d in f.screens
        ],
        "posts": [
            {
                "id": p.id,
                "at": p.at.isoformat(),
                "channel": p.channel,
                "channel_name": p.channel_name,
                "area": AREAS.get(p.area, p.area),
                "title": p.title,
                "state": p.state,
                "link": p.link,
                "figures": p.figures,
                "reason": p.reason,
                "went_out": p.went_out.isoformat() if p.went_out else None,
                "published_at": p.published.isoformat() if p.published else None,
                "late_seconds": round(p.delay),
            }
            for p in f.posts
        ],
        "pauses": f.pauses,
        "gaps": f.gaps,
        "units": submissions.records(f.units, f.timezone),
    }


def to_json(f: Figures) -> bytes:
    return json.dumps(figures_json(f), ensure_ascii=False, indent=2).encode("utf-8")


SOURCE_HEAD, SIMULATED = "数据来源", "模拟数据，不是真实发布"


def to_csv(f: Figures) -> bytes:
    """The post table; from a simulation, a first column says so on every row (it survives sorting,
    filtering and copying rows in Excel, and a program reading by column name is not thrown)."""
    out = io.StringIO()
    writer = csv.writer(out)
    marked = [SOURCE_HEAD] if f.simulated else []
    writer.writerow(marked + POST_HEAD)
    writer.writerows([spreadsheet_safe(cell) for cell in ([SIMULATED] if f.simulated else []) + row] for row in post_rows(f))
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


OVERDUE_NOTE = "排期时间已过，到生成时仍是待审核、已审核或待发布，没有发出"
WIDEST = 60  # a column's most characters' width; a longer cell wraps within it


def fit_columns(sheet: Worksheet) -> None:
    """Each column as wide as its widest cell (a Chinese character counts as two), so titles and notes
    are not cut off in Excel; a cell wider than WIDEST wraps instead of making the column a screen wide."""
    for n, column in enumerate(sheet.iter_cols(), start=1):
        texts = [(cell, str(cell.value)) for cell in column if cell.value is not None]
        widest = max((width(text) for _, text in texts), default=0)
        sheet.column_dimensions[get_column_letter(n)].width = min(max(widest, 6), WIDEST) + 2
        for cell, text in texts:
            if width(text) > WIDEST:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def as_text(sheet: Worksheet) -> None:
    """Every cell openpyxl took for a formula (a text starting with `=`: a title, a failure reason, a link from
    content or a platform) stored as the text it is, so Excel shows it and does not run it (formula injection).
    The report writes no formulas of its own."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def to_xlsx(f: Figures) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "概况"
    if f.simulated:
        summary.append([NOTICE])
    summary.append(["时间范围", f"{f.start} 至 {f.end}"])
    summary.append(["发布队列中（条）", f.totals.queued])
    for state in st.STATES:  # 已发布 always has its row, once: it is what readers look for
        n = f.totals.by_state.get(state, 0)
        if n or state == st.PUBLISHED:
            summary.append([f"其中{st.label(state)}（条）", n])
    if f.totals.unqueued:
        summary.append(["排期中未进入发布队列（条）", len(f.totals.unqueued)])
    summary.append(["发布失败或错过（条）", len(f.problems)])
    summary.append([f"{overdue.LABEL}（条）", len(f.overdue), OVERDUE_NOTE])
    summary.append([f"迟发（晚于排期时间 {LATE_AFTER / 60:g} 分钟以上，条）", len(f.late.posts), WENT_OUT])
    summary.append(["最长迟发（分钟）", round(f.late.longest / 60)])
    summary.append(["发布明细中的时间", f"“时间”是排期时间；{WENT_OUT}；{PUBLISHED_TIME}。"])
    for name, n in f.published_by_channel().items():
        summary.append([f"{name}（条）", n])
    for label, n in f.published_by_area().items():
        summary.append([f"{label}（条）", n])
    for metric in WECHAT_ACCOUNT:
        if metric in f.wechat_account:
            summary.append([f"公众号{METRIC_LABELS[metric]}", int(f.wechat_account[metric])])
    posts = book.create_sheet("发布明细")
    posts.append(POST_HEAD)
    for row in post_rows(f):
        posts.append(row)
    screens = book.create_sheet("电子屏")
    screens.append(["电子屏", "日期", "播放次数", "播放内容数", "播放时长（分钟）"])
    for d in f.screens:
        screens.append([d.name, d.day.isoformat(), d.plays, d.items, d.minutes])
    gaps = book.create_sheet("统计缺口")
    gaps.append(["来源", "日期", "情况", "说明"])
    for g in f.gaps:
        gaps.append([f"{g['source']}（{g['records']}）", g["day"], g["state"], g["note"]])
    if f.units:
        units = book.create_sheet("单位报送")
        units.append(["单位", "材料", "截止日期", "情况", "首次报送时间"])
        for r in submissions.records(f.units, f.timezone):
            units.append([r["unit"], r["kind_label"], r["due"], r["status"], r["first_arrived"]])
    for sheet in book.worksheets:
        fit_columns(sheet)
        as_text(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
