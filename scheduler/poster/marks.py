"""How punctuation marks are drawn, beside where lines break (`linebreak`): the half-empty em of a mark at
either end of a line, and the forms marks take in vertical columns."""

from __future__ import annotations

from collections.abc import Callable

# Full-width marks whose ink fills one half of the em (GB/T 15834, clreq §3.1.6): a closing mark or a stop at a
# line's end, an opening mark at a line's start, leaves half an em blank at that end.
TRAILING_HALF = "，。、；：！？"
LEADING_HALF = "“‘「『（〔【〖［｛《〈"


def blank_ends(line: str, em: float) -> tuple[float, float]:
    """The blank at the start and at the end of a line (pixels, or any unit of `em`), not counted as its width.

    An opening mark at a line's start is set at half width (clreq's 行首开始标点): drawn half an em to the
    left, so its ink lines up with the lines below (a title starting with “ does not look indented)."""
    lead = em / 2 if line and line[0] in LEADING_HALF else 0.0
    trail = em / 2 if line and line[-1] in TRAILING_HALF else 0.0
    return lead, trail


VERTICAL_FORMS = {
    "，": "︐",
    "、": "︑",
    "。": "︒",
    "：": "︓",
    "；": "︔",
    "！": "︕",
    "？": "︖",
    "「": "﹁",
    "」": "﹂",
    "『": "﹃",
    "』": "﹄",
    "“": "﹁",
    "”": "﹂",
    "‘": "﹃",
    "’": "﹄",
    "（": "︵",
    "）": "︶",
    "《": "︽",
    "》": "︾",
    "〈": "︿",
    "〉": "﹀",
    "【": "︻",
    "】": "︼",
    "〔": "︹",
    "〕": "︺",
    "—": "︱",
    "…": "︙",
    "～": "≀",
}


def vertical_forms(text: str, has: Callable[[str], bool] = lambda _: True) -> str:
    """Punctuation as it is set in vertical columns (quotes become corner brackets, as in mainland vertical text).

    A mark keeps its horizontal form when `has` says the font lacks the vertical one."""
    out = []
    for ch in text:
        form = VERTICAL_FORMS.get(ch)
        out.append(form if form and has(form) else ch)
    return "".join(out)
