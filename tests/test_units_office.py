"""What the office met in a trial: empty files counted as submissions, a photo-heavy summary refused for its size,
a plan put straight in the unit's folder, a file replaced under the same name listed twice, the operator's hints
in the documents sent to the province."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.planning.planner import Plan
from scheduler.publishing.db import open_db
from scheduler.report.submissions import sentences
from scheduler.units.reminders import due_reminders
from scheduler.units.scanning import scan
from scheduler.units.submissions import recorded, statuses

from .conftest import run_qm
from .test_units import at, config, place, word

__all__ = ["config"]  # the fixture, used by name
EMPTY = "文件是空的（没有文字），不算报送"


def cover(path: Path) -> dict[str, list[str]]:
    """The collection's cover table: unit -> its cells."""
    return {row.cells[1].text: [c.text for c in row.cells] for row in docx.Document(str(path)).tables[0].rows[1:]}


def test_a_file_with_no_text_is_no_submission_and_the_unit_is_reminded(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word(), at(8, 9))  # an empty Word document
    place(campaign, "北安市", "方案", "方案.txt", b"", at(8, 9))
    place(campaign, "五大连池市", "方案", "方案.txt", " \r\n\u3000\n\t".encode(), at(8, 9))
    place(campaign, "嫩江县", "方案", "方案.docx", word("嫩江县质量月活动方案"), at(8, 9))
    engine = open_db(campaign.db_url)
    scan(campaign, engine, at(9, 9).timestamp())
    before = statuses(campaign, recorded(campaign, engine), at(9, 9).date())
    found = {s.unit.name: s for s in before if s.kind == "plan"}
    assert found["爱辉区"].label == f"未报送（“方案.docx”{EMPTY}；未到截止日期）"
    assert found["北安市"].label == found["五大连池市"].label == f"未报送（“方案.txt”{EMPTY}；未到截止日期）"
    assert found["嫩江县"].label == "按时报送"
    reminded = {r.unit.name for r in due_reminders(campaign, before, at(9, 9, 40)) if r.unit is not None}
    assert reminded == {"爱辉区", "北安市", "五大连池市"}  # the day before the deadline: all but 嫩江县
    after = statuses(campaign, recorded(campaign, engine), at(13, 9).date())
    engine.dispose()
    (office,) = [r for r in due_reminders(campaign, after, at(11, 9, 40)) if r.unit is None]
    assert f"爱辉区（联系人：甲，电话：0456-0000001）：报送的文件未能收录（“方案.docx”{EMPTY}）" in office.notice.lines
    plan_line = sentences(after, lambda d: f"{d.month}月{d.day}日")[0]
    assert "按时报送 1 个（嫩江县）" in plan_line and "报送的文件未能收录 3 个（爱辉区：报送的文件是空的；北安市" in plan_line, plan_line

    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    rows = cover(out)
    assert rows["爱辉区"][4] == "" and rows["爱辉区"][5] == "未报送（报送的文件是空的）"
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "应报送 4 个单位，已报送 1 个，未报送 3 个" in body[1]
    assert body[body.index("一、爱辉区") + 1] == "（未报送活动方案：报送的文件是空的。）"


def photos_summary(photos: int, photo_mb: int) -> bytes:
    """A summary with `photos` pictures of `photo_mb` MB each that do not compress, as a camera's are."""
    from PIL import Image

    document = docx.Document()
    document.add_paragraph("青冈县质量月活动工作总结")
    for n in range(photos):
        document.add_paragraph(f"图 {n + 1}")
        picture = io.BytesIO()
        Image.new("RGB", (8, 8), (n, 0, 0)).save(picture, "PNG")  # each its own part
        document.add_picture(picture)
    small = io.BytesIO()
    document.save(small)
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info.filename, os.urandom(photo_mb * 1024 * 1024) if info.filename.startswith("word/media/") else data)
    return out.getvalue()


