"""Word fields in a unit's file, flattened to the text they show.

A field is a piece of the document Word computes: `INCLUDEPICTURE "\\\\server\\share\\x.png"` fetches a
picture (and hands the share the reader's Windows credentials), `HYPERLINK` links anywhere, `DDEAUTO`
starts a program. None of that may travel into the compiled document. A simple field (`w:fldSimple`)
is unwrapped by copy_body, its runs kept; a complex field is written over several runs:

    <w:fldChar begin/> <w:instrText> HYPERLINK "…" </w:instrText> <w:fldChar separate/> result runs <w:fldChar end/>

Its markers and instruction go, and so does everything between `begin` and `separate` (fields nest: a
field inside another's instruction is part of that instruction); the result, between `separate` and
`end`, stays as the text Word last showed. A field with no `separate` shows nothing.
"""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn

FLD_CHAR = qn("w:fldChar")
TYPE = qn("w:fldCharType")
INSTRUCTIONS = (qn("w:instrText"), qn("w:delInstrText"))
RUN_PROPERTIES = qn("w:rPr")


class Fields:
    """The fields open at the point reached, outermost first: True while in a field's instruction."""

    def __init__(self) -> None:
        self.open: list[bool] = []

    def flatten(self, block: Any) -> None:
        """Remove the field markers, instructions and instruction-only runs from `block`, in document order
        (the state carries on to the next block: a field may span paragraphs)."""
        for run in list(block.iter(qn("w:r"))):
            if run.getparent() is None:
                continue
            for child in list(run):
                if child.tag == FLD_CHAR:
                    self._mark(child.get(TYPE, ""))
                    run.remove(child)
                elif child.tag in INSTRUCTIONS or (child.tag != RUN_PROPERTIES and any(self.open)):
                    run.remove(child)
            if all(child.tag == RUN_PROPERTIES for child in run):
                run.getparent().remove(run)

    def _mark(self, kind: str) -> None:
        if kind == "begin":
            self.open.append(True)
        elif kind == "separate" and self.open:
            self.open[-1] = False
        elif kind == "end" and self.open:
            self.open.pop()
