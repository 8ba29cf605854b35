"""The database side of post versions: what each version was made from, what changed between two,
and carrying posts approved under the older version scheme over to the current one."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import states as st
from .post_sources import ConfigAndTemplates, PostSource, Snapshot, what_changed
from .tables import audit, payload_versions, posts, source_snapshots, stage_passes, version_sources

if TYPE_CHECKING:
    from ..rendering.payloads import RenderedPost

Key = tuple[str, str]  # (post id, version)
SWAPPED = "这个时段改排了另一条内容"  # the plan gave a slot other words: "SWAPPED（old → new）" in the audit


def load(conn: Connection, post_ids: Iterable[str]) -> dict[Key, PostSource]:
    """The recorded sources of every version of these posts."""
    rows = _of_posts(conn, sa.select(version_sources), version_sources.c.post_id, post_ids)
    return {(r.post_id, r.version): PostSource(r.kind, r.content, r.item, r.snapshot) for r in rows}


def kept(conn: Connection, post_ids: Iterable[str]) -> set[Key]:
    """The versions of these posts whose payload is kept (payload_versions)."""
    query = sa.select(payload_versions.c.post_id, payload_versions.c.version)
    return {(r.post_id, r.version) for r in _of_posts(conn, query, payload_versions.c.post_id, post_ids)}


def _of_posts(conn: Connection, query: sa.Select[Any], column: sa.ColumnElement[str], post_ids: Iterable[str]) -> list[sa.Row[Any]]:
    ids = list(post_ids)
    rows: list[sa.Row[Any]] = []
    for start in range(0, len(ids), 500):  # keep under the database's parameter limit
        rows += conn.execute(query.where(column.in_(ids[start : start + 500]))).all()
    return rows


def keep_payload(conn: Connection, r: RenderedPost, now: float) -> None:
    """Keep this version's payload, as first seen (a version's words never change)."""
    found = conn.execute(
        sa.select(payload_versions.c.version).where(payload_versions.c.post_id == r.post_id, payload_versions.c.version == r.version)
    ).first()
    if found is None:
        payload = json.dumps(r.payload, ensure_ascii=False, sort_keys=True)
        images = json.dumps([i.__dict__ for i in r.images], ensure_ascii=False)
        conn.execute(payload_versions.insert().values(post_id=r.post_id, version=r.version, payload=payload, images=images, created=now))


def keep_snapshot(conn: Connection, files: ConfigAndTemplates) -> None:
    """Store the snapshot of the config and templates as they are now, unless it is stored already (then the config is not read)."""
    if conn.execute(sa.select(source_snapshots.c.digest).where(source_snapshots.c.digest == files.digest)).first() is None:
        conn.execute(source_snapshots.insert().values(digest=files.digest, body=files.snapshot.to_json()))


def record(conn: Connection, post_id: str, version: str, source: PostSource, known: dict[Key, PostSource]) -> None:
    """Remember what this version of the post is made from now (unless that is already recorded)."""
    key = (post_id, version)
    if known.get(key) == source:
        return
    values = {"kind": source.kind, "content": source.content, "item": source.item, "snapshot": source.snapshot}
    if key in known:
        where = (version_sources.c.post_id == post_id) & (version_sources.c.version == version)
        conn.execute(version_sources.update().where(where).values(**values))
    else:
        conn.execute(version_sources.insert().values(post_id=post_id, version=version, **values))
    known[key] = source


def changes(conn: Connection, post_id: str, old: str, new: str) -> list[str]:
    """What changed between two versions of a post, named for a person ([] when it is not known)."""
    return changes_of(conn, [(post_id, old, new)])[post_id]


def changes_of(conn: Connection, pairs: Sequence[tuple[str, str, str]]) -> dict[str, list[str]]:
    """`changes` for each (post id, old version, new version), by post id, read in two queries."""
    known = load(conn, [post_id for post_id, _, _ in pairs])
    sources = {post_id: (known.get((post_id, old)), known.get((post_id, new))) for post_id, old, new in pairs}
    snaps = _snapshots(conn, {s.snapshot for pair in sources.values() for s in pair if s is not None})
    out: dict[str, list[str]] = {}
    for post_id, (before, after) in sources.items():
        if before is None or after is None or after.snapshot not in snaps:
            out[post_id] = []
        else:
            out[post_id] = what_changed(before, snaps.get(before.snapshot), after, snaps[after.snapshot])
    return out


def _snapshots(conn: Connection, digests: set[str]) -> dict[str, Snapshot]:
    query = sa.select(source_snapshots).where(source_snapshots.c.digest.in_(sorted(digests)))
    return {r.digest: Snapshot.from_json(r.body) for r in conn.execute(query)}


def rekey(conn: Connection, post_id: str, old: str, new: str) -> None:
    """Carry a post over from an older version scheme: same words, new version; approvals and
    passed review stages follow it (nothing about the post changes, so nothing is audited)."""
    conn.execute(posts.update().where(posts.c.id == post_id, posts.c.version == old).values(version=new))
    conn.execute(posts.update().where(posts.c.id == post_id, posts.c.approved_version == old).values(approved_version=new))
    conn.execute(stage_passes.update().where(stage_passes.c.post_id == post_id, stage_passes.c.version == old).values(version=new))
    old_row = conn.execute(
        sa.select(payload_versions).where(payload_versions.c.post_id == post_id, payload_versions.c.version == old)
    ).first()
    has_new = conn.execute(
        sa.select(payload_versions.c.version).where(payload_versions.c.post_id == post_id, payload_versions.c.version == new)
    ).first()
    if old_row is not None and has_new is None:  # the approved text stays readable under its new name (for diffs)
        values = {"payload": old_row.payload, "images": old_row.images, "created": old_row.created}
        conn.execute(payload_versions.insert().values(post_id=post_id, version=new, **values))


def review_reasons(conn: Connection, changed: Sequence[tuple[str, str, str, str]]) -> dict[str, str]:
    """Why each post (id, item, approved version, version) approved at one version waits for review again
    at the other, by post id: the plan gave its slot other words since the approval (the audit says which,
    when that gave it its item), or what changed in its sources. Read in a fixed number of queries."""
    if not changed:
        return {}
    ids = [post_id for post_id, *_ in changed]
    approvals = sa.select(audit.c.post_id, sa.func.max(audit.c.id).label("id")).where(audit.c.to_state == st.APPROVED)
    approvals = approvals.group_by(audit.c.post_id)
    since = {r.post_id: r.id for r in _of_posts(conn, approvals, audit.c.post_id, ids)}  # a swap before it is what the approver saw
    swaps = sa.select(audit.c.post_id, audit.c.id, audit.c.why).where(audit.c.why.startswith(SWAPPED))
    swapped = {}
    for r in sorted(_of_posts(conn, swaps, audit.c.post_id, ids), key=lambda r: r.id):
        if r.id > since.get(r.post_id, 0):
            swapped[r.post_id] = r.why.partition("（版本")[0]
    named = changes_of(conn, [(post_id, approved, version) for post_id, _, approved, version in changed])
    reasons = {}
    for post_id, item, _, _ in changed:
        if swapped.get(post_id, "").endswith(f" → {item}）"):
            reasons[post_id] = swapped[post_id]
        else:
            reasons[post_id] = "改动了" + "、".join(named[post_id]) if named[post_id] else "审核后内容有修改"
    return reasons
