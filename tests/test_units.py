"""Units and their submissions: a plan deadline walked day by day (two on time, one late, one never),
reminders to the units' robots and the office, `qm units`, and the consolidated document."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import docx
import pytest

from scheduler.inputs.campaign import Campaign, Notifier
from scheduler.inputs.config import load_campaign
from scheduler.publishing.db import open_db
from scheduler.support.notify import Notifications
from scheduler.units.extract import SubmissionError, extract
from scheduler.units.reminders import send_due
from scheduler.units.scanning import scan
from scheduler.units.submissions import recorded, statuses

from .conftest import HEIHE, ROOT, run_qm
from .daemon_helpers import robot_server

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.stats.daily import StatsJob

TZ = dt.timezone(dt.timedelta(hours=8))
UNITS = """
units:
  - name: 爱辉区
    contact: 甲
    phone: "0456-0000001"
    webhook_env: QM_UNIT_AIHUI_WEBHOOK
  - name: 北安市
    contact: 乙
    phone: "0456-0000002"
    webhook_env: QM_UNIT_BEIAN_WEBHOOK
  - name: 五大连池市
    contact: 丙
    phone: "0456-0000003"
    webhook_env: QM_UNIT_WUDALIANCHI_WEBHOOK
  - name: 嫩江县
    contact: 丁
    phone: "0456-0000004"
    webhook_env: QM_UNIT_NENJIANG_WEBHOOK
"""
ROBOTS = {"爱辉区": "AIHUI", "北安市": "BEIAN", "五大连池市": "WUDALIANCHI", "嫩江县": "NENJIANG"}


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> dt.datetime:
    return dt.datetime(2016, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The 2016 example with four of its units, in tmp_path."""
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    text = HEIHE.read_text(encoding="utf-8").replace("../../content", "content").replace("../../templates", "templates")
    path = tmp_path / "config.yaml"
    path.write_text(text[: text.index("\nunits:")] + UNITS, encoding="utf-8")
    return path


