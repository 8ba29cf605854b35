"""Brand colours that hide words on the designs in use (`poster.brand_contrast`), kept for the commands
that draw: `qm poster`, `qm posters`, `qm print` and `qm build` note them after drawing.

Finding them loads every layout of the poster families in use and, on a clash, reads config.yaml again
for the brand colour's line. The problems found are kept in the state folder (like `qm check`'s verdicts)
under a fingerprint of what that reads: qm's code, the config file (its bytes: the brand colours and their
lines), the campaign's brand and poster settings, and every layout file of the families in use (name and
bytes). While it is unchanged the kept problems are noted again and no layout is loaded. A kept verdict
that cannot be read is ignored; a state folder that cannot be written only costs the keeping.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from ..inputs.campaign import Campaign
from ..support.errors import Problem, QmError

FILE = "colour-notes.json"  # in the state folder
FORMAT = 1


def colour_problems(campaign: Campaign, code: str) -> list[Problem]:
    """The brand colour clashes of `brand_contrast.campaign_clashes`, kept under what they depend on;
    `code` is qm's code identity (`check_cache.code_identity()`)."""
    path = campaign.paths.state / FILE
    key = fingerprint(campaign, code)
    kept = _kept(path, key)
    if kept is not None:
        return kept
    from ..inputs.parse_cache import LAYOUTS_FILE, ParseCache, active
    from ..poster.brand_contrast import campaign_clashes
    from ..support.atomic_files import atomic_write_bytes

    with active(ParseCache(campaign.paths.state / LAYOUTS_FILE)):  # layouts parsed once, as the drawing reads them
        problems = campaign_clashes(campaign)
    data = {"format": FORMAT, "key": key, "problems": [[p.message, p.where, p.hint] for p in problems]}
    with contextlib.suppress(QmError):
        atomic_write_bytes(path, json.dumps(data, ensure_ascii=False).encode(), durable=False)
    return problems


def fingerprint(campaign: Campaign, code: str) -> str:
    """Of everything finding the clashes reads (see the module's text)."""
    from ..poster.brand_contrast import families_in_use
    from ..poster.layout import family_folder, layout_names

    digest = hashlib.sha256()

    def add(part: str | bytes) -> None:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big") + data)

    for part in (str(FORMAT), code, str(campaign.config_path), repr(campaign.brand), repr(campaign.posters)):
        add(part)
    add(_bytes(campaign.config_path))
    for family in families_in_use(campaign):
        folder = family_folder(campaign.paths.templates, family)
        add(str(folder))
        for name in layout_names(folder):
            add(name)
            add(_bytes(folder / f"{name}.yaml"))
    return digest.hexdigest()


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        return f"unreadable: {type(exc).__name__}".encode()


def _kept(path: Path, key: str) -> list[Problem] | None:
    """The kept problems if kept under `key`; None when absent, stale or unreadable."""
    try:
        data = json.loads(path.read_bytes())
        if data["format"] != FORMAT or data["key"] != key:
            return None
        rows = data["problems"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(rows, list) and all(isinstance(r, list) and len(r) == 3 and all(isinstance(f, str) for f in r) for r in rows)):
        return None
    return [Problem(message, where, hint) for message, where, hint in rows]
