"""A unit's .docx carried into the consolidated document as it was laid out: its paragraphs and tables
in their order, headings still headings and tables still tables (merged cells, widths and the units'
own direct formatting kept), instead of their text alone.

The units' style definitions are not copied: every file defines its own under ids of its own (WPS
calls Heading 1 "1"; two units' "a3" may be two different tables), and styles lean on other styles
and on list numbering. So each style a copied element names is mapped onto the compiled document's
own: a heading (by its style's name or outline level) to the heading `below` levels under the unit's
own heading, a table to the compiled document's table style of the same name or else Table Grid (it
has borders), any other style to the compiled document's style of the same name, or none (the body
text); a table with no style of its own, in a file whose default table style has borders, to that
style's mapping. What refers to parts of the unit's file the compiled document does not have (pictures,
links, list numbering, comments, notes, section settings, bookmarks) is left out, a link's text kept,
so Word and WPS never meet a reference they cannot follow; a numbered item's number is written as
text in its place (numbering.py). Word fields are left out too, their shown result kept as plain text
(fields.py): a unit's file cannot make the compiled one fetch a picture from a share, link elsewhere or
start a program.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn

from ..report.word import hold_row
from .fields import Fields
from .numbering import Numbers, write_number

RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
PICTURES = tuple(qn(t) for t in ("w:drawing", "w:pict", "w:object"))
LEFT_OUT = tuple(
    qn(t)
    for t in (
        "w:numPr",
        "w:sectPr",
        "w:commentRangeStart",
        "w:commentRangeEnd",
        "w:commentReference",
        "w:footnoteReference",
        "w:endnoteReference",
        "w:bookmarkStart",
        "w:bookmarkEnd",
        "w:altChunk",
    )
)
HEADING = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
TITLES = {"title": 0, "标题": 0, "subtitle": 1, "副标题": 1}  # a level below the file's own title
GRID = "Table Grid"
PICTURE_MARK = "〔图片未收入〕"  # written where a picture or object was left out
LABEL = 12  # characters at most in a header cell told by its words alone
STYLE_TAGS = {qn("w:pStyle"): WD_STYLE_TYPE.PARAGRAPH, qn("w:rStyle"): WD_STYLE_TYPE.CHARACTER, qn("w:tblStyle"): WD_STYLE_TYPE.TABLE}


def copy_body(source: DocumentObject, target: DocumentObject, below: int) -> int:
    """Append `source`'s paragraphs and tables to `target`, its headings `below` levels down; return
    how many pictures (and other embedded objects) were left out."""
    mapped = _style_map(source, target, below)
    body = target.element.body
    end = body.find(qn("w:sectPr"))  # the compiled document's own page settings stay last
    left_out = 0
    numbers = Numbers(source)
    fields = Fields()  # a field may begin in one paragraph and end in a later one
    unstyled = _bordered_default(source)
    if unstyled is not None and mapped.get((WD_STYLE_TYPE.TABLE, unstyled)) == target.styles.default(WD_STYLE_TYPE.TABLE).style_id:
        mapped[(WD_STYLE_TYPE.TABLE, unstyled)] = target.styles[GRID].style_id  # "Normal Table" here has none
    for block in source.element.body.iterchildren(qn("w:p"), qn("w:tbl")):
        copy = deepcopy(block)
        labelled = [(p, numbers.label(source_p)) for p, source_p in zip(copy.iter(qn("w:p")), block.iter(qn("w:p")), strict=True)]
        left_out += _strip(copy)
        fields.flatten(copy)
        if copy.tag == qn("w:tbl") and unstyled is not None and copy.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}") is None:
            copy.find(qn("w:tblPr")).insert(0, copy.makeelement(qn("w:tblStyle"), {qn("w:val"): unstyled}))  # mapped below
        for table in copy.iter(qn("w:tbl")):
            for n, row in enumerate(table.findall(qn("w:tr"))):
                hold_row(row, header=n == 0 and _has_header(table))
        for paragraph, label in labelled:
            if label is not None:
                write_number(paragraph, label)
        for ref in list(copy.iter(*STYLE_TAGS)):
            style = mapped.get((STYLE_TAGS[ref.tag], ref.get(qn("w:val"))))
            if style is None:
                ref.getparent().remove(ref)
            else:
                ref.set(qn("w:val"), style)
        if end is None:
            body.append(copy)
        else:
            end.addprevious(copy)
    return left_out


def _has_header(table: Any) -> bool:
    """Whether a unit's table (of three rows or more) starts with a header row: marked as one, each of its cells
    written in bold or shaded, or, in a table whose first row is set apart (Word's default), each a short label
    (序号, 活动, 时间: no number, no sentence) unlike the row below it."""
    rows = table.findall(qn("w:tr"))
    if len(rows) < 3:
        return False
    if rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None:
        return True
    cells = rows[0].findall(qn("w:tc"))
    if cells and all(_bold(cell) or _shaded(cell) for cell in cells):
        return True
    look = table.find(f"{qn('w:tblPr')}/{qn('w:tblLook')}")
    apart = look is not None and (look.get(qn("w:firstRow")) in ("1", "true", "on") or int(look.get(qn("w:val"), "0"), 16) & 0x20)
    labels = ["".join(cell.itertext()).strip() for cell in cells]
    below = ["".join(cell.itertext()).strip() for cell in rows[1].findall(qn("w:tc"))]
    short = all(0 < len(label) <= LABEL and not label.isdigit() for label in labels)
    return bool(apart and cells and short and labels != below)


def _bold(cell: Any) -> bool:
    runs = [r for r in cell.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
    return bool(runs) and all(_on(r.find(f"{qn('w:rPr')}/{qn('w:b')}")) for r in runs)


def _on(toggle: Any) -> bool:
    return toggle is not None and toggle.get(qn("w:val"), "true") not in ("0", "false", "off")


def _shaded(cell: Any) -> bool:
    shading = cell.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
    return shading is not None and shading.get(qn("w:fill"), "auto").upper() not in ("AUTO", "FFFFFF")


def _strip(block: Any) -> int:
    """Leave out what points outside the block; return the pictures and objects left out."""
    pictures = [e for e in block.iter(*PICTURES) if not any(a.tag == ALTERNATE for a in e.iterancestors())]
    pictures += list(block.iter(ALTERNATE))  # WPS's shapes and text boxes: a drawing, and a picture for older readers
    for picture in pictures:
        if picture.getparent() is not None and picture.getparent().tag == qn("w:r"):  # in a run: its place marked
            mark = picture.makeelement(qn("w:t"), {})
            mark.text = PICTURE_MARK
            picture.addprevious(mark)
    for element in [*pictures, *block.iter(*LEFT_OUT)]:
        _remove(element)
    for link in list(block.iter(qn("w:hyperlink"), qn("w:fldSimple"))):  # the link or field goes, its words stay
        parent = link.getparent()
        at = parent.index(link)
        for n, child in enumerate(list(link)):
            parent.insert(at + n, child)
        parent.remove(link)
    for element in [e for e in block.iter() if any(str(name).startswith(RELS) for name in e.attrib)]:
        _remove(element)  # anything else naming a part of the unit's file
    return len(pictures)


def _bordered_default(source: DocumentObject) -> str | None:
    """The unit's default table style when it draws borders (WPS's and some templates' do): its tables
    with no style of their own drew them, and so does the copy, through that style's mapping."""
    style = source.styles.default(WD_STYLE_TYPE.TABLE)
    found = style
    while found is not None:
        if found.element.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}") is not None:
            return str(style.style_id)
        found = found.base_style
    return None