def place(campaign: Campaign, unit: str, kind: str, name: str, data: bytes, when: dt.datetime) -> Path:
    path = campaign.submissions_dir / unit / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def word(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = __import__("io").BytesIO()
    document.save(out)
    return out.getvalue()


def pdf(text: str) -> bytes:
    """A PDF as qm tells it from a broken one: its header first, its end marker last (the rest is not read)."""
    return f"%PDF-1.7\n{text}\nstartxref\n9\n%%EOF\n".encode()


def old_word() -> bytes:
    """An old Word file (.doc) as qm tells it from a broken one: an OLE compound file's header, three sectors long."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + bytes.fromhex("3e000300feff09000600")
    return header.ljust(3 * 512, b"\0")


def office_job(config: Path, robots: dict[str, list[dict[str, object]]]) -> tuple[Campaign, Engine, StatsJob]:
    """The config's campaign with the office's robot told of reminders, its queue, and the daemon's hourly job
    sending to the robots (`robots`' environment)."""
    from scheduler.stats.daily import StatsJob

    campaign = dataclasses.replace(
        load_campaign(config), notifiers=(Notifier("办公室", "wecom", "QM_OFFICE_WEBHOOK", events=("reminder",)),)
    )
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    engine = open_db(campaign.db_url)
    return campaign, engine, StatsJob(campaign, engine, sources=lambda: [], office=Notifications(campaign.notifiers, env=env))


@pytest.fixture
def robots() -> Iterator[dict[str, list[dict[str, object]]]]:
    """One group robot per unit and one for the office; what each received."""
    with robot_server() as office:
        received = {"office": office[1]}
        env = {"QM_OFFICE_WEBHOOK": office[0]}
        servers = []
        for unit, key in ROBOTS.items():
            server = robot_server()
            url, got = server.__enter__()
            servers.append(server)
            received[unit] = got
            env[f"QM_UNIT_{key}_WEBHOOK"] = url
        received["_env"] = env  # type: ignore[assignment]
        try:
            yield received
        finally:
            for server in servers:
                server.__exit__(None, None, None)


def texts(got: list[dict[str, object]]) -> list[str]:
    return [str(r["body"]["markdown"]["content"]) for r in got]  # type: ignore[index]


def test_a_plan_deadline_walked_day_by_day(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    campaign = load_campaign(config)
    office = (Notifier("办公室", "wecom", "QM_OFFICE_WEBHOOK", events=("reminder",)),)
    campaign = dataclasses.replace(campaign, notifiers=office)
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    engine = open_db(campaign.db_url)
    notifications = Notifications(campaign.notifiers, env=env)

    def day(when: dt.datetime) -> list[str]:
        scan(campaign, engine, when.timestamp())
        return send_due(campaign, engine, statuses(campaign, recorded(campaign, engine), when.date()), when, notifications)

    assert len(day(at(7, 9, 40))) == 4  # three days ahead: every unit is reminded
    assert day(at(7, 10, 40)) == []  # sent once
    place(campaign, "爱辉区", "方案", "爱辉区质量月活动方案.docx", word("爱辉区2016年质量月活动方案", "一、指导思想"), at(8, 10))
    assert sorted(day(at(9, 9, 40))) == ["unit:plan:五大连池市:2016-09-09", "unit:plan:北安市:2016-09-09", "unit:plan:嫩江县:2016-09-09"]
    assert sorted(day(at(10, 9, 40))) == ["unit:plan:五大连池市:2016-09-10", "unit:plan:北安市:2016-09-10", "unit:plan:嫩江县:2016-09-10"]
    place(campaign, "北安市", "方案", "北安市方案.txt", "北安市质量月活动方案\r\n一、活动时间".encode("gb18030"), at(10, 16))
    assert day(at(11, 9, 40)) == ["units-missing:plan:2016-09-10"]
    place(campaign, "五大连池市", "方案", "五大连池市方案.pdf", pdf("plan"), at(12, 11))
    assert day(at(13, 9, 40)) == []

    assert [len(robots[u]) for u in ROBOTS] == [1, 3, 3, 3]
    assert "请于 9月10日 前将活动方案报送黑河市质量计量标准化工作联席会议办公室（3 天后截止）" in texts(robots["爱辉区"])[0]
    assert "今天截止" in texts(robots["北安市"])[-1]
    (missing,) = texts(robots["office"])
    assert "【未报送】活动方案已于 9月10日 截止，2 个单位尚未报送" in missing
    assert "五大连池市（联系人：丙，电话：0456-0000003）" in missing and "嫩江县（联系人：丁" in missing
    assert "北安市" not in missing and "爱辉区" not in missing
    engine.dispose()

    shown = run_qm("units", "-c", config, "--json")
    assert shown.returncode == 0, shown.stderr
    plans = {s["unit"]: s for s in json.loads(shown.stdout) if s["kind"] == "plan"}
    assert {u: (s["state"], s["late_days"]) for u, s in plans.items()} == {
        "爱辉区": ("ontime", 0),
        "北安市": ("ontime", 0),
        "五大连池市": ("late", 2),
        "嫩江县": ("missing", 0),
    }
    assert plans["北安市"]["arrived"] == "2016-09-10T16:00:00+08:00"
    table = run_qm("units", "-c", config)
    assert "五大连池市  迟交 2 天  09-12 11:00 报送，共 1 个文件" in table.stdout
    assert "嫩江县\u3000\u3000  未报送  联系人：丁，电话：0456-0000004\n" in table.stdout  # whom to call

    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "--kind", "plan", "-o", out)
    assert collected.returncode == 0, collected.stderr
    document = docx.Document(str(out))
    cover = [[c.text for c in row.cells] for row in document.tables[0].rows[1:]]
    assert [(r[1], r[4], r[5]) for r in cover] == [
        ("爱辉区", "2016-09-08 10:00", "按时报送"),
        ("北安市", "2016-09-10 16:00", "按时报送"),
        ("五大连池市", "2016-09-12 11:00", "迟交 2 天"),
        ("嫩江县", "", "未报送"),
    ]
    body = [p.text for p in document.paragraphs]
    assert "爱辉区2016年质量月活动方案" in body and "一、指导思想" in body
    assert "北安市质量月活动方案" in body  # a GBK text file, as Chinese Windows saves it
    assert any("PDF 文件“五大连池市方案.pdf”，作为附件" in p for p in body)
    assert "（未报送活动方案。）" in body


def test_bad_files_are_explained_and_the_others_still_collected(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(1, 9, month=10))
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le")
    place(campaign, "北安市", "总结", "总结.docx", encrypted, at(2, 9, month=10))
    place(campaign, "五大连池市", "总结", "总结.docx", b"PK\x03\x04 broken", at(3, 9, month=10))
    place(campaign, "嫩江县", "总结", "总结.docx", b"%PDF-1.7 really a pdf", at(4, 9, month=10))
    place(campaign, "嫩江县", "总结", "总结.exe", b"MZ", at(4, 9, month=10))
    (campaign.submissions_dir / "黑河市某局").mkdir()
    out = config.parent / "汇总.docx"
    done = run_qm("units", "-c", config, "--collect", "-o", out)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "文件设置了打开密码" in done.stderr
    assert "文件已损坏" in done.stderr
    assert "扩展名是 .docx，但文件实际是PDF 文件" in done.stderr
    assert "“总结.exe”扩展名不是可接受的格式" in done.stderr
    assert "文件夹“黑河市某局”不是 config.yaml 的 units 中的单位" in done.stderr
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "爱辉区工作总结" in body  # one bad unit never stops the others


def test_characters_a_word_document_cannot_hold_are_left_out_with_a_note_and_the_others_still_collected(config: Path) -> None:
    """A text file with a \x01 in it, an old Word file named with one: no traceback, the characters left out
    (named in a note) or written as their code point, and every unit's part in the document."""
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "总结.txt", "爱辉区工作\x01总结\n第二段\x1b[2J".encode(), at(1, 9, month=10))
    place(campaign, "北安市", "总结", "总结\x01.doc", old_word(), at(2, 9, month=10))
    place(campaign, "五大连池市", "总结", "总结.docx", word("五大连池市工作总结"), at(3, 9, month=10))
    place(campaign, "嫩江县", "总结", "总结\x02.docx", b"PK\x03\x04 torn", at(4, 9, month=10))  # refused: its name in the status
    out = config.parent / "汇总.docx"
    done = run_qm("units", "-c", config, "--collect", "-o", out)
    assert "Traceback" not in done.stderr and out.exists(), done.stderr
    document = docx.Document(str(out))
    body = [p.text for p in document.paragraphs]
    start = body.index("一、爱辉区")
    assert body[start + 1 : start + 4] == [
        "爱辉区工作总结",
        "第二段[2J",
        "（原文件“总结.txt”中有 2 个 Word 文档不能容纳的控制字符（U+0001（控制字符）、U+001B（控制字符）），已删去，其余文字照录。）",
    ], body
    assert "（工作总结为旧版 Word 文档“总结〔U+0001〕.doc”，作为附件随本汇总报送。）" in body, body
    assert "五大连池市工作总结" in body
    assert document.tables[0].rows[2].cells[6].text == "总结〔U+0001〕.doc"
    refused = [row.cells[5].text for row in document.tables[0].rows if row.cells[1].text == "嫩江县"]
    assert refused == ["未报送（报送的文件无法打开）"], refused  # the province's words; `qm units` names the file


def test_extract_says_what_a_file_really_is(tmp_path: Path) -> None:
    doc = tmp_path / "a.docx"
    doc.write_bytes(word("正文"))
    assert extract(doc).paragraphs == ("正文",)
    renamed = tmp_path / "b.txt"
    renamed.write_bytes(word("正文"))
    with pytest.raises(SubmissionError, match="实际是压缩包或其他 Office 文件"):
        extract(renamed)
    old = tmp_path / "c.doc"
    old.write_bytes(old_word())
    assert extract(old).attachment == "旧版 Word 文档"


def test_units_missing_from_the_config_are_explained(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    text = HEIHE.read_text(encoding="utf-8").replace("../../content", "content").replace("../../templates", "templates")
    path = tmp_path / "config.yaml"
    path.write_text(text[: text.index("\nunits:")], encoding="utf-8")
    done = run_qm("units", "-c", path)
    assert done.returncode == 2 and "没有 units" in done.stderr


def test_the_daemons_hourly_job_records_files_and_reminds(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    campaign, engine, job = office_job(config, robots)
    place(campaign, "爱辉区", "方案", "方案.docx", word("方案"), at(6, 10))
    job(at(7, 9, 40))
    job(at(7, 10, 40))
    assert [len(robots[u]) for u in ROBOTS] == [0, 1, 1, 1]
    assert [s.unit for s in recorded(campaign, engine)] == ["爱辉区"]
    engine.dispose()


def test_a_unit_that_sent_several_files_has_each_named_in_the_collection(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "附表.pdf", pdf("the unit's table of events"), at(8, 9, month=10))
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结（定稿）"), at(9, 9, month=10))
    place(campaign, "北安市", "总结", "总结.docx", word("北安市工作总结"), at(9, 10, month=10))
    out = config.parent / "汇总.docx"
    done = run_qm("units", "-c", config, "--collect", "-o", out)
    assert "Traceback" not in done.stderr and out.exists()
    document = docx.Document(str(out))
    rows = {row.cells[1].text: row.cells[6].text for row in document.tables[0].rows[1:]}
    assert rows["爱辉区"] == "总结.docx、附表.pdf" and rows["北安市"] == "总结.docx"
    body = [p.text for p in document.paragraphs]
    note = body[body.index("一、爱辉区") + 1]
    assert note.startswith("（共报送 2 个文件。下面是最近报送的“总结.docx”；较早报送的“附表.pdf”（10-08 09:00）没有收入本汇总")
    assert body[body.index("一、爱辉区") + 2] == "爱辉区工作总结（定稿）"
    assert body[body.index("二、北安市") + 1] == "北安市工作总结"  # one file: no note


def test_a_file_that_arrived_in_another_year_than_the_campaigns_shows_its_year(config: Path) -> None:
    campaign = load_campaign(config)
    years_later = dt.datetime(2026, 11, 28, 8, 55, tzinfo=TZ)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区质量月活动方案"), at(8, 10))
    place(campaign, "北安市", "方案", "方案.docx", word("北安市质量月活动方案"), years_later)
    place(campaign, "北安市", "总结", "附表.pdf", pdf("a table"), years_later)
    place(campaign, "北安市", "总结", "总结.docx", word("北安市工作总结"), years_later + dt.timedelta(days=1))
    table = run_qm("units", "-c", config)
    assert table.returncode == 0, table.stderr
    assert "按时报送  09-08 10:00 报送，共 1 个文件" in table.stdout  # the campaign's year goes without saying
    assert "  2026-11-28 08:55 报送，共 1 个文件" in table.stdout and "  2026-11-28 08:55 报送，共 2 个文件" in table.stdout
    assert " 11-28 08:55" not in table.stdout
    out = config.parent / "汇总.docx"
    assert run_qm("units", "-c", config, "--collect", "--kind", "summary", "-o", out).returncode == 0
    assert any("较早报送的“附表.pdf”（2026-11-28 08:55）" in p.text for p in docx.Document(str(out)).paragraphs)


def test_plans_and_summaries_collect_into_their_own_files_and_none_is_overwritten(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区活动方案"), at(8, 10))
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(9, 9, month=10))
    folder = config.parent
    for _ in range(2):
        assert run_qm("units", "-c", config, "--collect", cwd=folder).returncode == 0
    plans = run_qm("units", "-c", config, "--collect", "--kind", "plan", cwd=folder)
    assert plans.returncode == 0 and "已写入汇总：活动方案汇总.docx" in plans.stderr
    assert "爱辉区活动方案" in [p.text for p in docx.Document(str(folder / "活动方案汇总.docx")).paragraphs]
    for name in ("工作总结汇总.docx", "工作总结汇总（2）.docx"):  # the second run kept the first (perhaps edited since)
        assert "爱辉区工作总结" in [p.text for p in docx.Document(str(folder / name)).paragraphs]
    listed = run_qm("units", "-c", config, "--kind", "plan", cwd=folder)
    assert "活动方案（截止 2016-09-10）：" in listed.stdout and "工作总结" not in listed.stdout


def test_a_collection_named_with_o_is_not_written_over_an_edited_one_unless_forced(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(9, 9, month=10))
    edited = config.parent / "上报" / "汇总.docx"
    edited.parent.mkdir()
    edited.write_bytes(b"edited in WPS")
    kept = run_qm("units", "-c", config, "--collect", "-o", edited)
    assert kept.returncode == 2 and f"{edited} 已存在，没有覆盖" in kept.stderr and "--force" in kept.stderr, kept.stderr
    assert edited.read_bytes() == b"edited in WPS" and "Traceback" not in kept.stderr
    forced = run_qm("units", "-c", config, "--collect", "-o", edited, "--force")
    assert forced.returncode == 0 and "爱辉区工作总结" in [p.text for p in docx.Document(str(edited)).paragraphs]
    into = run_qm("units", "-c", config, "--collect", "-o", edited.parent)  # a folder: the default name in it
    assert into.returncode == 0 and (edited.parent / "工作总结汇总.docx").is_file(), into.stderr
    assert sorted(p.name for p in edited.parent.iterdir()) == ["工作总结汇总.docx", "汇总.docx"]


def test_units_and_report_tell_alike_where_a_draft_goes_and_that_an_edited_one_is_kept() -> None:
    told = {}
    for command, default in (("units", "活动方案汇总.docx 或 工作总结汇总.docx"), ("report", "工作总结.docx 或 统计数据.xlsx 等")):
        shown = "".join(run_qm(command, "--help").stdout.split())  # argparse wraps the lines where it likes
        told[command] = shown.split("-o文件,--output文件", 1)[1].split("--force", 1)[0].replace(default.replace(" ", ""), "默认名")
        assert "在当前目录" in told[command] and "给出的文件已存在时不覆盖" in told[command], shown
        assert "-o给出的文件已存在时覆盖它（默认不覆盖：它可能是改过的草稿）" in shown, shown
    assert told["units"].split("写入的文件", 1)[1] == told["report"].split("写入的文件", 1)[1], told


def test_collect_with_json_says_what_it_wrote(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", word("爱辉区活动方案"), at(8, 10))
    place(campaign, "北安市", "方案", "方案.exe", b"MZ", at(8, 11))
    out = config.parent / "汇总.docx"
    done = run_qm("units", "-c", config, "--collect", "--kind", "plan", "--json", "-o", out)
    assert done.returncode == 2 and "Traceback" not in done.stderr  # the .exe is pointed out, the rest still collected
    written = json.loads(done.stdout)
    assert written["output"] == str(out) and written["kind"] == "plan" and out.exists()
    assert [(u["unit"], u["state"]) for u in written["units"]][:2] == [("爱辉区", "ontime"), ("北安市", "missing")]
    assert {u["kind"] for u in written["units"]} == {"plan"}
    assert any("“方案.exe”扩展名不是可接受的格式" in p for p in written["problems"])


def test_a_file_that_cannot_be_read_is_not_a_submission(config: Path, robots: dict[str, list[dict[str, object]]]) -> None:
    campaign = load_campaign(config)
    env: dict[str, str] = robots.pop("_env")  # type: ignore[assignment]
    engine = open_db(campaign.db_url)
    place(campaign, "嫩江县", "方案", "嫩江方案.docx", b"\x8f\x00garbage\xff" * 20, at(7, 9))
    place(campaign, "北安市", "方案", "北安方案.docx", b"PK\x03\x04 torn", at(6, 9))  # early and broken ...
    place(campaign, "北安市", "方案", "北安方案（重发）.docx", word("北安市质量月活动方案"), at(12, 15))  # ... then sent late
    place(campaign, "爱辉区", "方案", "爱辉方案.docx", word("爱辉区方案"), at(8, 9))
    place(campaign, "爱辉区", "方案", "爱辉方案附件.docx", b"not a document", at(9, 9))  # a broken file after a good one
    scan(campaign, engine, at(13, 9).timestamp())
    found = {s.unit.name: s for s in statuses(campaign, recorded(campaign, engine), at(13, 9).date()) if s.kind == "plan"}
    assert (found["嫩江县"].state, found["嫩江县"].first) == ("missing", None)
    assert found["嫩江县"].label == "未报送（“嫩江方案.docx”文件已损坏或不是 Word 文档，无法读取）"  # why, in its row
    assert (found["北安市"].state, found["北安市"].late_days) == ("late", 2)  # by its first readable file, not the broken one
    assert found["北安市"].first is not None and found["北安市"].first.path.name == "北安方案（重发）.docx"
    assert (found["爱辉区"].state, found["爱辉区"].label) == ("ontime", "按时报送")
    # before the deadline a unit whose only file cannot be read is reminded like one that sent nothing
    before = statuses(campaign, recorded(campaign, engine), at(9, 9).date())
    assert (
        next(s for s in before if s.unit.name == "嫩江县" and s.kind == "plan").label
        == "未报送（“嫩江方案.docx”文件已损坏或不是 Word 文档，无法读取；未到截止日期）"
    )
    sent = send_due(campaign, engine, before, at(9, 9, 40), Notifications((), env=env))
    assert "unit:plan:嫩江县:2016-09-09" in sent
    engine.dispose()

    shown = run_qm("units", "-c", config, "--kind", "plan")
    assert shown.returncode == 2 and "Traceback" not in shown.stderr
    assert (
        "嫩江县\u3000\u3000  未报送（“嫩江方案.docx”文件已损坏或不是 Word 文档，无法读取）  联系人：丁，电话：0456-0000004\n"
        in shown.stdout
    )
    assert "北安市\u3000\u3000  迟交 2 天  09-12 15:00 报送，共 2 个文件，其中 1 个无法读取" in shown.stdout
    nenjiang = next(line for line in shown.stderr.splitlines() if "嫩江方案.docx" in line)
    assert (
        f"{campaign.submissions_dir / '嫩江县' / '方案' / '嫩江方案.docx'}：嫩江县的活动方案“嫩江方案.docx”不算报送：文件已损坏" in nenjiang
    )
    listed = {s["unit"]: s for s in json.loads(run_qm("units", "-c", config, "--json", "--kind", "plan").stdout)}
    assert listed["北安市"]["arrived"] == "2016-09-12T15:00:00+08:00"
    assert [bool(f["problem"]) for f in listed["北安市"]["files"]] == [True, False]

    out = config.parent / "汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "plan", "-o", out)
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert body[body.index("一、爱辉区") + 2] == "爱辉区方案"  # the latest readable file is collected
    assert "“爱辉方案附件.docx”无法打开，没有收入本汇总" in body[body.index("一、爱辉区") + 1]


def test_files_recorded_before_files_were_read_are_read_once(config: Path) -> None:
    import sqlalchemy as sa

    from scheduler.publishing.tables import submissions

    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    place(campaign, "嫩江县", "方案", "嫩江方案.docx", b"garbage", at(7, 9))
    place(campaign, "爱辉区", "方案", "爱辉方案.docx", word("爱辉区方案"), at(7, 9))
    scan(campaign, engine, at(8, 9).timestamp())
    with engine.begin() as conn:  # as an older qm left them: not read
        conn.execute(submissions.update().values(problem=None))
    scan(campaign, engine, at(8, 10).timestamp())
    assert {f.unit: bool(f.problem) for f in recorded(campaign, engine)} == {"嫩江县": True, "爱辉区": False}
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(submissions.c.problem.is_(None))).scalar() == 0
    engine.dispose()


def test_a_file_whose_time_has_not_come_yet_is_recorded_as_found_and_said(config: Path) -> None:
    """A unit's computer with its clock years ahead: the file arrived by the time it was found at the
    latest, so that is its time (not "late by 4861 days"), and the office is told to have the clock checked."""
    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    place(campaign, "嫩江县", "总结", "总结.docx", word("嫩江县工作总结"), dt.datetime(2030, 1, 1, 8, 0, tzinfo=TZ))
    place(campaign, "北安市", "总结", "总结.docx", word("北安市工作总结"), at(29, 16))
    found = at(30, 9)
    problems = scan(campaign, engine, found.timestamp())
    assert [str(p) for p in problems] == [
        f"{campaign.submissions_dir / '嫩江县' / '总结' / '总结.docx'}：嫩江县的工作总结“总结.docx”的修改时间 2030-01-01 08:00 还没到，"
        "按发现它的时间 2016-09-30 09:00 登记为报送时间（请单位核对电脑的日期和时间）"
    ]
    arrived = {s.unit: s.arrived for s in recorded(campaign, engine)}
    assert arrived == {"嫩江县": found.timestamp(), "北安市": at(29, 16).timestamp()}  # a file written in time keeps its own
    assert scan(campaign, engine, found.timestamp() + 60) == []  # recorded once, said once


def test_files_recorded_from_one_folder_are_collected_from_any_other(config: Path) -> None:
    """Recorded by `qm units -c config.yaml` in the project folder, collected with the config's full
    path from elsewhere: every unit's text, not "cannot read the file" (older databases too, whose
    paths were stored as written from the folder qm ran in)."""

    from scheduler.publishing.tables import submissions

    project = config.parent
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "爱辉区工作总结.docx", word("爱辉区工作总结"), at(1, 9, month=10))
    place(campaign, "北安市", "总结", "北安市工作总结.txt", "北安市工作总结".encode(), at(2, 9, month=10))
    assert run_qm("units", "-c", "config.yaml", cwd=project).returncode == 0
    engine = open_db(campaign.db_url)
    with engine.begin() as conn:  # as an older qm stored it, run from the project's parent folder
        conn.execute(
            submissions.update()
            .where(submissions.c.unit == "北安市")
            .values(path=f"{project.name}/.qm/submissions/北安市/总结/北安市工作总结.txt")
        )
    engine.dispose()
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    out = elsewhere / "汇总.docx"
    done = run_qm("-c", config, "units", "--collect", "-o", out, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    assert "爱辉区工作总结" in body and "北安市工作总结" in body
    assert not any("无法读取" in p for p in body)
    assert "已报送 2 个" in "".join(body)


def test_a_recorded_file_deleted_since_still_counts_but_is_said_and_never_in_english(config: Path) -> None:
    """北安市's summary was recorded, then deleted from the folder: the unit did send it (not reminded,
    not called missing), but the listing, the warnings and the collection say which file, sent when,
    is gone and where it was, in Chinese, and nothing is collected in its place."""
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "爱辉区总结.docx", word("爱辉区工作总结"), at(9, 9, month=10))
    gone = place(campaign, "北安市", "总结", "北安市总结.docx", word("北安市工作总结"), at(15, 9, month=10))
    assert run_qm("units", "-c", config).returncode == 0
    gone.unlink()
    listed = run_qm("units", "-c", config, "--kind", "summary")
    assert listed.returncode == 2
    assert "迟交 5 天（北安市总结.docx已不在报送目录）" in listed.stdout
    assert f"注意：{gone}：北安市的工作总结：10-15 09:00报送的“北安市总结.docx”已不在报送目录中，仍按报送计算（" in listed.stderr
    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "-o", out)
    assert collected.returncode == 2 and "Traceback" not in collected.stderr
    body = [p.text for p in docx.Document(str(out)).paragraphs]
    note = body[body.index("二、北安市") + 1]
    assert note == "（10-15 09:00报送的“北安市总结.docx”已不在报送目录中，没有收入本汇总。）"  # what to do: on the screen
    assert (
        f"注意：{gone}：北安市的工作总结：10-15 09:00报送的“北安市总结.docx”已不在报送目录中，没有收入汇总（把文件放回原处"
        in collected.stderr
    )
    for text in (collected.stderr, listed.stderr, *body):
        assert "No such file" not in text
    assert extract_error(gone) == "无法读取文件：文件或目录不存在"


def extract_error(path: Path) -> str:
    with pytest.raises(SubmissionError) as caught:
        extract(path)
    return str(caught.value)


def test_collecting_one_kind_tells_only_its_own_problems_and_counts_the_others(config: Path) -> None:
    """A folder misnamed after a unit gets the unit meant; collecting the summaries does not repeat
    what is wrong among the plans (a bad file, a misnamed folder holding only 方案), it counts them."""
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(1, 9, month=10))
    place(campaign, "北安市", "方案", "方案.exe", b"MZ", at(5, 9))
    place(campaign, "爱辉", "方案", "方案.docx", word("爱辉区方案"), at(5, 9))
    place(campaign, "五大连池", "总结", "总结.docx", word("五大连池市总结"), at(1, 9, month=10))
    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "-o", out)
    assert collected.returncode == 2 and "Traceback" not in collected.stderr
    assert "方案.exe" not in collected.stderr and "“爱辉”" not in collected.stderr
    assert "文件夹“五大连池”不是 config.yaml 的 units 中的单位，其中的文件没有登记：是不是想写 五大连池市？" in collected.stderr
    assert "另有 2 条关于活动方案的注意事项，用 qm units --kind 方案 查看。" in collected.stderr
    plans = run_qm("units", "-c", config, "--kind", "方案")  # as the note says; the id plan is still taken (below)
    assert "“方案.exe”扩展名不是可接受的格式" in plans.stderr and "是不是想写 爱辉区？" in plans.stderr
    assert "五大连池" not in plans.stderr and "另有 1 条关于工作总结的注意事项" in plans.stderr
    assert run_qm("units", "-c", config, "--kind", "plan").returncode == 2


