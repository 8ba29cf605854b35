"""The print sheets waiting in posters/print/ for the printer, each by the digest of its bytes, and what each
carries: `make_print` notes the items (with the digest of each item's content then) and the job that made it (`qm
print`'s arguments, or a `posters.print` entry of config.yaml) beside a sheet it writes there, in a hidden
`.<name>.items` file that holds the sheet's digest too, so a note never speaks for other bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..inputs.poster_settings import PrintSheet
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
    job: PrintSheet | None = None  # what made it (`where` set: a posters.print entry, made by qm posters); None: not known


def _note(out: Path) -> Path:
    return out.with_name(f".{out.name}.items")


def note_items(out: Path, items: list[tuple[str, str]], job: PrintSheet) -> None:
    """Beside the sheet just written to `out`: the items it carries and the job that made it, for these bytes only."""
    made = {"layout": job.layout, "size": job.size, "topic": job.topic, "items": list(job.items), "cmyk": job.cmyk, "where": job.where}
    body = {"sha256": file_digest(out), "items": [list(i) for i in items], "job": made}
    atomic_write_bytes(_note(out), json.dumps(body, ensure_ascii=False).encode(), durable=False)


def noted(path: Path, sha256: str) -> tuple[tuple[tuple[str, str], ...] | None, PrintSheet | None]:
    """The items and the job noted for the sheet at `path` when its bytes are still those; None for what is unknown
    (a note written before jobs were noted knows only the items)."""
    try:
        body = json.loads(_note(path).read_text(encoding="utf-8"))
        if body.get("sha256") != sha256:
            return None, None
        items = tuple((str(i), str(d)) for i, d in body["items"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, None
    try:
        j = body["job"]
        job = PrintSheet(str(j["layout"]), str(j["size"]), str(j["topic"]), tuple(map(str, j["items"])), j["cmyk"] is True, str(j["where"]))
    except (KeyError, TypeError):
        job = None
    return items, job


def sheets(folder: Path) -> list[Sheet]:
    """Every PDF in `folder` (posters/print), by name."""
    found = []
    for path in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
        if not path.is_file() or path.name.startswith("."):
            continue
        digest = file_digest(path)  # read again only when the file changed (size, time, inode)
        if digest == MISSING:  # removed meanwhile
            continue
        found.append(Sheet(path.name, path, digest, path.stat().st_mtime, *noted(path, digest)))
    return found
