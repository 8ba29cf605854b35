"""Font faces in memory: widths measured on one face per weight that is let go, real sizes only for
drawing, and no more of those kept than `DRAWING_FACES` (each grows by megabytes as it draws)."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import ImageFont

from scheduler import poster
from scheduler.inputs.config import load_campaign
from scheduler.poster import batch, fonts
from scheduler.poster.make import Job
from scheduler.poster.texts import PosterText
from scheduler.support.values import ImageRef

WORDS = "买盐看包装，吃盐要适量：碘盐要会选（GB 2721）"


def live_faces() -> list[ImageFont.FreeTypeFont]:
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, ImageFont.FreeTypeFont)]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every face opened from now on, by size (the real function still opens it)."""
    sizes: list[int] = []
    real = fonts._open_face

    def counting(path: str, index: int, size: int, weight: str) -> Any:
        sizes.append(size)
        return real(path, index, size, weight)

    monkeypatch.setattr(fonts, "_open_face", counting)
    monkeypatch.setattr(fonts, "_UNITS", {})
    fonts.load_font.cache_clear()
    return sizes


def test_widths_come_from_one_face_per_weight_measured_ahead_and_let_go(opened: list[int]) -> None:
    font = fonts.candidates(None)[0]
    fonts.measure_ahead(font, [WORDS, "质量月"])
    assert opened == [fonts.REF_PX] * len(fonts.WEIGHTS)  # one face per weight, whatever the sizes asked for later
    widths = {(size, weight): fonts.measure(font, weight, size)(WORDS) for size in (17, 40, 96) for weight in fonts.WEIGHTS}
    assert len(opened) == len(fonts.WEIGHTS)
    assert all(f.size != fonts.REF_PX for f in live_faces())  # the measuring faces were let go
    for (size, weight), width in widths.items():  # exactly what drawing at that size sets
        assert width == font.load(size, weight).getlength(WORDS), (size, weight)

    fonts.measure(font, "bold", 30)("新字")  # characters not measured ahead: a face opened for them, let go
    assert opened.count(fonts.REF_PX) == len(fonts.WEIGHTS) + 1 and all(f.size != fonts.REF_PX for f in live_faces())


def test_drawing_many_posters_keeps_only_a_few_faces_loaded(project: Callable[..., Path], tmp_path: Path, opened: list[int]) -> None:
    campaign = load_campaign(project())
    texts = [PosterText(f"t{n}", f"{WORDS[: 4 + n]}", WORDS[n:], WORDS, WORDS * 2) for n in range(6)]
    jobs = [Job(t, layout, "wechat-square", tmp_path / f"{t.id}-{layout}.png") for t in texts for layout in ("slogan", "knowledge-card")]
    made = batch.make_all(campaign, jobs, workers=1)
    assert len(made.drawn) == len(jobs)
    drawn_sizes = {size for size in opened if size != fonts.REF_PX}
    assert len(drawn_sizes) > fonts.DRAWING_FACES  # the texts were drawn at many sizes ...
    assert len(live_faces()) <= fonts.DRAWING_FACES  # ... but only the last few faces stay loaded
    assert opened.count(fonts.REF_PX) == len(fonts.WEIGHTS)  # widths: measured ahead, once per weight


def test_the_daemons_posters_ask_fontconfig_once_and_still_use_its_fonts(
    project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each poster the daemon publishes looks for fonts; `fc-list` (a program) runs once per process."""
    asked = tmp_path / "asked"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fc_list = bin_dir / "fc-list"  # a real program on PATH: it notes each run and names one font file
    fc_list.write_text(f'#!/bin/sh\necho run >> "{asked}"\necho "{tmp_path}/SystemHei.ttc: 0"\n', encoding="utf-8")
    fc_list.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    fonts.fontconfig_files.cache_clear()
    monkeypatch.setattr(fonts, "SYSTEM_FILES", ())
    try:
        campaign = load_campaign(project())
        texts = [PosterText(f"t{n}", WORDS[: 4 + n], WORDS, WORDS, WORDS) for n in range(3)]
        for text in texts:
            assert poster.ensure(campaign, text, ImageRef(f"poster:{text.id}", text.id, "slogan", "square")).is_file()
        assert asked.read_text(encoding="utf-8").splitlines() == ["run"]
        assert fonts.candidates(None)[-1] == fonts.FontFile(tmp_path / "SystemHei.ttc", 0, "系统字体")
    finally:
        fonts.fontconfig_files.cache_clear()  # the next test asks the machine's own fontconfig