def test_a_unit_whose_only_file_was_refused_is_told_why_and_the_collection_has_no_hash(config: Path) -> None:
    campaign = load_campaign(config)
    place(campaign, "爱辉区", "总结", "总结.pdf", pdf("a summary"), at(1, 9, month=10))
    place(campaign, "北安市", "总结", "总结.jpg", b"\xff\xd8\xff a photo of the summary", at(2, 9, month=10))
    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "-o", out)
    assert "Traceback" not in collected.stderr and out.exists()
    document = docx.Document(str(out))
    status = {row.cells[1].text: row.cells[5].text for row in document.tables[0].rows[1:]}
    assert status["北安市"] == "未报送（报送文件格式不符）"  # as the work summary says it; `qm units` says which file
    assert status["嫩江县"] in ("未报送", "未报送（未到截止日期）")  # nothing in its folder: nothing more to say
    body = [p.text for p in document.paragraphs]
    assert body[body.index("二、北安市") + 1] == "（未报送工作总结：报送文件格式不符。）"
    assert body[body.index("一、爱辉区") + 1] == "（工作总结为PDF 文件“总结.pdf”，作为附件随本汇总报送。）"
    assert not any("SHA" in p or "sha" in p for p in body)
    listed = run_qm("units", "-c", config, "--kind", "summary")
    assert "北安市　　  未报送（收到的“总结.jpg”不是可读的格式" in listed.stdout, listed.stdout
    shown = json.loads(run_qm("units", "-c", config, "--collect", "--json", "-o", config.parent / "再汇总.docx").stdout)
    assert all(len(f["sha256"]) == 64 for unit in shown["units"] for f in unit["files"])  # kept for scripts that compare files


