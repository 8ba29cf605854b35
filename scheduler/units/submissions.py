"""Units' submissions: files placed under `<submissions>/<unit name>/方案/` or `.../总结/`.

Each file is recorded once per content hash (SHA-256), with the time it appeared (its modification
time). A unit is on time when its first file arrived by the end of the deadline's day, late by the
number of days after it, missing when nothing arrived. Scanning reports what it could not accept
(unknown folders, files in the wrong place or with an unusual extension) and carries on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Unit
from ..publishing.tables import submissions
from ..support.errors import Problem

PLAN, SUMMARY = "plan", "summary"
FOLDERS = {PLAN: "方案", SUMMARY: "总结"}
LABELS = {PLAN: "活动方案", SUMMARY: "工作总结"}
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


@dataclass(frozen=True)
class UnitStatus:
    unit: Unit
    kind: str
    due: dt.date
    files: tuple[Submission, ...]  # oldest first
    state: str
    late_days: int = 0

    @property
    def first(self) -> Submission | None:
        return self.files[0] if self.files else None

    @property
    def latest(self) -> Submission | None:
        return self.files[-1] if self.files else None

    @property
    def label(self) -> str:
        return {ON_TIME: "按时报送", LATE: f"迟交 {self.late_days} 天", MISSING: "未报送", NOT_DUE: "未报送（未到截止日期）"}[self.state]


def due_date(campaign: Campaign, kind: str) -> dt.date:
    return campaign.key_dates.county_plans_due if kind == PLAN else campaign.key_dates.summary_due


def unit_folder(campaign: Campaign, unit: Unit, kind: str) -> Path:
    return campaign.submissions_dir / unit.name / FOLDERS[kind]


def scan(campaign: Campaign, engine: Engine, now: float) -> list[Problem]:
    """Record new files; return what could not be accepted (one bad file never stops the others)."""
    root = campaign.submissions_dir
    problems = _strays(campaign, root)
    with engine.begin() as conn:
        known = {(r.unit, r.kind, r.sha256) for r in conn.execute(sa.select(submissions.c.unit, submissions.c.kind, submissions.c.sha256))}
        for unit in campaign.units:
            for kind in FOLDERS:
                for found in _files(campaign, unit, kind, problems):
                    if (found.unit, found.kind, found.sha256) in known:
                        continue
                    known.add((found.unit, found.kind, found.sha256))
                    conn.execute(
                        submissions.insert().values(
                            unit=found.unit,
                            kind=found.kind,
                            path=str(found.path),
                            sha256=found.sha256,
                            size=found.size,
                            arrived=found.arrived,
                            recorded=now,
                        )
                    )
    return problems


def _strays(campaign: Campaign, root: Path) -> list[Problem]:
    names = {u.name for u in campaign.units}
    problems = []
    for child in sorted(root.iterdir()) if root.is_dir() else []:
        if child.name.startswith("."):
            continue
        if child.is_dir() and child.name not in names:
            problems.append(
                Problem(
                    f"文件夹“{child.name}”不是 config.yaml 的 units 中的单位，其中的文件没有登记",
                    str(child),
                    "检查单位名称是否与 units 中的 name 完全一致，或在 units 中添加该单位",
                )
            )
        elif not child.is_dir():
            problems.append(Problem("文件直接放在了报送目录下，没有登记", str(child), "放到 单位名称/方案/ 或 单位名称/总结/ 文件夹中"))
    for unit in campaign.units:
        folder = root / unit.name
        for child in sorted(folder.iterdir()) if folder.is_dir() else []:
            if not child.name.startswith(".") and child.name not in FOLDERS.values():
                problems.append(
                    Problem(
                        f"{unit.name} 的“{child.name}”不在 方案 或 总结 文件夹中，没有登记",
                        str(child),
                        "活动方案放到 方案/，工作总结放到 总结/",
                    )
                )
    return problems


def _files(campaign: Campaign, unit: Unit, kind: str, problems: list[Problem]) -> list[Submission]:
    folder = unit_folder(campaign, unit, kind)
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.name.startswith((".", "~$")) or not path.is_file():
            continue  # hidden files and Word's lock files
        if path.suffix.lower() not in ACCEPTED:
            problems.append(
                Problem(
                    f"{unit.name} 的{LABELS[kind]}“{path.name}”扩展名不是可接受的格式，没有登记",
                    str(path),
                    f"请单位另存为 {' '.join(ACCEPTED)} 之一后重新报送",
                )
            )
            continue
        try:
            data, arrived = path.read_bytes(), path.stat().st_mtime
        except OSError as exc:
            problems.append(Problem(f"无法读取 {unit.name} 的{LABELS[kind]}“{path.name}”：{exc.strerror}", str(path), "检查文件权限"))
            continue
        found.append(Submission(unit.name, kind, path, hashlib.sha256(data).hexdigest(), len(data), arrived))
    return found


def recorded(engine: Engine) -> list[Submission]:
    s = submissions.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(submissions).order_by(s.arrived, s.id))
        return [Submission(r.unit, r.kind, Path(r.path), r.sha256, r.size, r.arrived) for r in rows]


def statuses(campaign: Campaign, recorded_files: list[Submission], today: dt.date) -> list[UnitStatus]:
    """Each unit's plan and summary: on time, late (by how many days), missing, or not yet due (pure)."""
    tz = campaign.timezone
    out = []
    for kind in FOLDERS:
        due = due_date(campaign, kind)
        for unit in campaign.units:
            files = tuple(sorted((f for f in recorded_files if f.unit == unit.name and f.kind == kind), key=lambda f: f.arrived))
            if not files:
                out.append(UnitStatus(unit, kind, due, files, MISSING if today > due else NOT_DUE))
                continue
            late = (dt.datetime.fromtimestamp(files[0].arrived, tz).date() - due).days
            out.append(UnitStatus(unit, kind, due, files, LATE if late > 0 else ON_TIME, max(late, 0)))
    return out
