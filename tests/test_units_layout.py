"""The compiled document's layout as an official document wants it: units headed 一、二、, a unit's table rows
kept on one page with its header repeated, and a note where each left-out picture stood."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import docx
from docx.oxml.ns import qn
from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.units.digest import render
from scheduler.units.kinds import PLAN, SUMMARY

from .conftest import run_qm
from .test_units import at, config, place

__all__ = ["config"]  # the fixture, used by name


def summary_with_tables_and_a_picture(picture: Path) -> bytes:
    document = docx.Document()
    document.add_paragraph("一、基本情况")
    headed = document.add_table(rows=4, cols=2)
    for n, row in enumerate(headed.rows):
        for m, cell in enumerate(row.cells):
            run = cell.paragraphs[0].add_run(("项目", "数量")[m] if n == 0 else f"第{n}项")
            run.bold = n == 0
    plain = document.add_table(rows=3, cols=2)
    for n, row in enumerate(plain.rows):
        row.cells[0].text, row.cells[1].text = str(n + 1), "咨询台 12 处"
    labelled = document.add_table(rows=3, cols=3)  # a header of plain words, in a table Word sets its first row apart
    for n, row in enumerate(labelled.rows):
        for m, cell in enumerate(row.cells):
            cell.text = ("序号", "活动", "责任单位")[m] if n == 0 else ("1", "进校园质量知识宣讲第1场", "教育局基础教育科")[m]
    paragraph = document.add_paragraph("现场照片：")
    paragraph.add_run().add_picture(str(picture))
    paragraph.add_run("（摄于启动仪式）")
    document.add_paragraph("二、存在问题")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_units_are_headed_in_chinese_numbers_their_rows_kept_whole_and_pictures_marked_in_place(config: Path, tmp_path: Path) -> None:
    campaign = load_campaign(config)
    picture = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), "red").save(picture)
    place(campaign, "北安市", "总结", "总结.docx", summary_with_tables_and_a_picture(picture), at(9, 9, month=10))
    out = config.parent / "汇总.docx"
    assert run_qm("units", "-c", config, "--collect", "-o", out).returncode == 0
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、爱辉区", "二、北安市", "三、五大连池市", "四、嫩江县"], headings
    _, headed, plain, labelled = document.tables  # the cover table, then the unit's three

    def marked(table: docx.table.Table, tag: str) -> list[bool]:
        return [row._tr.find(f"{qn('w:trPr')}/{qn(tag)}") is not None for row in table.rows]

    assert marked(headed, "w:cantSplit") == [True] * 4 and marked(plain, "w:cantSplit") == [True] * 3
    assert marked(headed, "w:tblHeader") == [True, False, False, False]  # its bold first row repeats on each page
    assert marked(plain, "w:tblHeader") == [False] * 3  # no header: nothing repeats
    assert marked(labelled, "w:tblHeader") == [True, False, False]
    texts = [p.text for p in document.paragraphs]
    assert "现场照片：〔图片未收入〕（摄于启动仪式）" in texts, texts
    assert "（原文件中的 1 张图片或图形没有收入本汇总（在原来的位置标为“〔图片未收入〕”），请查看原文件“总结.docx”。）" in texts


def test_a_title_too_long_for_a_line_breaks_after_the_campaigns_name_not_before_its_last_character(heihe: Campaign) -> None:
    """20 pt on 15.8 cm holds 22 characters: "2027年牡丹江市“质量月”活动各单位活动方案汇总" left "总" alone on line two."""
    long = dataclasses.replace(heihe, name="2027年牡丹江市“质量月”活动")
    document = docx.Document(io.BytesIO(render(long, PLAN, [], dt.date(2027, 9, 13))[0]))
    title = document.paragraphs[0]
    assert title.style.name == "Title" and title.text == "2027年牡丹江市“质量月”活动\n各单位活动方案汇总", title.text
    short = docx.Document(io.BytesIO(render(heihe, SUMMARY, [], dt.date(2016, 10, 12))[0])).paragraphs[0]
    assert short.text == "2016年全市“质量月”活动各单位工作总结汇总"  # fits one line: not broken
