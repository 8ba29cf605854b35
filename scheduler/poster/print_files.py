"""The print sheets waiting in posters/print/ for the printer, each by the digest of its bytes, and what each
carries: `make_print` notes the items (with the digest of each item's content then) beside a sheet it writes
there, in a hidden `.<name>.items` file that holds the sheet's digest too, so a note never speaks for other bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..support.atomic_files import atomic_write_bytes
from ..support.file_digest import MISSING, file_digest

FOLDER = "print"  # under the posters folder


@dataclass(frozen=True)
class Sheet:
    name: str  # the file's name under posters/print
    path: Path
    sha256: str
    made: float  # the file's modification time
    items: tuple[tuple[str, str], ...] | None  # (item id, digest of its content when the sheet was made); None: not known


def _note(out: Path) -> Path:
    return out.with_name(f".{out.name}.items")


def note_items(out: Path, items: list[tuple[str, str]]) -> None:
    """Beside the sheet just written to `out`: the items it carries, for these bytes only."""
    body = {"sha256": file_digest(out), "items": [list(i) for i in items]}
    atomic_write_bytes(_note(out), json.dumps(body, ensure_ascii=False).encode(), durable=False)


def noted_items(path: Path, sha256: str) -> tuple[tuple[str, str], ...] | None:
    """The items noted for the sheet at `path` when its bytes are still those; None when unknown."""
    try:
        body = json.loads(_note(path).read_text(encoding="utf-8"))
        if body.get("sha256") != sha256:
            return None
        return tuple((str(i), str(d)) for i, d in body["items"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sheets(folder: Path) -> list[Sheet]:
    """Every PDF in `folder` (posters/print), by name."""
    found = []
    for path in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
        if not path.is_file() or path.name.startswith("."):
            continue
        digest = file_digest(path)  # read again only when the file changed (size, time, inode)
        if digest == MISSING:  # removed meanwhile
            continue
        found.append(Sheet(path.name, path, digest, path.stat().st_mtime, noted_items(path, digest)))
    return found