def test_a_summary_with_many_photos_is_read_and_a_refused_file_says_why_in_its_row(config: Path) -> None:
    campaign = load_campaign(config)
    big = photos_summary(8, 3)
    assert len(big) > 24 * 1024 * 1024
    place(campaign, "爱辉区", "总结", "总结（含照片）.docx", big, at(9, 9, month=10))
    torn = place(campaign, "北安市", "总结", "总结.txt", b"", at(9, 9, month=10))
    os.truncate(torn, 21 * 1024 * 1024)  # sparse: nothing written
    listed = run_qm("units", "-c", config, "--kind", "总结")
    assert "爱辉区　　  按时报送  10-09 09:00 报送，共 1 个文件" in listed.stdout, listed.stdout
    assert "北安市　　  未报送（“总结.txt”文件有 21 MB，超过了 20 MB，没有读取）" in listed.stdout, listed.stdout
    out = config.parent / "总结汇总.docx"
    run_qm("units", "-c", config, "--collect", "-o", out)
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "青冈县质量月活动工作总结" in body and "图 8" in body
    assert "（原文件中的 8 张图片或图形没有收入本汇总（在原来的位置标为“〔图片未收入〕”），请查看原文件“总结（含照片）.docx”。）" in body


def test_a_docx_with_too_many_parts_is_still_refused(config: Path) -> None:
    """The pictures are not unpacked, but what is read stays bounded: its XML (tested in test_units) and its parts."""
    campaign = load_campaign(config)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word("正文"))) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        for n in range(6000):
            archive.writestr(f"word/media/x{n}.png", b"")
    place(campaign, "爱辉区", "总结", "总结.docx", out.getvalue(), at(9, 9, month=10))
    shown = json.loads(run_qm("units", "-c", config, "--kind", "总结", "--json").stdout)
    note = {u["unit"]: u["note"] for u in shown}["爱辉区"]
    assert note.startswith("“总结.docx”文件由 6") and "远超正常的 Word 文档，没有读取" in note, note


def test_a_file_straight_in_the_units_folder_is_explained_in_its_row(config: Path) -> None:
    campaign = load_campaign(config)
    loose = campaign.submissions_dir / "爱辉区" / "爱辉区方案.docx"
    loose.parent.mkdir(parents=True)
    loose.write_bytes(word("爱辉区方案"))
    note = "“爱辉区方案.docx”放在了单位目录下，没有登记：文件应放在 方案/ 或 总结/ 里"
    listed = run_qm("units", "-c", config)
    assert f"爱辉区　　  未报送（{note}）" in listed.stdout, listed.stdout
    assert listed.stdout.count(note) == 1  # its name says it is a plan: not told under the summaries
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    assert cover(out)["爱辉区"][5] == "未报送（未按要求报送）"  # what to do: in `qm units`
    statuses_now = statuses(
        campaign, [], at(13, 9).date(), __import__("scheduler.units.unrecorded").units.unrecorded.refused_files(campaign)
    )
    plan_line = sentences(statuses_now, lambda d: f"{d.month}月{d.day}日")[0]
    assert "（爱辉区：未按要求报送）" in plan_line and "方案/" not in plan_line, plan_line


def test_a_file_replaced_under_the_same_name_is_listed_once(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("初稿"), at(5, 9))
    assert run_qm("units", "-c", config).returncode == 0
    place(campaign, "爱辉区", "方案", "方案.docx", word("修改稿"), at(12, 9))  # after the deadline: still on time by the first
    listed = run_qm("units", "-c", config, "--kind", "方案")
    assert "爱辉区　　  按时报送  09-05 09:00 报送，共 1 个文件\n" in listed.stdout, listed.stdout
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    assert cover(out)["爱辉区"][6] == "方案.docx"
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert body[body.index("一、爱辉区") + 1] == "修改稿"
    assert not any("没有收入本汇总" in p or "初稿" in p for p in body), body


def test_the_work_summary_and_its_workbook_tell_the_province_no_operator_hints(config: Path) -> None:
    campaign = dataclasses.replace(load_campaign(config))
    place(campaign, "嫩江", "总结", "总结.docx", word("嫩江县工作总结"), at(9, 9, month=10))
    place(campaign, "北安市", "总结", "总结.jpg", b"\xff\xd8\xff a photo", at(9, 9, month=10))
    during, after = ({**os.environ, "QM_NOW": f"2016-{day}T09:00:00+08:00"} for day in ("09-15", "10-15"))
    assert run_qm("queue", "-c", config, env=during).returncode == 0
    out = config.parent / "统计.xlsx"
    done = run_qm("report", "-c", config, "--format", "xlsx", "-o", out, env=after)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["单位报送"]
    status = {row[0]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] == "工作总结"}
    assert status["北安市"] == "未报送（报送文件格式不符）"
    assert status["嫩江县"] == "未报送（未按要求报送）"
    assert not any("config.yaml" in str(v) or "应为 .docx" in str(v) for v in status.values()), status


