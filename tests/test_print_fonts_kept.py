"""The faces a print PDF embeds are cut from the bundled collection once and kept in the state folder:
the next print of the same words takes them (no cutting), a damaged one is cut again, and the PDF says
the same words in the same fonts either way."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.poster.kept_fonts import PRINT

from .conftest import run_qm

ITEMS = "anti-fake-sc-code"


def _print(config: Path, out: Path) -> str:
    done = run_qm("print", "knowledge-card", "--items", ITEMS, "--size", "a3", "-o", out, "-c", config)
    assert done.returncode == 0, done.stderr
    words = subprocess.run(["pdftotext", out, "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", out], capture_output=True, text=True, check=True).stdout
    return words + "".join(line.split()[1] for line in fonts.splitlines()[2:])  # the embedded fonts' types


def _kept(config: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (config.parent / ".qm" / PRINT.folder).glob(f"*{PRINT.suffix}")}


def test_a_second_print_takes_the_kept_faces_and_a_damaged_one_is_cut_again(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    first = _print(config, tmp_path / "1.pdf")
    kept = _kept(config)
    assert len(kept) == 3  # regular, bold and heavy
    assert _print(config, tmp_path / "2.pdf") == first
    assert _kept(config) == kept  # taken, not written again (a new cut is written under a new inode)

    damaged = next(iter(kept))
    path = config.parent / ".qm" / PRINT.folder / damaged
    path.write_bytes(path.read_bytes()[:-100])
    assert _print(config, tmp_path / "3.pdf") == first
    again = _kept(config)
    # the damaged one removed and cut again, whole (its name may come back: the head table dates a cut to the second;
    # nor does its inode tell, the one freed is taken again at once)
    assert len(again) == 3 and all(_whole(config, name) for name in again)
    key = damaged.split("-")[0]
    assert len([name for name in again if name.startswith(key)]) == 1
    assert all(again[name] == kept[name] for name in kept if name != damaged)  # the others taken as they were


def _whole(config: Path, name: str) -> bool:
    """The kept file's bytes are those its name's digest was taken of."""
    path = config.parent / ".qm" / PRINT.folder / name
    return PRINT._name(name.split("-")[0], path.read_bytes()) == name


def test_a_face_cut_again_later_is_the_same_bytes_so_a_signed_sheet_stays_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cut face carried the time of the cut (head.modified): a sheet remade after its kept face was evicted
    differed in bytes with the same words, and `qm sign` said 签发后又改过."""
    import time

    from scheduler.poster.fonts import bundled_font
    from scheduler.poster.pdffont import truetype

    font = bundled_font()
    assert font is not None
    first = truetype(str(font.path), font.index, "bold", "质量月12315")
    truetype.cache_clear()
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert truetype(str(font.path), font.index, "bold", "质量月12315") == first


def test_a_face_cut_from_the_font_in_another_place_makes_the_same_pdf_bytes(tmp_path: Path) -> None:
    """The cut face's PostScript name, written in the PDF, was digested from the font file's path: a sheet made
    again in another venv, on another machine or with a moved campaign folder differed in bytes (签发后又改过)."""
    import io

    from reportlab.pdfgen import canvas

    from scheduler.poster.fonts import FontFile, bundled_font
    from scheduler.poster.pdffont import register

    font = bundled_font()
    assert font is not None
    sheets = []
    for place in ("one", "another"):
        (tmp_path / place).mkdir()
        (tmp_path / place / font.path.name).symlink_to(font.path)
        name = register(FontFile(tmp_path / place / font.path.name, font.index, font.origin), "bold", "质量月12315")
        out = io.BytesIO()
        sheet = canvas.Canvas(out, invariant=True)
        sheet.setFont(name, 24)
        sheet.drawString(72, 72, "质量月12315")
        sheet.save()
        sheets.append(out.getvalue())
    assert sheets[0] == sheets[1]