def test_a_unit_whose_file_was_refused_is_told_apart_from_one_that_sent_nothing_in_the_report_and_the_reminder(
    config: Path, robots: dict[str, list[dict[str, object]]]
) -> None:
    """Part 六 of the work summary and the daemon's reminder to the office give `qm units`'s reason."""
    campaign, engine, job = office_job(config, robots)
    place(campaign, "北安市", "总结", "总结.jpg", b"\xff\xd8\xff a photo of the summary", at(9, 9, month=10))
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(9, 9, month=10))
    reason = "收到的“总结.jpg”不是可读的格式：应为 .docx .doc .wps .pdf .txt .odt 之一"
    assert f"北安市　　  未报送（{reason}）" in run_qm("units", "-c", config, "--kind", "summary").stdout  # the words shared

    job(at(10, 9, 40, month=10))  # the deadline's day: the unit's own robot is told why its file did not count
    assert f"已报送的文件未能收录：{reason}" in texts(robots["北安市"])[-1]
    assert "未能收录" not in texts(robots["嫩江县"])[-1]
    job(at(11, 9, 40, month=10))
    engine.dispose()
    (office,) = texts(robots["office"])
    assert "【未报送】工作总结已于 10月10日 截止，2 个单位尚未报送，1 个单位报送的文件未能收录" in office
    assert f"北安市（联系人：乙，电话：0456-0000002）：报送的文件未能收录（{reason}）" in office
    assert "嫩江县（联系人：丁，电话：0456-0000004）：尚未报送" in office  # as the title counts it

    during, after = ({**os.environ, "QM_NOW": f"2016-{day}T09:00:00+08:00"} for day in ("09-15", "10-15"))
    assert run_qm("queue", "-c", config, env=during).returncode == 0  # a queue to report on
    out = config.parent / "工作总结.docx"
    done = run_qm("report", "-c", config, "-o", out, env=after)
    assert done.returncode == 0, done.stderr
    text = [p.text for p in docx.Document(str(out)).paragraphs]
    assert text[text.index("六、各单位报送情况") + 2] == (  # for the province: what went wrong, not the operator's fix
        "工作总结（2016年10月10日截止）：共 4 个单位，按时报送 1 个（爱辉区），未报送 2 个（五大连池市、嫩江县），"
        "报送的文件未能收录 1 个（北安市：报送文件格式不符）。"
    )


