"""Text measures the platforms apply, shared by rendering, lint and the channels."""

from __future__ import annotations

import math
import re

URL_RE = re.compile(r"https?://[^\s\u3000-\u303f\uff00-\uffef]+")
TOPIC_RE = re.compile(r"#[^#\s]{1,40}#")


def weibo_length(text: str) -> int:
    """Length as Weibo's counter shows it.

    Code points below 0x80 weigh one half-unit, others two; a URL weighs 20 half-units whatever its
    length; the total is rounded up to whole characters.
    """
    halves = 0
    rest = URL_RE.sub("", text)
    halves += 20 * len(URL_RE.findall(text))
    halves += sum(1 if ord(ch) < 0x80 else 2 for ch in rest)
    return math.ceil(halves / 2)


def has_weibo_topic(text: str) -> bool:
    return bool(TOPIC_RE.search(text))


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))
