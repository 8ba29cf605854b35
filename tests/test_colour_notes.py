"""The commands that draw note brand colours that hide words; the verdict is kept in the state folder
and found again only when a brand colour or a layout file changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli import colour_notes
from scheduler.cli.context import Context
from scheduler.cli.output import warn_colours
from scheduler.poster import brand_contrast

from .conftest import calls, run_qm

NOTE = "品牌颜色让海报上的一些文字看不清"
FOOTER = "的 footer：brand.background #FFFFFF 的文字在 brand.secondary {} 上"


def _clashing(project: Callable[..., Path], secondary: str = "#FFFFFF") -> Path:
    return project(lambda t: t.replace('secondary: "#1F4E9D"', f'secondary: "{secondary}"'))  # the footer band under white words


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The layouts loaded to find the clashes."""
    return calls(monkeypatch, brand_contrast, "load_layout", 1)


def _noted(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    warn_colours(Context(config))
    return capsys.readouterr().err


def test_the_verdict_is_kept_until_a_colour_or_a_layout_changes(
    project: Callable[..., Path], loads: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = _clashing(project)
    first = _noted(config, capsys)
    assert NOTE in first and FOOTER.format("#FFFFFF") in first and len(loads) >= 18  # every layout of the 3 families in use
    loads.clear()
    assert _noted(config, capsys) == first and loads == []  # nothing changed: no layout loaded, the same note

    _clashing(project, "#FFFFFE")  # another colour, as bad
    changed = _noted(config, capsys)
    assert FOOTER.format("#FFFFFE") in changed and loads
    loads.clear()
    assert _noted(config, capsys) == changed and loads == []

    layout = config.parent / "templates" / "posters" / "knowledge-card.yaml"
    layout.write_text(layout.read_text(encoding="utf-8").replace("secondary", "primary"), encoding="utf-8")  # the footer on red
    redrawn = _noted(config, capsys)
    assert loads and "版式 知识卡片（knowledge-card，" not in redrawn, redrawn
    loads.clear()

    _clashing(project, "#1F4E9D")  # the colour as shipped: nothing to note
    assert _noted(config, capsys) == "" and loads
    loads.clear()
    assert _noted(config, capsys) == "" and loads == []


def test_a_drawing_command_notes_the_kept_verdict(project: Callable[..., Path], tmp_path: Path) -> None:
    config = _clashing(project)
    drawn = run_qm("poster", "goods-salt-iodised", "--size", "square", "-o", tmp_path / "x.png", "-c", config)
    assert drawn.returncode == 0 and NOTE in drawn.stderr and FOOTER.format("#FFFFFF") in drawn.stderr, drawn.stderr
    kept = config.parent / ".qm" / colour_notes.FILE
    data = json.loads(kept.read_text(encoding="utf-8"))
    data["problems"][0][0] = "保存的结论"  # its fingerprint kept: a run that says this used it
    kept.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = run_qm("poster", "goods-salt-iodised", "--size", "square", "-o", tmp_path / "x.png", "--force", "-c", config)
    assert again.returncode == 0 and NOTE in again.stderr and "保存的结论" in again.stderr, again.stderr