def styled_summary(picture: Path) -> bytes:
    """A unit's summary as offices write them: a title, headings (one a custom style with an outline level,
    as WPS makes them), a table in a built-in style with merged cells, one in the unit's own style, a list,
    a link and a picture."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_heading("爱辉区质量月活动工作总结", level=0)
    document.add_heading("一、基本情况", level=1)
    document.add_paragraph("全区开展质量月活动。")
    own_heading = document.styles.add_style("单位小标题", WD_STYLE_TYPE.PARAGRAPH)
    own_heading.element.get_or_add_pPr().append(OxmlElement("w:outlineLvl", {qn("w:val"): "1"}))
    document.add_paragraph("（一）宣传咨询", style=own_heading)
    grid = document.add_table(rows=3, cols=3)
    grid.style = "Light Grid Accent 1"
    for r, row in enumerate([["项目", "次数", "人数"], ["咨询", "12", "300"], ["讲座", "3", ""]]):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    grid.cell(2, 1).merge(grid.cell(2, 2))
    document.add_paragraph("设咨询台 12 处", style="List Bullet")
    document.add_heading("二、存在问题", level=1)
    own = document.add_table(rows=1, cols=2)
    own.style = document.styles.add_style("单位表格", WD_STYLE_TYPE.TABLE)
    own.cell(0, 0).text, own.cell(0, 1).text = "宣传不足", "加强"
    linked = document.add_paragraph("详见：")
    link = OxmlElement("w:hyperlink", {qn("r:id"): document.part.relate_to("https://example.gov.cn", RELATIONSHIP_TYPE.HYPERLINK, True)})
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "区政府网站"
    run.append(text)
    link.append(run)
    linked._p.append(link)
    document.add_picture(str(picture))
    out = __import__("io").BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_units_headings_and_tables_keep_their_look_in_the_collection(config: Path, tmp_path: Path) -> None:
    """Headings stay headings (below the unit's own), tables stay tables where they were, in a style the
    compiled document has (borders); nothing refers to a style or part it does not have."""
    from docx.oxml.ns import qn
    from PIL import Image

    campaign = load_campaign(config)
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "red").save(picture)
    data = styled_summary(picture)
    place(campaign, "爱辉区", "总结", "总结.docx", data, at(9, 9, month=10))
    merged = [[c.text for c in row.cells] for row in docx.Document(__import__("io").BytesIO(data)).tables[0].rows]
    out = config.parent / "汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "-o", out)
    assert "Traceback" not in collected.stderr and out.exists(), collected.stderr
    document = docx.Document(str(out))
    body = document.element.body
    blocks = []
    for block in body.iterchildren(qn("w:p"), qn("w:tbl")):
        if block.tag == qn("w:tbl"):
            grid = docx.table.Table(block, document)
            blocks.append((grid.style.name, [[c.text for c in row.cells] for row in grid.rows]))
        elif (paragraph := docx.text.paragraph.Paragraph(block, document)).text:
            blocks.append((paragraph.style.name, paragraph.text))
    unit = blocks.index(("Heading 1", "一、爱辉区"))
    assert blocks[unit + 1 : unit + 11] == [
        ("Heading 2", "爱辉区质量月活动工作总结"),
        ("Heading 2", "一、基本情况"),
        ("Normal", "全区开展质量月活动。"),
        ("Heading 3", "（一）宣传咨询"),
        ("Light Grid Accent 1", merged),  # its merged cells too
        ("List Bullet", "设咨询台 12 处"),
        ("Heading 2", "二、存在问题"),
        ("Table Grid", [["宣传不足", "加强"]]),  # the unit's own table style is not in the compiled document: borders
        ("Normal", "详见：区政府网站"),
        ("Normal", "〔图片未收入〕"),  # where its picture stood
    ]
    assert blocks[unit + 11] == (
        "Normal",
        "（原文件中的 1 张图片或图形没有收入本汇总（在原来的位置标为“〔图片未收入〕”），请查看原文件“总结.docx”。）",
    )
    assert blocks[unit + 12] == ("Heading 1", "二、北安市")
    assert merged[2][1] == merged[2][2] and len(document.tables[1].rows[2]._tr.tc_lst) == 2  # one cell spanning two columns
    ids = {style.style_id for style in document.styles}
    named = {ref.get(qn("w:val")) for ref in body.iter(qn("w:pStyle"), qn("w:rStyle"), qn("w:tblStyle"))}
    assert named <= ids, named - ids
    rels = {key for key in document.part.rels}
    pointing = {v for e in body.iter() for k, v in e.attrib.items() if k.startswith("{" + docx.oxml.ns.nsmap["r"])}
    assert pointing <= rels, pointing - rels  # no picture or link of the unit's file left pointing nowhere
    assert not list(body.iter(qn("w:numPr")))  # list numbering is the compiled document's, through List Bullet


def numbered_plan() -> bytes:
    """A unit's plan with Word's own numbering: steps in the List Number style, then a list of its own
    numbered （一）（二）（三） in Chinese counting with a decimal sub-list, then a table with no style in a
    file whose default table style has borders."""
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn

    document = docx.Document()
    for step in ("成立领导小组", "制定活动方案", "开展宣传咨询"):
        document.add_paragraph(step, style="List Number")
    numbering = document.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:suff w:val="nothing"/>'
        f'<w:pPr><w:ind w:left="{420 * (i + 1)}" w:hanging="420"/></w:pPr></w:lvl>'
        for i, (fmt, text) in enumerate([("chineseCounting", "（%1）"), ("decimal", "%2.")])
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{levels}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level in [("宣传咨询", 0), ("讲座", 0), ("进社区", 1), ("进学校", 1), ("总结", 0), ("上报", 1)]:
        paragraph = document.add_paragraph(text)
        numbered = OxmlElement("w:numPr")
        numbered.append(OxmlElement("w:ilvl", {qn("w:val"): str(level)}))
        numbered.append(OxmlElement("w:numId", {qn("w:val"): "90"}))
        paragraph._p.get_or_add_pPr().append(numbered)
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>' for side in ("top", "left", "bottom", "right"))
    default = document.styles["Normal Table"].element
    default.find(qn("w:tblPr")).append(parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>"))
    document.add_table(rows=1, cols=2).cell(0, 0).text = "负责人"
    out = __import__("io").BytesIO()
    document.save(out)
    return out.getvalue()


def test_numbered_lists_keep_their_numbers_and_unstyled_tables_their_borders(config: Path) -> None:
    """Word's numbers ("1." "（一）") are written in front of each item as Word shows them, counted per
    list and level, with no numbering of the compiled document's styles added on top; a table with no
    style, in a file whose default table style has borders, keeps borders (Table Grid)."""
    from docx.oxml.ns import qn

    campaign = load_campaign(config)
    place(campaign, "爱辉区", "方案", "方案.docx", numbered_plan(), at(5, 9))
    place(campaign, "北安市", "方案", "方案.docx", numbered_plan(), at(5, 9))
    out = config.parent / "方案汇总.docx"
    collected = run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    assert out.exists(), collected.stderr
    document = docx.Document(str(out))
    text = [p.text for p in document.paragraphs]
    for unit in ("一、爱辉区", "二、北安市"):  # each unit's lists count from its own first item
        at_unit = text.index(unit)
        assert text[at_unit + 1 : at_unit + 10] == [
            "1.\t成立领导小组",
            "2.\t制定活动方案",
            "3.\t开展宣传咨询",
            "（一）宣传咨询",
            "（二）讲座",
            "1.进社区",
            "2.进学校",
            "（三）总结",
            "1.上报",
        ]
    steps = [p for p in document.paragraphs if p.text.endswith("制定活动方案")]
    assert steps[0].style.name == "List Number"
    assert [n.find(qn("w:numId")).get(qn("w:val")) for n in steps[0]._p.iter(qn("w:numPr"))] == ["0"]  # the style's own numbers off
    sub = next(p for p in document.paragraphs if p.text == "1.进社区")
    assert (sub.paragraph_format.left_indent, sub.paragraph_format.first_line_indent) == (docx.shared.Twips(840), docx.shared.Twips(-420))
    assert [t.style.name for t in document.tables[1:]] == ["Table Grid", "Table Grid"]


def test_list_numbers_are_written_in_each_format_as_word_shows_them() -> None:
    from scheduler.units.numbering import number

    shown = {fmt: [number(n, fmt) for n in (1, 3, 10, 12, 20, 105)] for fmt in ("chineseCounting", "decimalEnclosedCircle", "upperRoman")}
    assert shown == {
        "chineseCounting": ["一", "三", "十", "十二", "二十", "一百〇五"],
        "decimalEnclosedCircle": ["①", "③", "⑩", "⑫", "⑳", "105"],
        "upperRoman": ["I", "III", "X", "XII", "XX", "CV"],
    }
    assert [number(n, "ideographTraditional") for n in (1, 2, 10)] == ["甲", "乙", "癸"]  # the heavenly stems
    assert [number(3, "lowerLetter"), number(27, "lowerLetter"), number(2, "chineseLegalSimplified"), number(7, "none")] == [
        "c",
        "aa",
        "贰",
        "",
    ]


def test_a_unit_whose_file_is_in_a_misspelled_folder_is_told_so_in_its_own_row(config: Path) -> None:
    """嫩江/ for 嫩江县/: the unit's row in `qm units` and its JSON say where its file was found and how to fix it,
    not a bare 未报送, and the collection sent upward what the work summary says; the other kind's notes are counted."""
    campaign = load_campaign(config)
    place(campaign, "嫩江", "方案", "方案.docx", word("嫩江县活动方案"), at(5, 9))
    place(campaign, "北安市", "方案", "方案.exe", b"MZ", at(5, 9))
    place(campaign, "北安市", "方案", "活动方案.docx", b"not a word file", at(5, 9))
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(1, 9, month=10))
    note = "文件放在了文件夹“嫩江”中，没有登记：把文件夹改名为“嫩江县”（与 config.yaml 的 units 一致）"

    listed = run_qm("units", "-c", config, "--kind", "方案")
    assert f"嫩江县　　  未报送（{note}）" in listed.stdout, listed.stdout
    shown = json.loads(run_qm("units", "-c", config, "--kind", "方案", "--json").stdout)
    assert {u["unit"]: u["note"] for u in shown}["嫩江县"] == note
    assert {u["unit"]: u["note"] for u in shown}["爱辉区"] == ""

    out = config.parent / "方案汇总.docx"
    run_qm("units", "-c", config, "--collect", "--kind", "方案", "-o", out)
    document = docx.Document(str(out))
    assert {row.cells[1].text: row.cells[5].text for row in document.tables[0].rows[1:]}["嫩江县"] == "未报送（未按要求报送）"
    body = [p.text for p in document.paragraphs]
    assert body[body.index("四、嫩江县") + 1] == "（未报送活动方案：未按要求报送。）"

    summaries = run_qm("units", "-c", config, "--collect", "-o", config.parent / "总结汇总.docx")
    # the misnamed folder, the .exe and the file that cannot be read: three notes about the plans
    assert "另有 3 条关于活动方案的注意事项，用 qm units --kind 方案 查看。" in summaries.stderr, summaries.stderr


