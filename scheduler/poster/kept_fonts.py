"""Fonts cut from the bundled collection, kept in the state folder once cut: the work summary's chart font
(`report.charts.chart_font`) and the faces a print PDF embeds (`pdffont.register`).

Cutting a font (subsetting the bundled variable collection, fixing its weight, for PDFs also turning its
outlines into TrueType ones) takes seconds; the cut font is a small file that depends only on what it was
cut from. It is kept in the state folder, in its kind's folder (`chart-fonts/`, `print-fonts/`), under a
fingerprint of everything the cut depends on: the font file (its content and face index, `FontFile.identity`),
the sorted characters cut, fontTools' version, `FORMAT` (raise it when the cutting changes) and what the
kind adds (a print face's weight and the PDF conversion's own format). A command whose words use the same
characters takes the kept file and never loads fontTools' subsetter, nor the collection itself: a chart's
missing-glyph check is not repeated either, since a font is kept only after that check passed for exactly
its characters.

Each file is named `<fingerprint>-<digest of its bytes><suffix>`: a damaged one (truncated, edited) no
longer matches its name, is removed and cut again. The newest `keep` files of a kind are kept (a file taken
is made the newest), older ones removed. A state folder that cannot be written only costs the keeping.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..support.errors import QmError
from .fonts import FontFile

FORMAT = 1
_HEX = 32  # hex digits of the fingerprint and of the digest in a file's name


@dataclass(frozen=True)
class Kind:
    """One kind of kept font: its folder in the state folder, its files' suffix, how many are kept."""

    folder: str
    suffix: str
    keep: int

    def fingerprint(self, font_file: FontFile, chars: str, *parts: str) -> str:
        """Of what a cut of `chars` from `font_file` depends on (see the module's text); `parts`: what else."""
        import fontTools  # the package only: its version

        digest = hashlib.sha256()
        for part in (str(FORMAT), str(fontTools.version), font_file.identity, "".join(sorted(set(chars))), *parts):
            data = part.encode("utf-8", "surrogateescape")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()[:_HEX]

    def taken_or_cut(self, state: Path | None, key: str, cut: Callable[[], bytes]) -> bytes:
        """The font kept under `key` in `state`, else `cut()`, then kept there (no `state`: cut, not kept)."""
        data = self.kept(state, key) if state is not None else None
        if data is None:
            data = cut()
            if state is not None:
                self.keep_font(state, key, data)
        return data

    def kept(self, state: Path, key: str) -> bytes | None:
        """The bytes of the font kept under `key`, whole; None when there is none (a damaged one is removed)."""
        for path in _fonts(state / self.folder, f"{key}-*{self.suffix}"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if path.name == self._name(key, data):
                with contextlib.suppress(OSError):
                    os.utime(path)  # taken: the newest, the last to be removed
                return data
            with contextlib.suppress(OSError):
                path.unlink()
        return None

    def keep_font(self, state: Path, key: str, data: bytes) -> None:
        """Keep `data` under `key`, and remove all but the newest `keep` kept fonts of this kind."""
        from ..support.atomic_files import atomic_write_bytes

        folder = state / self.folder
        try:
            atomic_write_bytes(folder / self._name(key, data), data, durable=False)
        except QmError:
            return
        for old in sorted(_fonts(folder, f"*{self.suffix}"), key=_mtime, reverse=True)[self.keep :]:
            with contextlib.suppress(OSError):
                old.unlink()

    def _name(self, key: str, data: bytes) -> str:
        return f"{key}-{hashlib.sha256(data).hexdigest()[:_HEX]}{self.suffix}"


CHART = Kind("chart-fonts", ".otf", 4)
PRINT = Kind("print-fonts", ".ttf", 12)  # three weights a sheet, a few sheets' words


def _fonts(folder: Path, pattern: str) -> list[Path]:
    try:
        return [p for p in folder.glob(pattern) if not p.name.startswith(".")]
    except OSError:
        return []


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
