"""The glyph part of `qm check`: can every poster text of the library be drawn?

Whether a text can be drawn depends on its characters only: none invisible, and one font that has
every character it needs (`glyphs.text_problems`; the fonts tried first, the configured and the
bundled one, usually have them all). So the check keeps, per font tried first, which characters of
the library it has (under those fonts' files: path, face, size, times, inode). A text whose
characters one of those fonts has, none invisible, passes; a font's character map is read only for
characters not seen before. Only the texts that do not pass go to `glyphs.text_problems`, which says
what is wrong with them (first against the fonts tried first, then the system's): the same verdict
as checking every text, since a text that passes adds nothing to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..support.errors import Problem
from .check_parts import Parts, file_state

if TYPE_CHECKING:
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
    hidden = {ch for ch in set().union(*(distinct for _, distinct, _ in texts)) if glyphs.invisible(ch)}
    no_font = {id(text) for text, _, _ in pending}
    failing = [text for text, distinct, _ in texts if id(text) in no_font or distinct & hidden]
    return glyphs.drawing_problems(failing, font) if failing else []