def test_units_on_the_rehearsal_clock_record_and_judge_by_it(config: Path) -> None:
    """QM_NOW: the files are recorded on the rehearsal's clock, as the deadlines are judged, not on the real one."""
    campaign = load_campaign(config)
    place(campaign, "北安市", "总结", "总结.docx", word("北安市工作总结"), at(20, 9, month=10))  # after the rehearsal's moment
    place(campaign, "爱辉区", "总结", "总结.docx", word("爱辉区工作总结"), at(28, 16))
    rehearsed = run_qm("units", "-c", config, "--kind", "总结", env={**os.environ, "QM_NOW": "2016-10-01T09:00:00+08:00"})
    assert "修改时间 2016-10-20 09:00 还没到，按发现它的时间 2016-10-01 09:00 登记为报送时间" in rehearsed.stderr, rehearsed.stderr
    rows = {line.split()[0]: line for line in rehearsed.stdout.splitlines() if line.startswith("  ")}
    assert "按时报送" in rows["北安市"] and "10-01 09:00" in rows["北安市"], rehearsed.stdout
    assert "按时报送" in rows["爱辉区"] and "09-28 16:00" in rows["爱辉区"], rehearsed.stdout


def bomb(inflated_mb: int) -> bytes:
    """A .docx whose document part unpacks to `inflated_mb` MB of the same paragraph (a few KB packed per MB)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(word("正文")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "word/document.xml":
                archive.writestr(info, data)
                continue
            head, tail = data.split(b"<w:body>")
            with archive.open("word/document.xml", "w") as part:
                part.write(head + b"<w:body>")
                for _ in range(inflated_mb):
                    part.write(b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 30_000)  # about 1 MB
                part.write(tail)
    return out.getvalue()


def test_a_file_too_big_to_read_does_not_count_and_says_why(config: Path) -> None:
    """A decompression bomb (a small .docx unpacking to far more than a document) and a file over 20 MB are refused
    unread, as unreadable files are: `qm units` names them with the reason, and the unit is reminded as not submitted."""
    campaign = load_campaign(config)
    packed = bomb(12)
    assert len(packed) < 200_000
    place(campaign, "爱辉区", "方案", "方案.docx", packed, at(8, 10))
    big = place(campaign, "北安市", "方案", "方案.txt", b"", at(8, 11))
    os.truncate(big, 21 * 1024 * 1024)  # sparse: nothing written
    place(campaign, "嫩江县", "方案", "方案.docx", word("嫩江县方案"), at(8, 12))
    done = run_qm("units", "-c", config, "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "爱辉区的活动方案“方案.docx”不算报送：文件的文字和格式解压后有 12 MB（报送的文件只有 0.1 MB），远超" in done.stderr, done.stderr
    assert "北安市的活动方案“方案.txt”不算报送：文件有 21 MB，超过了 20 MB，没有读取" in done.stderr, done.stderr
    plans = {u["unit"]: u for u in json.loads(done.stdout) if u["kind"] == "plan"}
    assert plans["爱辉区"]["arrived"] is plans["北安市"]["arrived"] is None and plans["嫩江县"]["arrived"], plans
    assert [f["size"] for f in plans["北安市"]["files"]] == [21 * 1024 * 1024], plans


def test_scanning_reads_files_outside_any_write_transaction(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a document takes its time: meanwhile the daemon and the console must still be able to write."""
    import sqlite3

    from scheduler.units import scanning

    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    place(campaign, "爱辉区", "方案", "方案.docx", word("方案"), at(8, 10))
    writes = []

    def read_while_writing(path: Path) -> str:
        other = sqlite3.connect(engine.url.database or "", timeout=0)  # fails at once if a write transaction is held
        try:
            with other:
                other.execute("CREATE TABLE IF NOT EXISTS probe (x)")
            writes.append(path.name)
        finally:
            other.close()
        return real(path)

    real = scanning.unreadable
    monkeypatch.setattr(scanning, "unreadable", read_while_writing)
    assert scan(campaign, engine, at(8, 12).timestamp()) == []
    assert writes == ["方案.docx"] and [f.path.name for f in recorded(campaign, engine)] == ["方案.docx"]


