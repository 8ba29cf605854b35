"""Where the words of a Chinese title end, so a headline is not broken inside one ("集 / 中").

Chinese is written without spaces, and the 禁则 rules allow a break between any two Han characters;
for running text that is the norm, but a title or slogan read across a street should break between
words. The words come from jieba's dictionary (through `rjieba`, the Rust port, which loads its
dictionary in about 0.2 s instead of pure-Python jieba's 1–2 s). It is imported only when a title
needs more than one line, so commands that draw nothing never pay for it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from . import terms

# A number and its unit read as one word ("9月", "3天", "12315热线" is two), and a date runs on ("9月8日").
UNITS = frozenset("年月日号时点分秒天周岁个条次元项家")
DATE_PARTS = frozenset("年月")


_SETTING_UP = threading.Lock()


def _cut() -> Callable[[str], list[str]]:
    """rjieba's own segmenter, set up once however many threads draw at the same moment (the console's requests):
    a word added while another thread cuts fails (`RuntimeError: Already borrowed`)."""
    with _SETTING_UP:
        return _segmenter()


@functools.cache
def _segmenter() -> Callable[[str], list[str]]:
    """rjieba's own segmenter (its dictionary loads on import; a second instance would load it again), with the
    campaign's terms (`terms.py`) as words: the general dictionary splits many ("质量 / 月", "地理 / 标志")."""
    import rjieba

    for word in terms.TERMS:
        rjieba.add_word(word, None, None)
    return rjieba.cut


@functools.lru_cache(maxsize=1024)
def word_ends(text: str) -> frozenset[int]:
    """Offsets in `text` at which a word ends (0 and len(text) included): the places a title may break.

    Never inside a campaign term, even where the dictionary's best cut crosses one ("食品 / 安全法"): the word
    splitter and the title breaker (`titlebreak.py`) agree on the terms."""
    ends = {0}
    offset = 0
    for word in _cut()(text):
        offset += len(word)
        ends.add(offset)
    inside = terms.inside(text)
    return frozenset(i for i in ends if not 0 < i < len(text) or not (i in inside or _joined(text[i - 1], text[i])))


def _joined(before: str, after: str) -> bool:
    """Whether no break may fall between these two characters: a number and its unit, a date's parts."""
    return (before.isascii() and before.isdigit() and after in UNITS) or (before in DATE_PARTS and after.isascii() and after.isdigit())
