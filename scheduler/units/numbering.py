"""The numbers of a unit's numbered lists ("1." "2.", "（一）" "（二）"), worked out as Word shows them so
the compiled document can carry them as text: its own numbering definitions are not the unit's, and a
list continued across units would count on from the one before.

A paragraph's numbering is its own (w:numPr) or its style's; the number comes from the list level's
format (numFmt), its text pattern (lvlText, "%1." or "（%1）") and how many items of that list and
level came before it since the last item one level up. Bullets are left to the compiled document's
list styles (their symbol is a character of a symbol font).
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any, NamedTuple

from docx.document import Document as DocumentObject
from docx.oxml.ns import qn

DIGITS = "〇一二三四五六七八九"
STEMS = "甲乙丙丁戊己庚辛壬癸"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
LEGAL = "零壹贰叁肆伍陆柒捌玖"
ROMAN = {1000: "m", 900: "cm", 500: "d", 400: "cd", 100: "c", 90: "xc", 50: "l", 40: "xl", 10: "x", 9: "ix", 5: "v", 4: "iv", 1: "i"}
PLACE = re.compile(r"%([1-9])")
BEFORE_NUMBERING = tuple(qn(f"w:{t}") for t in ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl"))
AFTER_INDENT = tuple(
    qn(f"w:{t}")
    for t in (
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    )
)
SUFFIX = {"tab": "\t", "space": " ", "nothing": ""}


def _val(element: Any, path: str, default: str = "") -> str:
    found = element.find(path) if element is not None else None
    return found.get(qn("w:val"), default) if found is not None else default


def chinese(n: int, digits: str = DIGITS, units: str = "十百千") -> str:
    """12 -> 十二, 20 -> 二十, 105 -> 一百零五 (Word's chineseCounting)."""
    if n <= 0 or n >= 10000:
        return str(n)
    out, zero = "", False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        out += digits[0] if zero else ""
        zero = False
        out += ("" if digit == 1 and power == 1 and not out else digits[digit]) + (units[power - 1] if power else "")
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ROMAN.items():
        out += letters * (n // value)
        n %= value
    return out


def number(n: int, fmt: str) -> str:
    """The counter `n` written in the list level's format."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese(n)
    if fmt == "chineseLegalSimplified":
        return chinese(n, LEGAL, "拾佰仟")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(DIGITS[int(d)] for d in str(n))
    if fmt in ("ideographTraditional", "ideographZodiac") and 1 <= n <= len(STEMS):
        return STEMS[n - 1]
    if fmt == "decimalEnclosedCircle" and 1 <= n <= len(CIRCLED):
        return CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        return _letters(n).upper() if fmt == "upperLetter" else _letters(n)
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    return "" if fmt == "none" else str(n)


class Label(NamedTuple):
    text: str  # "1." "（一）"
    after: str  # a tab, a space or nothing, as the list level says
    indent: Any  # the list level's indentation (w:ind), or None


class Numbers:
    """Walks a unit's paragraphs in document order and says each one's list number, as Word counts it."""

    def __init__(self, source: DocumentObject) -> None:
        self.styles = {s.style_id: s for s in source.styles}
        try:
            self.part = source.part.numbering_part.element
        except (KeyError, NotImplementedError):
            self.part = None
        self.counters: dict[str, dict[int, int]] = {}

    def label(self, paragraph: Any) -> Label | None:
        """The number of a numbered item as Word shows it; None: not one, or a bullet."""
        found = self._num(paragraph)
        if found is None or self.part is None:
            return None
        num_id, ilvl = found
        num = next((n for n in self.part.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id), None)
        if num is None:
            return None
        abstract_id = _val(num, qn("w:abstractNumId"))
        abstract = next((a for a in self.part.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id), None)
        levels = {int(lvl.get(qn("w:ilvl"), "0")): lvl for lvl in abstract.findall(qn("w:lvl"))} if abstract is not None else {}
        starts = {int(o.get(qn("w:ilvl"), "0")): int(_val(o, qn("w:startOverride"), "0") or 0) for o in num.findall(qn("w:lvlOverride"))}
        level = levels.get(ilvl)
        if level is None or _val(level, qn("w:numFmt"), "decimal") == "bullet":
            return None
        # Word counts the lists of one definition together unless a list restarts its own count
        counts = self.counters.setdefault(f"num{num_id}" if starts else f"abstract{abstract_id}", {})
        start = {i: starts.get(i) or int(_val(lvl, qn("w:start"), "1") or 1) for i, lvl in levels.items()}
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else start.get(ilvl, 1)
        for deeper in [i for i in counts if i > ilvl]:
            del counts[deeper]  # a new item one level up starts the next sub-list afresh
        legal = level.find(qn("w:isLgl")) is not None

        def place(found: re.Match[str]) -> str:
            i = int(found.group(1)) - 1
            fmt = "decimal" if legal else _val(levels.get(i), qn("w:numFmt"), "decimal")
            return number(counts.get(i, start.get(i, 1)), fmt)

        text = PLACE.sub(place, _val(level, qn("w:lvlText")))
        indent = level.find(f"{qn('w:pPr')}/{qn('w:ind')}")
        return Label(text, SUFFIX.get(_val(level, qn("w:suff"), "tab"), "\t"), indent)

    def _num(self, paragraph: Any) -> tuple[str, int] | None:
        """The paragraph's (numId, level), its own or through its style; None: no numbering."""
        own = paragraph.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        style = self.styles.get(_val(paragraph, f"{qn('w:pPr')}/{qn('w:pStyle')}"))
        ilvl = _val(own, qn("w:ilvl"))
        num_id = _val(own, qn("w:numId"))
        while not num_id and style is not None:
            of_style = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
            num_id, ilvl = _val(of_style, qn("w:numId")), ilvl or _val(of_style, qn("w:ilvl"))
            style = style.base_style
        return (num_id, int(ilvl or 0)) if num_id and num_id != "0" else None


def write_number(paragraph: Any, label: Label) -> None:
    """Put the item's number at the start of the copied paragraph as text, in its first run's look, and
    its list's indentation unless it has its own; turn off any numbering its style would add in the
    compiled document (numId 0: no list)."""
    text, after, indent = label
    first = paragraph.find(qn("w:r"))
    looks = first.find(qn("w:rPr")) if first is not None else None
    run = paragraph.makeelement(qn("w:r"), {})
    if looks is not None:
        run.append(deepcopy(looks))
    written = paragraph.makeelement(qn("w:t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"})
    written.text = text + (after if after != "\t" else "")
    run.append(written)
    if after == "\t":
        run.append(paragraph.makeelement(qn("w:tab"), {}))
    properties = paragraph.find(qn("w:pPr"))
    if properties is None:
        properties = paragraph.makeelement(qn("w:pPr"), {})
        paragraph.insert(0, properties)
    properties.addnext(run)
    if indent is not None and properties.find(qn("w:ind")) is None:
        after_indent = [n for n, child in enumerate(properties) if child.tag in AFTER_INDENT]
        properties.insert(after_indent[0] if after_indent else len(properties), deepcopy(indent))
    off = properties.makeelement(qn("w:numPr"), {})
    off.append(properties.makeelement(qn("w:numId"), {qn("w:val"): "0"}))
    before = [n for n, child in enumerate(properties) if child.tag in BEFORE_NUMBERING]
    properties.insert(before[-1] + 1 if before else 0, off)  # the schema's order: numPr after these
