"""Writing command output: to the terminal, or atomically to a file."""

from __future__ import annotations

import sys
from pathlib import Path

from ..fsutil import atomic_write_text


def write_output(text: str, path: Path | None, what: str) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    atomic_write_text(path, text)
    print(f"已写入{what}：{path}", file=sys.stderr)