def test_names_in_the_submissions_folder_are_printed_with_their_control_characters_escaped(config: Path) -> None:
    """A file's or folder's name is whatever a unit gave it: an escape sequence in one (clear the screen, set the
    window title) is shown as \\x1b, in the table and in the notes, with or without --collect."""
    campaign = load_campaign(config)
    clear, title = "\x1b[2J", "\x1b]0;qm\x07"
    place(campaign, "爱辉区", "总结", f"总结{clear}.docx", word("爱辉区工作总结"), at(1, 9, month=10))
    place(campaign, "北安市", "总结", f"总结{title}.docx", b"PK\x03\x04 torn", at(2, 9, month=10))
    place(campaign, "嫩江县", "", f"散件{clear}.txt", b"text", at(2, 9, month=10))
    place(campaign, f"某局{clear}", "总结", "总结.txt", b"text", at(2, 9, month=10))
    for args in ((), ("--collect", "-o", config.parent / "汇总.docx")):
        done = run_qm("units", "-c", config, *args)
        said = done.stdout + done.stderr
        assert "Traceback" not in said and "\x1b" not in said and "\x07" not in said, said
        assert "的工作总结“总结\\x1b]0;qm\\x07.docx”" in done.stderr, done.stderr
        assert "散件\\x1b[2J.txt" in done.stderr and "文件夹“某局\\x1b[2J”" in done.stderr, done.stderr
    assert "总结\\x1b]0;qm\\x07.docx" in run_qm("units", "-c", config).stdout


