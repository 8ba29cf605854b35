"""Can a poster's words be drawn? Every character against the fonts that would draw it.

A poster is drawn in one font: the first of the candidates that has every character it needs
(`fonts.choose`). A character no candidate has (an emoji, a rare ideograph such as 𠀀) would fail the
poster at publishing time, and an invisible one (zero-width space, joiner, direction marks) would be
drawn as nothing or a box; both are found here, before, with the content's file:line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..support.errors import PosterError, Problem
from ..support.hidden_chars import described, hidden
from . import fonts
from .texts import PosterText

# The words of a content item that layouts draw, and what a person calls them.
FIELDS = {"title": "标题", "headline": "电子屏标题", "line": "一句话", "summary": "摘要"}
HINT = "删去或换掉这些字符；确实需要的字，可在 config.yaml 的 brand.font 指定一个包含它们的字体文件"


def invisible(ch: str) -> bool:
    """Format and control characters (zero-width space/joiners, direction marks, BOM, soft hyphen), line and
    paragraph separators, blank fillers (`hidden_chars`), and private or unassigned code points."""
    return hidden(ch) or unicodedata.category(ch) in ("Co", "Cs", "Cn")


def _shown(chars: Iterable[str]) -> str:
    """😀（U+1F600）."""
    return "、".join(f"{ch}（U+{ord(ch):04X}）" for ch in chars)


def text_problems(texts: Iterable[PosterText], font_files: Sequence[fonts.FontFile]) -> list[Problem]:
    """One problem per poster text with characters that cannot be drawn, naming the field and the characters."""
    texts = list(texts)
    if not font_files:  # no Chinese font at all: said once, of the fonts (the words are not at fault)
        return [fonts.no_font_problem()] if texts else []
    problems: list[Problem] = []
    drawable: dict[str, bool] = {}  # each distinct character is looked up once, however many texts use it
    for text in texts:
        seen: set[str] = set()
        for name, label in FIELDS.items():
            value, where = getattr(text, name), text.where(name)
            if value in seen:  # a headline that is the title: said once
                continue
            seen.add(value)
            hidden = [i for i, ch in enumerate(value) if invisible(ch)]
            missing = sorted({ch for ch in value if not ch.isspace() and not invisible(ch) and not _drawable(ch, font_files, drawable)})
            what = f"内容 {text.id} 的{label}" if text.id else label
            if hidden:  # named, and where: a person cannot see them
                problems.append(Problem(f"{what}中有看不见的字符：{described(value, hidden)}，海报上画不出来", where, "删去这些字符"))
            if missing:
                problems.append(Problem(f"{what}中有海报字体没有的字：{_shown(missing)}，海报无法生成", where, HINT))
    if not problems:
        problems += _one_font(texts, font_files)
    return problems


def drawing_problems(texts: Iterable[PosterText], font: Path | None) -> list[Problem]:
    """`text_problems` against the fonts a poster would try, configured font `font` first.

    The configured and bundled fonts usually have every character: the system's fonts (a fc-list
    run) are looked for only when they have not. The verdict is the same as trying them all at once.
    """
    texts = list(texts)
    if not text_problems(texts, fonts.candidates(font, system=False)):
        return []
    return text_problems(texts, fonts.candidates(font))


def _drawable(ch: str, font_files: Sequence[fonts.FontFile], known: dict[str, bool]) -> bool:
    found = known.get(ch)
    if found is None:
        found = known[ch] = any(fonts.covers(font, ch) for font in font_files)
    return found


def _one_font(texts: list[PosterText], font_files: Sequence[fonts.FontFile]) -> list[Problem]:
    """Each text needs one font with all its characters (a poster is drawn in one font): the first
    font that has every character of the text, as `fonts.choose` picks it; it says why when none has."""
    problems = []
    covered: dict[fonts.FontFile, set[str]] = {}  # per font, the characters of the texts it has

    def has_all(font: fonts.FontFile, needed: set[str]) -> bool:
        have = covered.setdefault(font, set())
        for ch in needed - have:
            if not fonts.covers(font, ch):
                return False
            have.add(ch)
        return True

    for text in texts:
        needed = "".join(getattr(text, name) for name in FIELDS)
        chars = {ch for ch in needed + fonts.PROBE if not ch.isspace()}
        if any(has_all(font, chars) for font in font_files):
            continue
        try:
            fonts.choose(font_files, needed)
        except PosterError as exc:
            problems.append(Problem(f"内容 {text.id} 的文字：{exc}", text.source or text.id))
    return problems
