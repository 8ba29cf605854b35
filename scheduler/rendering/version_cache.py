"""Post versions computed by an earlier run, kept in the state folder.

Normalising a long article is the slow part of a version, and every command that fills the queue
renders each post from today on. An entry maps the SHA-256 of exactly what a version is computed
from (the payload, every space and field included; what the pictures show; the fields its kind
derives) to the version, under the identity of the code that computes versions: a rendering that
differs by one byte, or a new version scheme, is normalised again. The file keeps the entries of
the last run's renderings only, so it stays at about one entry a post. A file that cannot be read
is ignored; one that cannot be written only costs the time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from ..support.errors import QmError
from . import versions
from .payloads import RenderedPost

FILE = "post-versions.json"  # in the state folder
FORMAT = 1


def _code() -> str:
    """Changes with the code that computes versions (and the Python whose HTML parser it uses)."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    scheme = Path(versions.__file__)
    for module in (scheme, scheme.with_name("markup_tokens.py")):  # not imported here: the HTML parser loads only when needed
        h.update(module.read_bytes())
    return h.hexdigest()


def _key(r: RenderedPost) -> str:
    made_from = [r.payload, r.pictures, sorted(r.derived)]
    return hashlib.sha256(json.dumps(made_from, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class VersionCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._code = _code()
        self._entries: dict[str, str] = {}
        try:
            data = json.loads(path.read_bytes())
            if isinstance(data, dict) and data.get("code") == self._code and isinstance(data.get("entries"), dict):
                self._entries = {k: v for k, v in data["entries"].items() if isinstance(v, str)}
        except (OSError, ValueError):
            pass

    def apply(self, rendered: Iterable[RenderedPost]) -> None:
        """Give each rendering its version, from the file where it is known; keep them for the next run."""
        entries = {}
        for r in rendered:
            key = _key(r)
            known = self._entries.get(key)
            if known is not None:
                r.take_version(known)
            entries[key] = r.version
        if entries != self._entries:
            self._entries = entries
            self._save()

    def _save(self) -> None:
        from ..support.atomic_files import atomic_write_bytes

        data = json.dumps({"code": self._code, "entries": self._entries}, separators=(",", ":"))
        with contextlib.suppress(QmError):
            atomic_write_bytes(self.path, data.encode(), durable=False)
