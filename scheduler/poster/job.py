"""A poster to make: whose words, which layout and size, and where its file goes.

Apart from `make.py` (which draws, with Pillow) so that whoever only hands jobs on, such as the
daemon asking its drawing child for the posters of the coming posts, loads no drawing code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .texts import PosterText


@dataclass(frozen=True)
class Job:
    text: PosterText
    layout: str
    size: str
    out: Path  # the .png path; a JPEG (when only that fits the limit) or PDF lands beside it
