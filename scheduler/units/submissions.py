"""Units' submissions: files placed under `<submissions>/<unit name>/方案/` or `.../总结/`.

Each file is recorded once per content hash (SHA-256), with the time it appeared (its modification
time) and, read once when it is recorded, why it cannot be read if it cannot (the extraction
`qm units --collect` uses). A file that cannot be read is not a submission: a unit is on time when
its first readable file arrived by the end of the deadline's day, late by the number of days after
it, missing when none arrived (its unreadable files named). Scanning the folders (`scanning`) records
them, reports what it could not accept (unknown folders, files in the wrong place or with an unusual
extension) and carries on.

A recorded file later deleted or moved out of the folder still counts: the unit did send it, on
that day, and is neither reminded nor called late for it. But it is "gone": its status says so,
`qm units` warns, and the collection says which file to put back instead of holding its text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path, PurePath

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Unit
from ..publishing.tables import submissions
from ..support.moments import moment
from .kinds import FOLDERS, PLAN
from .strays import NotRecorded, misfiled_note

CLOCK_SLACK = 3600.0  # seconds a file's time may be ahead of this machine's clock before it is called impossible
ACCEPTED = (".docx", ".doc", ".wps", ".pdf", ".txt", ".odt")
ON_TIME, LATE, MISSING, NOT_DUE = "ontime", "late", "missing", "notdue"


@dataclass(frozen=True)
class Submission:
    unit: str
    kind: str
    path: Path
    sha256: str
    size: int
    arrived: float
    problem: str = ""  # why it cannot be read; "" when it can
    gone: bool = False  # no longer in its folder (deleted or moved since it was recorded)


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    kind: str
    due: dt.date
    files: tuple[Submission, ...]  # oldest first, readable or not
    state: str
    late_days: int = 0
    refused: tuple[str, ...] = ()  # files in its folder not recorded for their extension (a photo of the document)
    misfiled: tuple[str, ...] = ()  # misnamed folders holding its files (逊克 for 逊克县), not recorded

    @property
    def readable(self) -> tuple[Submission, ...]:
        return tuple(f for f in self.files if not f.problem)

    @property
    def unreadable(self) -> tuple[Submission, ...]:
        return tuple(f for f in self.files if f.problem)

    @property
    def gone(self) -> tuple[Submission, ...]:
        """Files that counted, no longer in the submissions folder."""
        return tuple(f for f in self.readable if f.gone)

    @property
    def first(self) -> Submission | None:
        """The first readable file: when the unit submitted."""
        return self.readable[0] if self.readable else None

    @property
    def latest(self) -> Submission | None:
        """The file to collect: the latest readable one still there, else the latest readable one, else the latest file."""
        files = tuple(f for f in self.readable if not f.gone) or self.readable or self.files
        return files[-1] if files else None

    @property
    def refused_note(self) -> str:
        """Why a unit that sent files has not submitted: they are not in a format read, or in a misnamed folder; "" otherwise."""
        if self.readable:
            return ""
        wrong = f"收到的{'、'.join(f'“{n}”' for n in self.refused)}不是可读的格式：应为 {' '.join(ACCEPTED)} 之一" if self.refused else ""
        return "；".join(why for why in (wrong, misfiled_note(self.unit.name, self.misfiled) if self.misfiled else "") if why)

    @property
    def not_taken(self) -> str:
        """Why what a unit sent was not taken as its submission (unreadable files, a format not read); ""
        when it sent nothing or its file counts. `qm units`, the report and the office's reminder say this."""
        broken = f"文件无法读取：{'、'.join(f.path.name for f in self.unreadable)}" if self.unreadable and not self.readable else ""
        return "；".join(why for why in (broken, self.refused_note) if why)

    @property
    def label(self) -> str:
        broken = self.not_taken
        if self.state == MISSING:
            return f"未报送（{broken}）" if broken else "未报送"
        if self.state == NOT_DUE:
            return f"未报送（{broken}；未到截止日期）" if broken else "未报送（未到截止日期）"
        sent = "按时报送" if self.state == ON_TIME else f"迟交 {self.late_days} 天"
        return f"{sent}（{'、'.join(f.path.name for f in self.gone)}已不在报送目录）" if self.gone else sent


def arrival(campaign: Campaign, arrived: float) -> str:
    """When a file arrived, in the campaign's time: month, day and time, and the year too when it is not the campaign's."""
    return moment(arrived, campaign.timezone, campaign.start.year)


def gone_note(campaign: Campaign, file: Submission) -> str:
    """What is said of a recorded file no longer in the submissions folder (where it was goes alongside)."""
    return f"{arrival(campaign, file.arrived)}报送的“{file.path.name}”已不在报送目录中"


def due_date(campaign: Campaign, kind: str) -> dt.date:
    return campaign.key_dates.county_plans_due if kind == PLAN else campaign.key_dates.summary_due


def unit_folder(campaign: Campaign, unit: Unit, kind: str) -> Path:
    return campaign.submissions_dir / unit.name / FOLDERS[kind]


def accepted(path: Path) -> bool:
    return path.suffix.lower() in ACCEPTED


def visible_files(folder: Path) -> list[Path]:
    """The files in `folder`, without hidden files and Word's lock files."""
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    return [p for p in found if not p.name.startswith((".", "~$")) and p.is_file()]


def located(campaign: Campaign, unit: str, kind: str, stored: str) -> Path:
    """Where a recorded file is now: in its unit's folder under the configured submissions folder.

    Only the file's name is taken from what was stored: older versions stored the path as it was
    written from the folder qm ran in, which means nothing from another folder."""
    return campaign.submissions_dir / unit / FOLDERS[kind] / PurePath(stored.replace("\\", "/")).name


def recorded(campaign: Campaign, engine: Engine) -> list[Submission]:
    s = submissions.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(submissions).order_by(s.arrived, s.id)).all()
    out = []
    for r in rows:
        path = located(campaign, r.unit, r.kind, r.path)
        out.append(Submission(r.unit, r.kind, path, r.sha256, r.size, r.arrived, r.problem or "", gone=not path.is_file()))
    return out


def statuses(
    campaign: Campaign, recorded_files: list[Submission], today: dt.date, refused: dict[tuple[str, str], NotRecorded] | None = None
) -> list[UnitStatus]:
    """Each unit's plan and summary: on time, late (by how many days), missing, or not yet due, by its
    first readable file (pure); `refused` (unit, kind) -> what it sent that scanning did not record."""
    tz = campaign.timezone
    out = []
    for kind in FOLDERS:
        due = due_date(campaign, kind)
        for unit in campaign.units:
            files = tuple(sorted((f for f in recorded_files if f.unit == unit.name and f.kind == kind), key=lambda f: f.arrived))
            first = next((f for f in files if not f.problem), None)
            if first is None:
                wrong = (refused or {}).get((unit.name, kind), NotRecorded())
                state = MISSING if today > due else NOT_DUE
                out.append(UnitStatus(unit, kind, due, files, state, refused=wrong.refused, misfiled=wrong.misfiled))
                continue
            late = (dt.datetime.fromtimestamp(first.arrived, tz).date() - due).days
            out.append(UnitStatus(unit, kind, due, files, LATE if late > 0 else ON_TIME, max(late, 0)))
    return out
