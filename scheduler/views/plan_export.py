"""The plan in the formats staff use: a terminal table, JSON, CSV, iCalendar and an HTML month grid."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign, day_with_weekday
from ..inputs.vocabulary import AREAS
from ..planning.planner import Plan, PlannedPost
from ..support.spreadsheet import spreadsheet_safe
from .columns import aligned


def post_record(campaign: Campaign, post: PlannedPost) -> dict[str, Any]:
    return {
        "id": post.id,
        "at": post.at.isoformat(),
        "channel": post.channel,
        "channel_name": label_of(campaign, post.channel),
        "item": post.item.id,
        "area": post.item.area,
        "area_name": AREAS[post.item.area],
        "topic": post.item.topic,
        "title": post.item.title,
        "reason": post.reason,
    }


def reminder_records(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "channel": "notify",
            "channel_name": "工作人员通知",
            "item": None,
            "area": None,
            "title": r.message,
            "reason": r.key,
        }
        for r in plan.reminders
    ]


def to_json(campaign: Campaign, plan: Plan, reminders: bool = False) -> str:
    records = [post_record(campaign, p) for p in plan.posts]
    if reminders:
        records = sorted(records + reminder_records(plan), key=lambda r: r["at"])
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


# The spreadsheet's columns (the JSON keys they hold) with the headings staff read in Excel.
CSV_COLUMNS = {
    "id": "发布编号",
    "at": "时间",
    "channel": "渠道",
    "channel_name": "渠道名称",
    "item": "内容编号",
    "area": "领域",
    "area_name": "领域名称",
    "topic": "主题",
    "title": "标题",
    "reason": "安排原因",
}
# Why the planner put a post where it is (PlannedPost.reason).
REASON_LABELS = {
    "pin": "固定日期",
    "launch": "启动日",
    "preview": "启动前预告",
    "coverage": "必须覆盖的主题",
    "area": "按领域",
    "fill": "补位",
    "kept": "沿用队列中已有的安排",
}


def to_csv(campaign: Campaign, plan: Plan, reminders: bool = False) -> str:
    records = [post_record(campaign, p) for p in plan.posts]
    if reminders:
        records = sorted(records + reminder_records(plan), key=lambda r: r["at"])
    import csv  # CSV, iCalendar and HTML are asked for by name: the terminal table starts without their modules

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS.values())
    for r in records:
        reason = "工作人员提醒" if r["channel"] == "notify" else REASON_LABELS.get(r["reason"], r["reason"])
        shown = {**r, "reason": reason}
        writer.writerow(spreadsheet_safe(shown.get(key)) for key in CSV_COLUMNS)
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 CSV correctly only with it


def to_table(campaign: Campaign, plan: Plan) -> str:
    rows: list[tuple[str, ...]] = [("时间", "渠道", "发布编号", "领域", "内容编号", "标题")]
    entries: list[tuple[dt.datetime, tuple[str, ...]]] = [
        (p.at, (f"{p.at:%m-%d %H:%M}", label_of(campaign, p.channel), p.id, AREAS[p.item.area], p.item.id, p.item.title))
        for p in plan.posts
    ]
    entries += [(r.at, (f"{r.at:%m-%d %H:%M}", "工作人员通知", r.id, "—", r.label, r.message)) for r in plan.reminders]
    rows += [row for _, row in sorted(entries, key=lambda e: e[0])]
    lines = aligned(rows)
    lines.append(f"共 {len(plan.posts)} 条内容，{len(plan.reminders)} 条工作提醒。")
    return "\n".join(lines) + "\n"


# -- iCalendar (RFC 5545) ------------------------------------------------------------------------


def _ics_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def to_ics(campaign: Campaign, plan: Plan, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    tz = campaign.timezone.key
    offset = dt.datetime.combine(campaign.start, dt.time(), campaign.timezone).strftime("%z")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//qm//Quality Month scheduler//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(campaign.name)}",
        f"X-WR-TIMEZONE:{tz}",
        "BEGIN:VTIMEZONE",
        f"TZID:{tz}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    events = [
        (p.id, p.at, f"[{label_of(campaign, p.channel)}] {p.item.title}", f"{AREAS[p.item.area]}｜{p.item.id}\n{p.item.summary}", 15)
        for p in plan.posts
    ] + [(r.id, r.at, r.message, "工作人员通知", 30) for r in plan.reminders]
    for uid, at, summary, description, minutes in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@qm",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={tz}:{at:%Y%m%dT%H%M%S}",
            f"DURATION:PT{minutes}M",
            f"SUMMARY:{_ics_text(summary)}",
            f"DESCRIPTION:{_ics_text(description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# -- HTML month grid -----------------------------------------------------------------------------

# after the font families, which come from poster.fonts (imported by the HTML format only)
_STYLE = """;margin:24px;color:#1a1a1a;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}.meta{color:#555;margin:0 0 16px}
table{border-collapse:collapse;width:100%;table-layout:fixed;background:#fff}
th{background:#f0f0f0;padding:6px;font-weight:600;border:1px solid #ddd}
td{vertical-align:top;border:1px solid #ddd;padding:4px;height:110px;font-size:12px}
td.out{background:#f5f5f5;color:#aaa}td.out .post{color:#444}td.launch{background:#fff4f4;outline:2px solid #c8102e}
.day{font-weight:700;font-size:14px;margin-bottom:2px}.tag{font-size:11px;color:#c8102e;font-weight:700}
.post{margin:2px 0;padding:2px 4px;border-radius:3px;border-left:3px solid #999;background:#f7f7f7;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.wechat{border-color:#07c160}.weibo{border-color:#e6162d}.screen{border-color:#1f4e9d}.notify{border-color:#f2b705;background:#fffbe6}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.wd{display:none}
@media (max-width:600px){body{margin:12px}table,tbody,tr,td{display:block;width:auto}tr:first-child,td.other,td.out.empty{display:none}
td{height:auto;border-width:0 0 1px;padding:8px 4px}.dn{display:none}.wd{display:inline}
.post{white-space:normal;overflow:visible;font-size:13px}}
"""


def to_html(campaign: Campaign, plan: Plan) -> str:
    import calendar

    from markupsafe import escape

    from ..poster.fonts import CSS_FAMILIES, css_font_face

    by_day: dict[dt.date, list[str]] = {}
    for p in plan.posts:
        title = f"{p.at:%H:%M} {label_of(campaign, p.channel)}：{p.item.title}（{AREAS[p.item.area]}）"
        by_day.setdefault(p.at.date(), []).append(
            f'<div class="post {p.slot.channel.split(":")[0]}" title="{escape(title)}">{p.at:%H:%M} {escape(p.item.title)}</div>'
        )
    for r in plan.reminders:
        said = r.message.removeprefix("【提醒】")  # the cell says 提醒 already
        by_day.setdefault(r.at.date(), []).append(f'<div class="post notify" title="{escape(said)}">提醒：{escape(said)}</div>')
    months = sorted({(d.year, d.month) for d in campaign.days()} | {(r.at.year, r.at.month) for r in plan.reminders})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(campaign.name)} 排期</title><style>{css_font_face(campaign.brand.font)}\nbody{{font-family:{CSS_FAMILIES}{_STYLE}</style></head><body>",
        f"<h1>{escape(campaign.name)} 排期表</h1>",
        f'<p class="meta">主题：{escape(campaign.theme)}｜活动期：{campaign.start} 至 {campaign.end}｜启动日：{campaign.key_dates.launch}｜共 {len(plan.posts)} 条内容</p>',
        '<p class="legend"><span><i style="background:#07c160"></i>公众号</span><span><i style="background:#e6162d"></i>微博</span>'
        '<span><i style="background:#1f4e9d"></i>电子屏</span><span><i style="background:#f2b705"></i>工作提醒</span></p>',
    ]
    for year, month in months:
        parts.append(f"<h2>{year}年{month}月</h2><table><tr>" + "".join(f"<th>{d}</th>" for d in "一二三四五六日") + "</tr>")
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            parts.append("<tr>")
            for day in week:
                classes = [] if day.month == month else ["other"]  # a phone's list shows each day once, in its month
                if day.month != month or not campaign.start <= day <= campaign.end:
                    classes.append("out")
                if not by_day.get(day):
                    classes.append("empty")
                if day == campaign.key_dates.launch:
                    classes.append("launch")
                tag = '<span class="tag">启动日</span>' if day == campaign.key_dates.launch else ""
                cell = "".join(by_day.get(day, [])) if day.month == month else ""
                parts.append(
                    f'<td class="{" ".join(classes)}"><div class="day"><span class="dn">{day.day}</span><span class="wd">{day_with_weekday(day)}</span> {tag}</div>{cell}</td>'
                )
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_plan(campaign: Campaign, plan: Plan, fmt: str, reminders: bool = False) -> str:
    """The plan in `fmt`: one of PLAN_FORMATS of the `qm plan` command (table for anything else)."""
    if fmt == "json":
        return to_json(campaign, plan, reminders)
    if fmt == "csv":
        return to_csv(campaign, plan, reminders)
    if fmt == "ics":
        return to_ics(campaign, plan)
    if fmt == "html":
        return to_html(campaign, plan)
    return to_table(campaign, plan)
