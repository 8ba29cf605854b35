"""The alt text of a content item's pictures, read aloud by screen readers: the title and the
summary's first sentence, ending like a sentence however it was cut."""

from __future__ import annotations

import re

# A sentence ends at 。！？ (or …); the summary's first part may also end at ；, and closing quotes or
# brackets after the mark belong to it.
_ENDS = "。！？…"
_CLOSING = "”’」』）》"
_FIRST = re.compile(rf"^.*?[{_ENDS}；]+[{_CLOSING}]*", re.S)
# Marks that leave a sentence hanging when it stops at them: the alt text says 。 there instead.
_HANGING = "；，、：,;:"


def picture_alt(title: str, summary: str) -> str:
    """`标题：摘要的第一句。`, or the title alone when there is no summary."""
    found = _FIRST.match(summary.strip())
    first = (found.group(0) if found else summary).strip()
    bare = first.rstrip(_CLOSING)  # closing quotes and brackets stay after the mark
    words = bare.rstrip(_ENDS + _HANGING)
    if not words:
        return title
    if bare == words:  # no mark: the summary ends without one
        first += "。"
    elif not bare.endswith(tuple(_ENDS)):  # cut at ； (or left at a comma): a full stop instead
        first = words + "。" + first[len(bare) :]
    return f"{title}：{first}"