def test_the_offices_reminders_name_the_units_waiting_and_its_next_step(config: Path) -> None:
    from scheduler.planning.reminders import reminders
    from scheduler.units.reminders import waiting_lines

    text = config.read_text(encoding="utf-8") + "  - name: 黑河市教育局\n"
    config.write_text(text, encoding="utf-8")
    campaign = load_campaign(config)
    titles = {r.message for r in reminders(campaign) if r.key == "county_plans_due"}
    assert "【提醒】各县区和有关部门“质量月”活动方案上报：今天。" in titles, titles
    only = dataclasses.replace(campaign, units=campaign.units[-1:])
    assert any(r.message.startswith("【提醒】各有关部门“质量月”") for r in reminders(only))

    engine = open_db(campaign.db_url)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区方案"), at(8, 9))
    scan(campaign, engine, at(10, 9).timestamp())
    lines = waiting_lines(campaign, engine, "county_plans_due", at(10, 9).date())
    assert lines == ("尚未报送（4 个）：北安市、五大连池市、嫩江县、黑河市教育局",), lines
    for unit in ("北安市", "五大连池市", "嫩江县", "黑河市教育局"):
        place(campaign, unit, "方案", "方案.txt", f"{unit}方案".encode(), at(11, 8))
    scan(campaign, engine, at(11, 9).timestamp())
    done = statuses(campaign, recorded(campaign, engine), at(11, 9).date())
    engine.dispose()
    (office,) = [r for r in due_reminders(campaign, done, at(11, 9, 40)) if r.unit is None]  # all sent: still told
    assert office.notice.title == "【报送截止】活动方案已于 9月10日 截止，各单位均已报送"
    assert "迟交：北安市（迟 1 天）、五大连池市（迟 1 天）、嫩江县（迟 1 天）、黑河市教育局（迟 1 天）" in office.notice.lines
    assert "下一步：由办公室统一汇总后报省联席会议办公室（生成汇总：qm units --collect --kind 方案）" in office.notice.lines


def test_both_documents_use_the_chinese_fonts_and_tables_that_fit_a4_and_repeat_their_header(config: Path) -> None:
    from docx.oxml.ns import qn

    from scheduler.units.digest import COVER_WIDTHS

    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区方案"), at(8, 9))
    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    during = {**os.environ, "QM_NOW": "2016-09-15T09:00:00+08:00"}
    assert run_qm("queue", "-c", config, env=during).returncode == 0
    summary = config.parent / "工作总结.docx"
    assert run_qm("report", "-c", config, "-o", summary, env=during).returncode == 0
    for path in (out, summary):
        document = docx.Document(str(path))
        for style, font in (("Normal", "仿宋"), ("Title", "黑体"), ("Heading 1", "黑体"), ("Heading 5", "黑体")):
            fonts = document.styles[style].element.rPr.rFonts
            assert fonts.get(qn("w:eastAsia")) == font and fonts.get(qn("w:eastAsiaTheme")) is None, (path.name, style)
        defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        assert defaults.get(qn("w:eastAsia")) == "仿宋" and defaults.get(qn("w:eastAsiaTheme")) is None
        section = document.sections[0]
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
        text = section.page_width.cm - section.left_margin.cm - section.right_margin.cm
        for grid in document.tables:
            rows = grid.rows
            assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
            assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
            widths = [column.width.cm for column in grid.columns if column.width is not None]
            assert sum(widths) <= text + 0.01, (path.name, widths)  # within the margins
    cover_table = docx.Document(str(out)).tables[0]
    assert [round(cover_table.columns[n].width.cm, 1) for n in range(7)] == list(COVER_WIDTHS)
    assert COVER_WIDTHS[4] >= 3.3 and COVER_WIDTHS[5] >= 3.0  # 报送时间: a date and time on one line; 状态: a few lines at most


def test_a_unit_name_with_a_slash_is_quoted_in_chinese(config: Path) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace("name: 嫩江县", "name: 海伦/市"), encoding="utf-8")
    checked = run_qm("check", "-c", config)
    assert checked.returncode != 0
    assert "单位名称“海伦/市”不能含 / 或 \\，也不能以 . 开头" in checked.stdout + checked.stderr, checked.stdout + checked.stderr


