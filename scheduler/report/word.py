"""Word styling shared by the work summary and the units' compiled document (汇总): the fonts of an official
document (仿宋 for the text, 黑体 for headings, set for Chinese text too, not left to the theme's fonts), and grid
tables that fit an A4 page, repeat their header row on each page and never split a row across pages."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

BODY_FONT, HEADING_FONT = "仿宋", "黑体"
TITLE_PT, PAGE_CM, MARGIN_CM = 20, 21.0, 2.6  # the title's size; A4's width and its side margins: 15.8 cm of text
THEMES = tuple(qn(f"w:{a}") for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"))  # they win over a named font


def set_styles(doc: DocumentObject) -> None:
    for name, font, size in (
        ("Normal", BODY_FONT, 12),
        ("Title", HEADING_FONT, TITLE_PT),
        ("Heading 1", HEADING_FONT, 15),
        ("Heading 2", HEADING_FONT, 13),
        ("Heading 3", HEADING_FONT, 12),  # a unit's own headings in the units' compiled document
        *((f"Heading {n}", HEADING_FONT, 12) for n in range(4, 10)),  # down to the deepest a unit's headings map to
    ):
        style = doc.styles[name]
        style.font.name = font
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)  # official documents are black; Word's theme colours headings blue
        _east_asian(style.element.get_or_add_rPr(), font)
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if defaults is not None:  # lists, tables and every other style: the body font, not the theme's
        _east_asian(defaults, BODY_FONT)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(PAGE_CM), Cm(29.7)  # A4 (python-docx's own template is Letter)
    section.left_margin = section.right_margin = Cm(MARGIN_CM)  # 15.8 cm for the text and the tables


def title(doc: DocumentObject, name: str, what: str) -> Paragraph:
    """The document's title, centred: the campaign's `name`, then `what` it is (工作总结, 各单位活动方案汇总).
    One too long for a line breaks between the two, as an official title breaks between its parts, not
    where the line happens to end (which left "汇总"'s "总" alone on the second line)."""
    paragraph = doc.add_paragraph(style="Title")
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in name + what)
    if ems > (PAGE_CM - 2 * MARGIN_CM) / (TITLE_PT / 72 * 2.54):
        paragraph.add_run(name).add_break()
        paragraph.add_run(what)
    else:
        paragraph.add_run(name + what)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _east_asian(rpr: Any, font: str) -> None:
    """Chinese text takes `font` (w:eastAsia), as Latin text does; the theme's fonts, which Word and WPS take
    before a named one, are dropped."""
    fonts = rpr.get_or_add_rFonts()
    for attribute in THEMES:
        fonts.attrib.pop(attribute, None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), font)


def table(doc: DocumentObject, head: list[str], rows: list[list[str]], widths: Sequence[float] = (), small: bool = False) -> None:
    """A grid table; `widths` in cm per column (the page holds about 15.8 cm). The paragraph just before it (its
    lead-in, "明细如下：") is kept on the page of its first row."""
    blocks = list(doc.element.body.iterchildren(qn("w:p"), qn("w:tbl")))
    if blocks and blocks[-1].tag == qn("w:p"):
        blocks[-1].get_or_add_pPr().append(blocks[-1].makeelement(qn("w:keepNext"), {}))
    grid = doc.add_table(rows=1, cols=len(head))
    grid.style = "Table Grid"
    grid.autofit = not widths
    for cell, text in zip(grid.rows[0].cells, head, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
            if small:
                run.font.size = Pt(9)
    for values in rows:
        cells = grid.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
            if small:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(9)
    for n, width in enumerate(widths):  # Word reads the cells' widths, LibreOffice and WPS the grid's
        grid.columns[n].width = Cm(width)
        for cell in grid.columns[n].cells:
            cell.width = Cm(width)
    for n, row in enumerate(grid.rows):
        hold_row(row._tr, header=n == 0)
    doc.add_paragraph()  # a table is followed by a blank line, as in a typed document


def hold_row(row: Any, header: bool) -> None:
    """Keep a table row (w:tr) on one page, and repeat it atop each page when it is the table's header."""
    properties = row.get_or_add_trPr()
    for tag, wanted in (("w:cantSplit", True), ("w:tblHeader", header)):  # a row stays on one page; the header repeats
        if wanted and properties.find(qn(tag)) is None:
            properties.append(properties.makeelement(qn(tag), {}))
