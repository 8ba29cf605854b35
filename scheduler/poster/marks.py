"""How punctuation marks are drawn, beside where lines break (`linebreak`): the forms marks take in vertical columns."""

from __future__ import annotations

from collections.abc import Callable

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
