"""The work summary's chart font, kept in the state folder once cut (`charts.chart_font`).

Cutting the font (subsetting the bundled variable collection and fixing its weight) takes seconds; the
cut font is a small file that depends only on what it was cut from. It is kept in the state folder's
`chart-fonts/` under a fingerprint of everything the cut depends on: the font file (path, size,
modification time, face index), the sorted characters cut, fontTools' version and `FORMAT` (raise it
when the cutting changes). A report whose labels use the same characters takes the kept file and never
loads fontTools' subsetter or instancer, nor the collection itself: the missing-glyph check is not
repeated either, since a font is kept only after that check passed for exactly its characters.

Each file is named `<fingerprint>-<digest of its bytes>.otf`: a damaged one (truncated, edited) no longer
matches its name, is removed and cut again. The newest `KEEP` files are kept (a file taken is made the
newest), older ones removed. A state folder that cannot be written only costs the keeping.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from ..poster.fonts import FontFile
from ..support.errors import QmError

FOLDER = "chart-fonts"  # in the state folder
FORMAT = 1
KEEP = 4
_HEX = 32  # hex digits of the fingerprint and of the digest in a file's name


def fingerprint(font_file: FontFile, chars: str) -> str:
    """Of what a cut of `chars` from `font_file` depends on (see the module's text)."""
    import fontTools  # the package only (matplotlib has imported it): its version

    digest = hashlib.sha256()
    for part in (str(FORMAT), str(fontTools.version), font_file.identity, "".join(sorted(set(chars)))):
        data = part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:_HEX]


def kept(state: Path, key: str) -> bytes | None:
    """The bytes of the font kept under `key`, whole; None when there is none (a damaged one is removed)."""
    for path in _fonts(state / FOLDER, f"{key}-*.otf"):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if path.stem == _name(key, data):
            with contextlib.suppress(OSError):
                os.utime(path)  # taken: the newest, the last to be removed
            return data
        with contextlib.suppress(OSError):
            path.unlink()
    return None


def keep(state: Path, key: str, data: bytes) -> None:
    """Keep `data` under `key`, and remove all but the newest `KEEP` kept fonts."""
    from ..support.atomic_files import atomic_write_bytes

    folder = state / FOLDER
    try:
        atomic_write_bytes(folder / f"{_name(key, data)}.otf", data, durable=False)
    except QmError:
        return
    for old in sorted(_fonts(folder, "*.otf"), key=_mtime, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()


def _name(key: str, data: bytes) -> str:
    return f"{key}-{hashlib.sha256(data).hexdigest()[:_HEX]}"


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