def test_names_in_the_submissions_folder_are_escaped_in_json_too_and_read_back_whole(config: Path) -> None:
    """C1 controls (\\x9b opens a terminal sequence as ESC [ does) and bidi overrides (they reorder what is read) in a
    name reach `qm units --json` as JSON escapes: the terminal shows them inert, a script reads the very name."""
    campaign = load_campaign(config)
    csi, override, separator = "\x9b2J", "\u202e", "\u2028"
    names = {"爱辉区": f"总结{csi}.docx", "北安市": f"总结{override}xcod.exe", "嫩江县": f"总结{separator}.txt"}
    for unit, name in names.items():
        place(campaign, unit, "总结", name, word("工作总结") if name.endswith(".docx") else b"text", at(1, 9, month=10))
    for args in ((), ("--collect", "-o", config.parent / "汇总.docx")):
        done = run_qm("units", "-c", config, "--json", *args)
        assert not {"\x9b", "\u202e", "\u2028"} & set(done.stdout), done.stdout
        assert "总结\\u009b2J.docx" in done.stdout and "总结\\u202excod.exe" in done.stdout, done.stdout
        listed = json.loads(done.stdout)
        units = listed["units"] if args else listed
        paths = {Path(f["path"]).name for s in units for f in s["files"]} | {n for s in units for n in s["note"].split("“")}
        assert f"总结{csi}.docx" in paths and f"总结{separator}.txt" in paths, paths
        assert any(override in s["note"] for s in units if s["unit"] == "北安市"), units


def test_a_link_in_the_submissions_folder_is_refused_and_what_it_points_to_never_collected(config: Path, tmp_path: Path) -> None:
    """A link put as a unit's file, or as its folder, would carry any file qm can read into the document sent
    to the province: it is refused in the unit's row, unopened, and a file made a link after it was recorded is
    not collected either."""
    campaign = load_campaign(config)
    secret = tmp_path / "elsewhere" / "总结" / "总结.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("机密内容", encoding="utf-8")
    folder = place(campaign, "北安市", "总结", "说明.txt", b"x", at(1, 9, month=10)).parent
    (folder / "说明.txt").unlink()
    (folder / "总结.txt").symlink_to(secret)
    (campaign.submissions_dir / "嫩江县").symlink_to(secret.parent.parent)  # the unit's folder a link
    recorded_then_linked = place(campaign, "爱辉区", "总结", "总结.txt", "爱辉区工作总结".encode(), at(1, 9, month=10))
    run_qm("units", "-c", config)
    recorded_then_linked.unlink()
    recorded_then_linked.symlink_to(secret)
    out = config.parent / "汇总.docx"
    done = run_qm("units", "-c", config, "--collect", "-o", out)
    assert "Traceback" not in done.stderr and out.exists(), done.stderr
    document = docx.Document(str(out))
    text = "\n".join([p.text for p in document.paragraphs] + [c.text for row in document.tables[0].rows for c in row.cells])
    assert "机密内容" not in text, text
    status = {row.cells[1].text: row.cells[5].text for row in document.tables[0].rows}
    assert status["北安市"] == status["嫩江县"] == "未报送（报送的文件无法打开）", status  # the province's words
    assert "（“总结.txt”无法打开，没有收入本汇总。）" in text, text  # 爱辉区: sent on time, its file since made a link
    listed = run_qm("units", "-c", config, "--kind", "summary")
    assert "北安市的工作总结“总结.txt”不算报送：文件是链接：请放文件本身" in listed.stderr, listed.stderr
