"""The guides' examples work as a new user copies them: on the bundled config, whatever today's date is."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from .conftest import ROOT, run_qm


def _examples(section: str, command: str) -> list[list[str]]:
    """The `command` lines of the guide whose title starts with `section` (docs/guide/), as argument lists
    (comments dropped)."""
    guides = sorted((ROOT / "docs" / "guide").glob("*.md"))
    text = next(t for p in guides if (t := p.read_text(encoding="utf-8")).split("\n# ", 1)[-1].startswith(section))
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith(f"qm {command}")]


def test_the_first_screen_build_example_works_on_the_bundled_config(project: Callable[..., Path]) -> None:
    config = project()
    first = _examples("qm screen", "screen build")[0]
    assert "-c" not in first, first  # the one meant for the bundled config
    result = run_qm(*first, "-c", config, cwd=config.parent)
    assert result.returncode == 0, result.stderr
    assert "已生成：电子屏 center 的播放列表" in result.stdout and "已生成：电子屏 station 的播放列表" in result.stdout
    held = [line for line in result.stdout.splitlines() if line.startswith("  2027")]  # not yet approved: listed
    assert len(held) > 1 and len({line.index(line.split()[1]) for line in held}) == 1, held  # titles in one column