def _remove(element: Any) -> None:
    parent = element.getparent()
    if parent is not None:  # not inside something removed already
        parent.remove(element)


def _style_map(source: DocumentObject, target: DocumentObject, below: int) -> dict[tuple[Any, str], str]:
    """(style type, the unit's style id) -> the compiled document's style id; absent: no style."""
    own = {(s.type, s.name): s.style_id for s in target.styles}
    out: dict[tuple[Any, str], str] = {}
    for style in source.styles:
        level = _heading_level(style) if style.type == WD_STYLE_TYPE.PARAGRAPH else None
        if level is not None:
            out[(style.type, style.style_id)] = own[(style.type, f"Heading {min(level + below, 9)}")]
        elif (style.type, style.name) in own:
            out[(style.type, style.style_id)] = own[(style.type, style.name)]
        elif style.type == WD_STYLE_TYPE.TABLE:
            out[(style.type, style.style_id)] = own[(style.type, GRID)]
    return out


def _heading_level(style: Any) -> int | None:
    """1 for the unit's top headings (its title, its Heading 1), 2 below them...; None: not a heading."""
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() in TITLES:
            return 1 + TITLES[name.lower()]
        if found := HEADING.fullmatch(name):
            return int(found.group(1))
        outline = style.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        value = outline.get(qn("w:val"), "") if outline is not None else ""
        if value.isdigit() and int(value) < 9:  # 9: body text
            return int(value) + 1
        style = style.base_style
    return None
