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
import stat
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path, PurePath

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Unit
from ..publishing.tables import submissions
from ..support.moments import moment
from .kinds import EMPTY, FOLDERS, PICTURES_ONLY, PLAN
from .strays import LOOSE_NOTE, NotRecorded, misfiled_note

TOO_LONG = "文件篇幅过长，未自动汇总，原文件附后"  # a file that counts, passed on unread (`extract.TooLong`), told outside
CLOCK_SLACK = 3600.0  # seconds a file's time may be ahead of this machine's clock before it is called impossible
ACCEPTED = (".docx", ".doc", ".wps", ".pdf", ".txt", ".odt")
ON_TIME, LATE, MISSING, NOT_DUE = "ontime", "late", "missing", "notdue"
LINKED = "文件是链接，不算报送：请放文件本身"  # a link would put whatever it points to (any file qm can read) in the collection


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
    replaced: bool = False  # a later file was put in its place under the same name: its content is gone, its arrival counts


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
    loose: tuple[str, ...] = ()  # files put straight in the unit's folder, not in 方案/ or 总结/, not recorded

    @property
    def waiting(self) -> bool:
        """It has not sent its file yet (none counts), before or after its deadline: it is to be reminded."""
        return self.state in (MISSING, NOT_DUE)

    @property
    def filed_wrongly(self) -> bool:
        """It sent files the office has not filed where they count (straight in its folder, or in a misnamed one): the
        mistake is the office's, so it is not reminded to send them (`qm units` tells the office what to fix)."""
        return not self.readable and bool(self.loose or self.misfiled)

    @property
    def to_remind(self) -> bool:
        """It is to be reminded to send its file: it has not (`waiting`), and none it sent waits for the office."""
        return self.waiting and not self.filed_wrongly

    @property
    def readable(self) -> tuple[Submission, ...]:
        return tuple(f for f in self.files if not f.problem)

    @property
    def unreadable(self) -> tuple[Submission, ...]:
        return tuple(f for f in self.files if f.problem)

    @property
    def gone(self) -> tuple[Submission, ...]:
        """Files that counted, no longer in the submissions folder."""
        return tuple(f for f in self.readable if f.gone and not f.replaced)

    @property
    def current(self) -> tuple[Submission, ...]:
        """The files as they are in the folder now: one per name (those replaced under the same name left out)."""
        return tuple(f for f in self.files if not f.replaced)

    @property
    def first(self) -> Submission | None:
        """The first readable file: when the unit submitted."""
        return self.readable[0] if self.readable else None

    @property
    def latest(self) -> Submission | None:
        """The file to collect: the latest readable one still there, else the latest readable one, else the latest file."""
        files = tuple(f for f in self.readable if not f.gone and not f.replaced) or self.readable or self.files
        return files[-1] if files else None

    @property
    def refused_note(self) -> str:
        """Why a unit that sent files has not submitted: they are not in a format read, in a misnamed folder or
        straight in its own folder; "" otherwise."""
        if self.readable:
            return ""
        wrong = f"收到的{_names(self.refused)}不是可读的格式：应为 {' '.join(ACCEPTED)} 之一" if self.refused else ""
        loose = f"{_names(self.loose)}{LOOSE_NOTE}" if self.loose else ""
        misplaced = misfiled_note(self.unit.name, self.misfiled) if self.misfiled else ""
        return "；".join(why for why in (wrong, loose, misplaced) if why)

    @property
    def not_taken(self) -> str:
        """Why what a unit sent was not taken as its submission (each unreadable file with its reason, a format
        not read, a wrong place); "" when it sent nothing or its file counts. `qm units` and the collection say this."""
        broken = [f"“{f.path.name}”{short_reason(f.problem)}" for f in self.current if f.problem] if not self.readable else []
        return "；".join(why for why in (*broken, self.refused_note) if why)

    @property
    def plain_note(self) -> str:
        """`not_taken` in the words of a document read outside the office (the work summary, its workbook):
        what went wrong, without the operator's instructions."""
        if self.readable:
            return ""
        empty = [f for f in self.current if f.problem.startswith((EMPTY, PICTURES_ONLY))]
        said = (
            "报送的文件是空的" if empty else "",
            "报送的文件无法打开" if len(empty) < len([f for f in self.current if f.problem]) else "",
            "报送文件格式不符" if self.refused else "",
            "未按要求报送" if self.loose or self.misfiled else "",
        )
        return "，".join(why for why in said if why)

    @cached_property
    def too_long(self) -> str:
        """Why the file collected is passed on as it is though it counts (a .docx too long to collect); "" otherwise."""
        from .extract import too_long  # python-docx: only when a unit has sent a .docx

        latest = self.latest
        sent = latest is not None and self.first is not None and not latest.gone and latest.path.suffix.lower() == ".docx"
        return too_long(latest.path) if sent and latest is not None else ""

    def _label(self, broken: str, long: str = "") -> str:
        if self.state == MISSING:
            return f"未报送（{broken}）" if broken else "未报送"
        if self.state == NOT_DUE:
            return f"未报送（{broken}；未到截止日期）" if broken else "未报送（未到截止日期）"
        sent = "按时报送" if self.state == ON_TIME else f"迟交 {self.late_days} 天"
        if self.gone:
            return f"{sent}（{'、'.join(f.path.name for f in self.gone)}已不在报送目录）"
        return f"{sent}（{long}）" if long and self.too_long else sent

    @property
    def plain_label(self) -> str:
        """`label` for readers outside the office (see `plain_note`)."""
        return self._label(self.plain_note, TOO_LONG)

    @property
    def label(self) -> str:
        latest = self.latest
        long = f"“{latest.path.name}”篇幅过长，没有自动汇总" if latest else ""
        return self._label(self.not_taken, long)


def _names(names: tuple[str, ...]) -> str:
    return "、".join(f"“{n}”" for n in names)


def short_reason(problem: str) -> str:
    """What is wrong with an unreadable file, without what the unit should do (after the first "：")."""
    return problem.split("：", 1)[0]


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


def linked(campaign: Campaign, path: Path) -> bool:
    """Whether `path`, or its unit's folder or 方案/总结 folder, is a link (or `path` is no regular file): what it
    points to is not read, so that no file outside the submissions folder is taken as a unit's text."""
    levels = len(path.relative_to(campaign.submissions_dir).parts)
    try:
        return any(p.is_symlink() for p in [path, *list(path.parents)[: levels - 1]]) or not stat.S_ISREG(path.lstat().st_mode)
    except OSError:  # gone meanwhile: said as such by whoever reads it
        return False


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
    latest = {(f.unit, f.kind, f.path): n for n, f in enumerate(out)}  # what the file under each name holds now
    return [replace(f, replaced=True) if latest[(f.unit, f.kind, f.path)] != n else f for n, f in enumerate(out)]


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
                out.append(UnitStatus(unit, kind, due, files, state, refused=wrong.refused, misfiled=wrong.misfiled, loose=wrong.loose))
                continue
            late = (dt.datetime.fromtimestamp(first.arrived, tz).date() - due).days
            out.append(UnitStatus(unit, kind, due, files, LATE if late > 0 else ON_TIME, max(late, 0)))
    return out
