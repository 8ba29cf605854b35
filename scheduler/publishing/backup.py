"""Backups of a SQLite queue database, and putting one back without re-sending anything.

`take` copies the database with SQLite's online backup API (a consistent snapshot even while the
daemon writes; a file copy could catch a half-written page or miss the WAL), writes the copy
under a temporary name and renames it, records in the copy when it was taken, and keeps the newest
`keep` backups. The daemon takes one each night; `qm backup` takes one when asked.

`restore` puts a backup back while no daemon runs, then reconciles what happened after the backup
was taken, never blindly:
- from the database being replaced, if it can still be read: every post that went out (or was
  taken by the platform, or was being sent) since keeps its state, receipt and audit trail;
- posts that fell due after the backup and that nothing accounts for (the old database is gone)
  are marked `publishing` when their channel can tell what it received (the daemon asks it at start,
  as after a crash), and otherwise go to a person (`failed`, with what to check).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..support.errors import InputError, RuntimeFailure
from ..support.private_files import create, say_tightened, tighten
from ..support.values import Receipt, committed
from . import notices_sent
from . import states as st
from .db import open_db, private_database
from .tables import audit, notices, posts

TAKEN_KEY = "backup:taken"  # a row in the copy's `notices`: when the backup was taken
PREFIX, SUFFIX = "qm-", ".sqlite3"
WHO = "恢复备份"
WENT_OUT = (st.PUBLISHED, st.ACCEPTED, st.PUBLISHING)


def folder_for(db: Path) -> Path:
    return db.parent / "backups"


def take(db: Path, folder: Path, now: float, tz: dt.tzinfo, keep: int) -> Path:
    """A consistent copy of the database in `folder`; older copies beyond `keep` are removed."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # one an earlier qm made 755: its listing names every backup
        folder.chmod(0o700)
    say_tightened("数据库备份", tighten(*existing(folder)))  # each holds the password hashes and sessions, as the database does
    name = f"{PREFIX}{dt.datetime.fromtimestamp(now, tz):%Y%m%d-%H%M%S}{SUFFIX}"
    target = folder / name
    partial = folder / (name + ".part")
    partial.unlink(missing_ok=True)
    create(partial)  # readable by its owner alone, like the database
    source = sqlite3.connect(db)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    _mark_taken(partial, now)
    partial.replace(target)
    for old in existing(folder)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


def _mark_taken(copy: Path, now: float) -> None:
    """Record in the copy when it was taken: one upsert (a database once restored by hand may hold an older time)."""
    engine = sa.create_engine(f"sqlite:///{copy}")
    try:
        with engine.begin() as conn:
            notices_sent.record(conn, TAKEN_KEY, now)
    finally:
        engine.dispose()


def existing(folder: Path) -> list[Path]:
    """The backups in `folder`, oldest first (names sort by time)."""
    return sorted(folder.glob(f"{PREFIX}*{SUFFIX}")) if folder.is_dir() else []


def taken_at(backup: Path) -> float:
    """When a backup was taken; a clear error for a file that is not one."""
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT at FROM notices WHERE key = ?", (TAKEN_KEY,)).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"{backup} 不是 qm 的数据库备份（{exc}）：备份在状态目录的 backups/ 下，文件名形如 qm-20270907-030000.sqlite3"
        ) from exc
    if row is None:
        raise InputError(
            f"{backup} 不是 qm 做的备份（没有备份时间记录，恢复时无法核对备份之后发出的内容）："
            "用 qm backup 备份（后台服务每天 03:00 也备份一次），备份在状态目录的 backups/ 下"
        )
    return float(row[0])


@dataclass
class Restored:
    taken: float
    kept: list[str] = field(default_factory=list)  # went out after the backup: state and receipt kept from the old database
    to_check: list[str] = field(default_factory=list)  # due after the backup, unknown: the daemon asks the channel
    to_person: list[str] = field(default_factory=list)  # due after the backup, unknown, channel cannot tell: failed


