"""The glyph part of `qm check`: can every poster text of the library be drawn?

Whether a text can be drawn depends on its characters only: none invisible, and one font that has
every character it needs (`glyphs.text_problems`; the fonts tried first, the configured and the
bundled one, usually have them all). So the check keeps, per font tried first, which characters of
the library it has (under those fonts' files: path, face, size, times, inode). A text whose
characters one of those fonts has, none invisible, passes; a font's character map is read only for
characters not seen before. Only the texts that do not pass go to `glyphs.text_problems`, which says
what is wrong with them (first against the fonts tried first, then the system's): the same verdict
as checking every text, since a text that passes adds nothing to it.

A configured font (`brand.font`) without the Simplified Chinese every poster needs is never drawn with:
the check says so at its line in config.yaml, from the characters it already knows the font has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..support.errors import Problem
from .check_parts import Parts, file_state

if TYPE_CHECKING:
    from ..inputs.poster_settings import Brand
    from ..poster.fonts import FontFile
    from ..poster.texts import PosterText
    from .context import Context

Text = tuple["PosterText", set[str], set[str]]  # a poster text, its distinct characters, those a font must have


def needed(text: PosterText, probe: str) -> Text:
    """`text` with its distinct characters and those drawing it needs from one font (as
    `glyphs.text_problems` counts them: no spaces, the probe's added)."""
    distinct = set(text.title + text.headline + text.line + text.summary)
    return text, distinct, {ch for ch in distinct if not ch.isspace()} | set(probe)


def glyph_problems(ctx: Context, parts: Parts) -> list[Problem]:
    """Every character of every poster text of the library, against the fonts that would draw it."""
    from ..poster import fonts, glyphs
    from ..poster.texts import PosterText

    font = ctx.campaign.brand.font
    # The configured and bundled fonts come first and usually have every character; which of their
    # characters the library uses is kept between runs. The system's fonts: see drawing_problems.
    first = fonts.candidates(font, system=False)
    tried = "\0".join(f"{f.path}:{f.index}:{file_state(f.path)}" for f in first)
    texts = [needed(text, fonts.PROBE) for text in map(PosterText.of, ctx.library.items)]
    everything = set().union(*(chars for _, _, chars in texts))
    covered = [set(chars) & everything for chars in parts.covered(tried, len(first))]
    pending = texts
    for face, have in zip(first, covered, strict=True):  # each font: the characters of the texts no font before has
        fresh = set().union(*(chars for _, _, chars in pending)) - have
        have |= {ch for ch in fresh if fonts.covers(face, ch)}  # reads the character map only for characters not seen before
        pending = [text for text in pending if not text[2] <= have]
    parts.keep_covered(tried, ["".join(sorted(have)) for have in covered])
    unused = _unused_font(ctx.campaign.brand, first, covered[0] if font else set())
    hidden = {ch for ch in set().union(*(distinct for _, distinct, _ in texts)) if glyphs.invisible(ch)}
    no_font = {id(text) for text, _, _ in pending}
    failing = [text for text, distinct, _ in texts if id(text) in no_font or distinct & hidden]
    return unused + (glyphs.drawing_problems(failing, font) if failing else [])


def _unused_font(brand: Brand, first: list[FontFile], have: set[str]) -> list[Problem]:
    """The configured font when no poster would be drawn in it: it lacks the Simplified Chinese every poster
    needs (`fonts.PROBE`), so every poster takes the next font. `have`: its characters the check already knows."""
    from ..poster import fonts

    if brand.font is None or not first:
        return []
    configured, *others = first
    missing = [ch for ch in fonts.PROBE if ch not in have and not fonts.covers(configured, ch)]
    if not missing:
        return []
    no_chinese = all(ch in missing for ch in fonts.PROBE if ch.isalpha())
    what = "没有中文字" if no_chinese else f"缺少常用的中文字和标点：{''.join(missing)}"
    instead = f"，都改用{others[0].origin} {others[0].path.name}" if others else ""
    return [
        Problem(
            f"brand.font 指定的字体 {brand.font.name} {what}，海报不会用它画{instead}",
            brand.font_where,
            "换成一个包含中文的字体文件（.ttf、.otf 或 .ttc），或删去 brand.font 使用内置字体",
        )
    ]
