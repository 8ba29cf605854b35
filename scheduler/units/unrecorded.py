"""What scanning did not record under the submissions folder, as `qm units` tells it: which kind
(方案 or 总结) a scanning problem is about, so that collecting one kind does not repeat the other's,
and the files a unit put in its folder that are not in a format read (a photo of the document).
"""

from __future__ import annotations

from pathlib import Path

from ..inputs.campaign import Campaign
from .kinds import FOLDERS
from .strays import NotRecorded, loose_files, misfiled, visible_files
from .submissions import accepted, unit_folder


def problem_kind(campaign: Campaign, where: str) -> str | None:
    """Which kind a scanning problem at `where` is about: by the 方案/总结 folder it is in, or, for a
    folder not named after a unit, the only one of them it holds; None when about both or neither."""
    path = Path(where)
    try:
        parts = path.relative_to(campaign.submissions_dir).parts
    except ValueError:
        return None
    kinds = {folder: kind for kind, folder in FOLDERS.items()}
    if len(parts) > 1:
        return kinds.get(parts[1])
    held = [kind for folder, kind in kinds.items() if (path / folder).is_dir()] if parts else []
    return held[0] if len(held) == 1 else None


def refused_files(campaign: Campaign) -> dict[tuple[str, str], NotRecorded]:
    """(unit, kind) -> what scanning does not record: the files in its folder of a format not read, the
    misnamed folders holding its files (`strays.misfiled`) and the files straight in its own folder."""
    folders = {(u.name, kind): unit_folder(campaign, u, kind) for u in campaign.units for kind in FOLDERS}
    elsewhere = misfiled(campaign)
    loose = {u.name: loose_files(campaign, u.name) for u in campaign.units}
    return {
        key: NotRecorded(tuple(p.name for p in visible_files(folder) if not accepted(p)), elsewhere.get(key, ()), loose[key[0]][key[1]])
        for key, folder in folders.items()
    }
