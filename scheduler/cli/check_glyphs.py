"""The glyph part of `qm check`: can every poster text of the library be drawn?

Whether a text can be drawn depends on its characters only: none invisible, and one font that has
every character it needs (`glyphs.text_problems`). So the check keeps, per font it tries first, the
characters of the library that font is known to have (under those fonts' files: path, face, size,
times, inode). A text whose characters one of those fonts is known to have, none invisible, passes
without the font file being read; only texts with a character not seen before are checked against
the fonts, and their characters are added. The fonts' character maps are read only then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..support.errors import Problem
from .check_parts import Parts, file_state

if TYPE_CHECKING:
    from ..poster.fonts import FontFile
    from ..poster.texts import PosterText
    from .context import Context


def needed(text: PosterText, probe: str) -> tuple[set[str], set[str]]:
    """The distinct characters of `text`, and those drawing it needs from one font (as
    `glyphs.text_problems` counts them: no spaces, the probe's added)."""
    distinct = set(text.title + text.headline + text.line + text.summary)
    return distinct, {ch for ch in distinct if not ch.isspace()} | set(probe)


def drawn_before(distinct: set[str], chars: set[str], covered: Sequence[set[str]], invisible: dict[str, bool]) -> bool:
    """True if one font is known to have every character the text needs (`chars`) and none of its
    characters (`distinct`) is invisible; `invisible` remembers each character's answer."""
    from ..poster import glyphs

    if not any(chars <= have for have in covered):
        return False
    for ch in distinct:
        hidden = invisible.get(ch)
        if hidden is None:
            hidden = invisible[ch] = glyphs.invisible(ch)
        if hidden:
            return False
    return True


def glyph_problems(ctx: Context, parts: Parts) -> list[Problem]:
    """Every character of every poster text of the library, against the fonts that would draw it."""
    from ..poster import fonts
    from ..poster.texts import PosterText

    font = ctx.campaign.brand.font
    # The configured and bundled fonts come first and usually have every character: the system's
    # fonts (a fc-list run) are looked for only when they have not. The verdict is the same.
    first = fonts.candidates(font, system=False)
    tried = "\0".join(f"{f.path}:{f.index}:{file_state(f.path)}" for f in first)
    known = [set(chars) for chars in parts.covered(tried, len(first))]
    texts = [(text, *needed(text, fonts.PROBE)) for text in map(PosterText.of, ctx.library.items)]
    invisible: dict[str, bool] = {}
    new = [(text, chars) for text, distinct, chars in texts if not drawn_before(distinct, chars, known, invisible)]
    if new:
        from ..poster import glyphs

        if glyphs.text_problems([text for text, _ in new], first):
            return glyphs.text_problems([text for text, _ in new], fonts.candidates(font))
    everything = set().union(*(chars for _, _, chars in texts))
    parts.keep_covered(tried, [_has(f, have, everything, new) for f, have in zip(first, known, strict=True)])
    return []


def _has(font: FontFile, have: set[str], everything: set[str], new: Iterable[tuple[PosterText, set[str]]]) -> str:
    """The characters of the library `font` is known to have: those known before that are still used,
    and those of the texts just checked that it has (its character map is read already)."""
    from ..poster.fonts import covers

    fresh = set().union(*(chars for _, chars in new)) - have
    return "".join(sorted((have & everything) | {ch for ch in fresh if covers(font, ch)}))
