"""Skipping posters that would come out the same: a key over everything that affects the image.

The key covers the layout file, every text field, the brand (colours, QR link, logo file), the photograph
(only where the layout draws it), the size,
the identity of every candidate font file, and the poster code itself. Files count by their content
(`support.file_digest`), not their times: a logo saved again unchanged redraws nothing. It is kept beside the poster
as a hidden file `.<name>.key` listing the files written, so a poster is fresh only if its key
matches and its files are all there, with the digest of each file's bytes as written: publishing tells by it
that the bytes it read are the ones drawn under the key (`drawn_as`), not another drawing's written meanwhile.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..inputs.poster_settings import Brand
from ..support.atomic_files import atomic_write_bytes
from ..support.file_digest import file_digest
from .fonts import FontFile
from .layout import Layout
from .sizes import Size


@functools.cache
def code_version() -> str:
    """Hash of the poster package's source: a change to how posters are drawn redraws them all."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def poster_key(
    layout: Layout, fields: Mapping[str, str], brand: Brand, size: Size, fonts: Sequence[FontFile], photo: Path | None = None
) -> str:
    blob: dict[str, object] = {
        "code": code_version(),
        "layout": [layout.name, layout.digest],
        "fields": dict(sorted(fields.items())),
        "brand": [brand.primary, brand.secondary, brand.accent, brand.text, brand.background, brand.qr_link, file_id(brand.logo)],
        "size": [size.name, size.width, size.height, size.dpi, size.pdf, size.medium, size.kind],
        "fonts": [f.identity for f in fonts],
    }
    if photo is not None:  # only where the layout draws it (the photo family): other posters keep their keys
        blob["photo"] = file_id(photo)
    return hashlib.sha256(json.dumps(blob, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def file_id(path: Path | None) -> str:
    """A picture file (the logo, the photograph) by its content: saved again unchanged, its posters stay fresh."""
    return "" if path is None else file_digest(path)


def _sidecar(out: Path) -> Path:
    return out.with_name(f".{out.stem}.key")


def fresh_files(out: Path, key: str) -> list[Path] | None:
    """The files of an up-to-date poster, or None if it must be drawn (again)."""
    try:
        data = json.loads(_sidecar(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = [out.parent / name for name in data.get("files", [])]
    if data.get("key") != key or not files or not all(f.is_file() for f in files):
        return None
    return files


def drawn_as(out: Path, key: str, name: str, data: bytes) -> bool:
    """True when `data`, read from the poster's file `name`, is what was drawn under `key` (the key kept beside
    it; a key kept by an earlier qm names no digests: its key alone tells)."""
    try:
        kept = json.loads(_sidecar(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(kept, dict) or kept.get("key") != key or name not in kept.get("files", []):
        return False
    digests = kept.get("sha256")
    return not isinstance(digests, dict) or digests.get(name) == hashlib.sha256(data).hexdigest()


def forget(out: Path) -> None:
    """Drop the key kept beside a poster: it is drawn again when next asked for (its file is not what was drawn)."""
    _sidecar(out).unlink(missing_ok=True)


def record(out: Path, key: str, files: Sequence[Path], data: Sequence[bytes] = ()) -> None:
    """Keep the key beside the poster, with the files written and, given their bytes (`data`, in order), their digests."""
    kept: dict[str, object] = {"key": key, "files": [f.name for f in files]}
    if data:
        kept["sha256"] = {f.name: hashlib.sha256(d).hexdigest() for f, d in zip(files, data, strict=True)}
    atomic_write_bytes(_sidecar(out), json.dumps(kept).encode(), durable=False)