def test_init_names_what_is_missing_apart_from_the_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler.cli import init_cmds
    from scheduler.support.errors import InputError

    monkeypatch.setattr(init_cmds, "ROOT", tmp_path)  # a project folder with nothing in it
    with pytest.raises(InputError, match=r"找不到 qm 自带的 config\.yaml、"):
        init_cmds.bundled()


def test_files_an_older_qm_judged_are_read_again_once(config: Path) -> None:
    """An empty file an older version took as a submission, a photo-heavy summary it refused: read again once."""
    import hashlib

    import sqlalchemy as sa

    from scheduler.publishing.tables import notices, submissions

    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    files = {"爱辉区": place(campaign, "爱辉区", "方案", "方案.txt", b"", at(7, 9))}
    files["北安市"] = place(campaign, "北安市", "方案", "方案.docx", word("北安市方案"), at(7, 9))
    digests = {unit: hashlib.sha256(path.read_bytes()).hexdigest() for unit, path in files.items()}
    with engine.begin() as conn:  # as an older qm left them
        for unit, problem in (("爱辉区", ""), ("北安市", "文件有 27 MB，超过了 20 MB，没有读取：请单位压缩其中的图片")):
            row = {"unit": unit, "kind": "plan", "path": f"{unit}/方案/{files[unit].name}", "sha256": digests[unit], "size": 1}
            conn.execute(submissions.insert().values(**row, arrived=at(7, 9).timestamp(), recorded=at(7, 9).timestamp(), problem=problem))
    scan(campaign, engine, at(8, 9).timestamp())
    first = {f.unit: f.problem for f in recorded(campaign, engine)}
    assert first["爱辉区"].startswith("文件是空的") and first["北安市"] == "", first
    with engine.begin() as conn:  # the next scans leave verdicts as they are
        conn.execute(submissions.update().where(submissions.c.unit == "北安市").values(problem="kept"))
    scan(campaign, engine, at(8, 10).timestamp())
    with engine.connect() as conn:
        assert conn.execute(sa.select(submissions.c.problem).where(submissions.c.unit == "北安市")).scalar() == "kept"
        assert conn.execute(sa.select(sa.func.count()).select_from(notices)).scalar() == 1
    engine.dispose()


def test_the_daemons_deadline_reminder_names_the_units_still_missing(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    from scheduler.rendering.payloads import Renderer

    from .daemon_helpers import Harness, Recorder, local_campaign

    campaign = local_campaign(heihe, tmp_path)
    reminder = next(r for r in heihe_plan.reminders if r.key == "county_plans_due" and r.at.date() == r.due)
    first = campaign.units[0].name
    place(campaign, first, "方案", "方案.docx", word("方案"), reminder.at - dt.timedelta(days=2))
    h = Harness(campaign, heihe_plan, Renderer(heihe), reminder.at + dt.timedelta(minutes=1), Recorder())
    try:
        engine = open_db(campaign.db_url)
        scan(campaign, engine, reminder.at.timestamp())  # the hourly job records what arrived
        engine.dispose()
        h.build().remind(reminder.id)
        assert isinstance(h.notifications, Recorder)
        (notice,) = h.notifications.sent
    finally:
        h.close()
    others = [u.name for u in campaign.units[1:]]
    assert notice.lines[1] == f"尚未报送（{len(others)} 个）：{'、'.join(others)}", notice.lines


def test_the_office_reports_upward_by_the_campaigns_level_not_a_word_in_its_name() -> None:
    """黑河市社区建设办公室 is a city's office (campaign.level 市): its units' plans go to the province, not to a
    city's office because 社区 ends in 区; a county's go to its city's."""
    from scheduler.units.kinds import PLAN, next_step

    assert "报省联席会议办公室" in next_step(PLAN, "黑河市社区建设办公室", ["爱辉区", "北安市"], "市")
    assert "报市联席会议办公室" in next_step(PLAN, "林口县市场监督管理局", ["林口镇"], "县")
    assert "报上级联席会议办公室" in next_step(PLAN, "北安市市场监督管理局", ["城郊乡"], "市")  # a county-level city
