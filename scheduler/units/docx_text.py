"""The text of a .docx: its paragraphs, then each table row's cell texts, each cell once (a merged cell's text is
given where it starts, not once per column and row it covers)."""

from __future__ import annotations

from collections.abc import Iterator

from docx.document import Document as DocumentObject
from docx.table import Table, _Cell


def texts(document: DocumentObject) -> tuple[str, ...]:
    paragraphs = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        paragraphs.extend(_rows(table))
    return tuple(p for p in paragraphs if p)


def _rows(table: Table) -> Iterator[str]:
    """Each row's cell texts, each cell's text once: a cell spanning columns once, a vertically merged cell in the
    row it starts (python-docx's `_Row.cells` repeats it per column and per row it covers, and reads it again each
    time: a 37 KB file with one 50,000-character cell merged down 2,000 rows made 100 M characters). The walk is
    also the check that python-docx can read the table (ValueError on a merged cell with nothing above it)."""
    above: set[int] = set()  # where the previous row's cells start
    for tr in table._tbl.tr_lst:
        texts: list[str] = []
        row: set[int] = set()
        at = tr.grid_before
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":  # shows the cell above it, whose text was given in the row it starts
                if at not in above:
                    raise ValueError("no cell above a vertically merged cell")
            else:
                texts.append(_Cell(tc, table).text.strip())
            row.add(at)
            at += tc.grid_span
        above = row
        yield "　".join(text for text in texts if text)