def restore(backup: Path, db: Path, now: float, can_tell: Callable[[str], bool]) -> Restored:
    """Replace `db` with `backup` (the caller holds the daemon lock) and reconcile what happened since.

    `can_tell(channel)`: whether that channel can say by itself what it received (an outbox folder, a
    platform that recognises a repeat), so a post of unknown fate may be left to the daemon's check."""
    taken = taken_at(backup)
    went_out = _went_out(db, taken)
    db.parent.mkdir(parents=True, exist_ok=True)
    private_database(db)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(db)
        try:
            source.backup(target)  # page by page into the live file, WAL included: never a half-copied database
        finally:
            target.close()
    finally:
        source.close()
    engine = open_db(f"sqlite:///{db}")  # a backup from an older qm is migrated here
    result = Restored(taken)
    try:
        with engine.begin() as conn:
            conn.execute(notices.delete().where(notices.c.key == TAKEN_KEY))
            for row, trail in went_out:
                _keep(conn, row, trail, now)
                result.kept.append(row["id"])
            _unknown(conn, now, {row["id"] for row, _ in went_out}, can_tell, result)
    finally:
        engine.dispose()
    return result


def _went_out(db: Path, since: float) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Posts the database being replaced shows going out after `since`, with their audit rows since."""
    if not db.is_file():
        return []
    try:
        engine = open_db(f"sqlite:///{db}", migrate_schema=False)
        try:
            with engine.connect() as conn:
                moved = sa.or_(posts.c.state.in_(WENT_OUT), posts.c.receipt.is_not(None))
                held = {c["name"] for c in sa.inspect(conn).get_columns(posts.name)}  # an older schema has fewer
                query = sa.select(*(c for c in posts.c if c.name in held)).where(moved, posts.c.updated >= since)
                rows = [dict(r._mapping) for r in conn.execute(query)]
                trails = {
                    r["id"]: [
                        dict(a._mapping) for a in conn.execute(sa.select(audit).where(audit.c.post_id == r["id"], audit.c.at >= since))
                    ]
                    for r in rows
                }
        finally:
            engine.dispose()
    except (sa.exc.DatabaseError, RuntimeFailure):
        return []  # unreadable: what it knew is lost, the channels are asked instead
    return [(r, trails[r["id"]]) for r in rows if r["state"] in WENT_OUT or committed(_receipt(r["receipt"]))]


def _receipt(text: str | None) -> Receipt | None:
    return Receipt.from_json(json.loads(text)) if text else None


def _keep(conn: Connection, row: dict[str, Any], trail: Iterable[dict[str, Any]], now: float) -> None:
    found = conn.execute(sa.select(posts.c.state).where(posts.c.id == row["id"])).first()
    if found is None:
        conn.execute(posts.insert().values(**row))
    else:
        conn.execute(posts.update().where(posts.c.id == row["id"]).values(**{k: v for k, v in row.items() if k != "id"}))
    for entry in trail:
        conn.execute(audit.insert().values(**{k: v for k, v in entry.items() if k != "id"}))
    why = f"恢复备份：保留备份之后的发布记录（{st.label(row['state'])}）"
    conn.execute(audit.insert().values(post_id=row["id"], at=now, who=WHO, from_state=row["state"], to_state=row["state"], why=why))


def _unknown(conn: Connection, now: float, known: set[str], can_tell: Callable[[str], bool], result: Restored) -> None:
    """Posts that were waiting at the backup, fell due since, and that nothing accounts for."""
    waiting = (st.APPROVED, st.SCHEDULED, st.PUBLISHING)
    fire = sa.func.coalesce(posts.c.next_try, posts.c.due)
    rows = conn.execute(sa.select(posts.c.id, posts.c.channel, posts.c.state).where(posts.c.state.in_(waiting), fire <= now)).all()
    for row in rows:
        if row.id in known:
            continue
        if can_tell(row.channel):
            values: dict[str, Any] = {"state": st.PUBLISHING}
            why = "恢复备份：备份之后到期，可能已发出；后台服务启动时先向渠道核实，确认未发出的才发布"
            result.to_check.append(row.id)
        else:
            values = {"state": st.FAILED, "next_try": None, "last_error": _to_person(row.id)}
            why = _to_person(row.id)
            result.to_person.append(row.id)
        conn.execute(posts.update().where(posts.c.id == row.id).values(updated=now, **values))
        conn.execute(audit.insert().values(post_id=row.id, at=now, who=WHO, from_state=row.state, to_state=values["state"], why=why))


def _to_person(post_id: str) -> str:
    return (
        f"恢复的备份早于 {post_id} 的发布时间，无法确认备份之后是否已发出：请到平台核实；"
        f"已发出的用 qm confirm {post_id} 补记，未发出的用 qm retry {post_id} 重发"
    )
