"""Scanning the submissions folder: each file found in a unit's 方案/ or 总结/ folder is recorded once per
content hash, with why it cannot be read if it cannot (see `submissions`), and what was not accepted is
reported (unknown folders, files in the wrong place or with an unusual extension).

Files are hashed through `file_digest` (read once while their size, time and inode stay the same, so the
daemon's hourly scan reads only what changed) and read for their text outside any database transaction:
reading a large document takes its time, and the daemon and the console write to the same database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..inputs.campaign import Campaign, Unit
from ..publishing import notices_sent
from ..publishing.tables import submissions
from ..support.errors import Problem
from ..support.file_digest import MISSING, file_digest
from ..support.os_messages import os_reason
from .kinds import FOLDERS, LABELS
from .strays import stray_problems, visible_files
from .submissions import ACCEPTED, CLOCK_SLACK, LINKED, Submission, accepted, linked, located, unit_folder

READER = "submissions-reader:3"  # bumped when reading changes: 2 refuses files with no text, never unpacks pictures;
# 3 refuses broken .pdf, .doc and .odt files and takes a .docx too long to collect as sent


def scan(campaign: Campaign, engine: Engine, now: float) -> list[Problem]:
    """Record new files, each read once to know whether it can be; return what could not be accepted
    (one bad file never stops the others)."""
    root = campaign.submissions_dir
    problems = _strays(campaign, root)
    s = submissions.c
    _read_again(campaign, engine, now)
    with engine.connect() as conn:
        unchecked = conn.execute(sa.select(s.id, s.unit, s.kind, s.path, s.sha256).where(s.problem.is_(None))).all()
        known = _known(conn)
    checked = {row.id: _recheck(located(campaign, row.unit, row.kind, row.path), row.sha256) for row in unchecked}
    new: list[tuple[Submission, str]] = []
    for unit in campaign.units:
        for kind in FOLDERS:
            for found in _files(campaign, unit, kind, problems):
                if (found.unit, found.kind, found.sha256) in known:
                    continue
                known.add((found.unit, found.kind, found.sha256))
                if found.arrived > now + CLOCK_SLACK:  # written "in the future": it arrived by now at the latest
                    problems.append(_future(campaign, found, now))
                new.append((found, found.problem or unreadable(found.path)))
    if checked or new:
        _record(engine, root, checked, new, now)
    return problems


def _read_again(campaign: Campaign, engine: Engine, now: float) -> None:
    """Once per change in how files are read (`READER`): every recorded file whose bytes are still in place is read
    again at this scan, as those recorded before files were read are, so that a verdict of an older version (an
    empty file taken as a submission, a summary refused for the size of its photos) does not stand. A file gone or
    changed since keeps its verdict: a broken plan overwritten late by a good one was not sent on time."""
    s = submissions.c
    with engine.connect() as conn:
        if notices_sent.sent(conn, [READER]):
            return
        rows = conn.execute(sa.select(s.id, s.unit, s.kind, s.path, s.sha256).where(s.problem.is_not(None))).all()
    in_place = [r.id for r in rows if file_digest(located(campaign, r.unit, r.kind, r.path)) == r.sha256]
    with engine.begin() as conn:
        if notices_sent.claim(conn, READER, now):
            conn.execute(submissions.update().where(s.id.in_(in_place)).values(problem=None))


def _known(conn: sa.Connection) -> set[tuple[Any, ...]]:
    s = submissions.c
    return {tuple(r) for r in conn.execute(sa.select(s.unit, s.kind, s.sha256))}


def _record(engine: Engine, root: Path, checked: dict[int, str], new: list[tuple[Submission, str]], now: float) -> None:
    """Write what a scan found, in one short transaction (a file another scan recorded meanwhile is left as it is)."""
    s = submissions.c
    with engine.begin() as conn:
        for row_id, problem in checked.items():  # recorded before files were read
            conn.execute(submissions.update().where(s.id == row_id, s.problem.is_(None)).values(problem=problem))
        known = _known(conn)
        for found, problem in new:
            if (found.unit, found.kind, found.sha256) in known:
                continue
            conn.execute(
                submissions.insert().values(
                    unit=found.unit,
                    kind=found.kind,
                    path=found.path.relative_to(root).as_posix(),  # under the submissions folder, wherever qm runs
                    sha256=found.sha256,
                    size=found.size,
                    arrived=min(found.arrived, now),
                    recorded=now,
                    problem=problem,
                )
            )


def _future(campaign: Campaign, found: Submission, now: float) -> Problem:
    tz = campaign.timezone
    written, seen = (f"{dt.datetime.fromtimestamp(t, tz):%Y-%m-%d %H:%M}" for t in (found.arrived, now))
    return Problem(
        f"{found.unit}的{LABELS[found.kind]}“{found.path.name}”的修改时间 {written} 还没到，按发现它的时间 {seen} 登记为报送时间",
        str(found.path),
        "请单位核对电脑的日期和时间",
    )


def unreadable(path: Path) -> str:
    """Why the file at `path` cannot be read as `qm units --collect` reads it; "" when it can."""
    from .extract import SubmissionError, broken, extract  # python-docx: only when a new file arrives

    try:
        extract(path)
    except SubmissionError as exc:
        return str(exc)
    except Exception as exc:  # whatever else a damaged file makes reading raise: that file's verdict, never the scan's end
        return str(broken(exc))
    return ""


def _recheck(path: Path, sha256: str) -> str:
    """A file recorded before files were read: read it now if it is still there as it was (else readable)."""
    same = file_digest(path) == sha256
    return unreadable(path) if same else ""


def _strays(campaign: Campaign, root: Path) -> list[Problem]:
    problems = stray_problems(campaign, root)
    for unit in campaign.units:
        folder = root / unit.name
        for child in sorted(folder.iterdir()) if folder.is_dir() else []:
            if not child.name.startswith(".") and child.name not in FOLDERS.values():
                problems.append(
                    Problem(
                        f"{unit.name}的“{child.name}”不在 方案 或 总结 文件夹中，没有登记",
                        str(child),
                        "活动方案放到 方案/，工作总结放到 总结/",
                    )
                )
    return problems


def _files(campaign: Campaign, unit: Unit, kind: str, problems: list[Problem]) -> list[Submission]:
    folder = unit_folder(campaign, unit, kind)
    found = []
    for path in visible_files(folder):
        if not accepted(path):
            problems.append(
                Problem(
                    f"{unit.name}的{LABELS[kind]}“{path.name}”扩展名不是可接受的格式，没有登记",
                    str(path),
                    f"请单位另存为 {' '.join(ACCEPTED)} 之一后重新报送",
                )
            )
            continue
        if linked(campaign, path):  # recorded by its name, never opened
            pseudo = hashlib.sha256(f"link:{path.name}".encode()).hexdigest()
            found.append(Submission(unit.name, kind, path, pseudo, 0, path.lstat().st_mtime, problem=LINKED))
            continue
        try:
            st, digest = path.stat(), file_digest(path)
            if digest == MISSING:
                path.open("rb").close()  # raises why it cannot be read
                continue  # readable again a moment later: the next scan records it
        except OSError as exc:
            problems.append(Problem(f"无法读取 {unit.name}的{LABELS[kind]}“{path.name}”：{os_reason(exc)}", str(path), "检查文件权限"))
            continue
        found.append(Submission(unit.name, kind, path, digest, st.st_size, st.st_mtime))
    return found
