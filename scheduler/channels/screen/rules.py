"""Outdoor screen rules, without I/O: what fits on a slide. `qm check` and publishing both apply them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...inputs.content import HEADLINE_MAX, LINE_MAX
from .config import ScreenConfig


def problems(config: ScreenConfig, payload: Mapping[str, Any], files: Mapping[str, Path]) -> list[str]:
    """Every reason a slide would not fit the screen; empty when it fits."""
    found = []
    if len(str(payload.get("headline", ""))) > HEADLINE_MAX:
        found.append(f"电子屏标题超过 {HEADLINE_MAX} 字")
    if len(str(payload.get("line", ""))) > LINE_MAX:
        found.append(f"电子屏文字超过 {LINE_MAX} 字")
    return found
