"""How far posts in staged review have come: the stages a version of a post has passed, read for many
posts at once (`qm queue` shows who passed which stage for every post it lists) or for one (`review`
checks a decision against them; the console shows them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .queue import Post, Queue
from .tables import stage_passes


@dataclass(frozen=True)
class StagePass:
    stage: int
    name: str
    who: str
    at: float


def passes_of(queue: Queue, posts: Iterable[Post]) -> dict[str, list[StagePass]]:
    """The stages each post's current version has passed, in order, by post id (a post with none is
    absent), in one query."""
    versions = {p.id: p.version for p in posts}
    if not versions:
        return {}
    with queue.engine.connect() as conn:
        return passes_at(conn, versions)


def passes_at(conn: Connection, versions: Mapping[str, str]) -> dict[str, list[StagePass]]:
    """The stages each post passed in the version given for it (post id -> version), in order, by post
    id (a post with none is absent): passes of its other versions do not count, and are not read."""
    given = sa.tuple_(stage_passes.c.post_id, stage_passes.c.version).in_(list(versions.items()))
    found: dict[str, list[StagePass]] = {}
    for r in conn.execute(sa.select(stage_passes).where(given).order_by(stage_passes.c.post_id, stage_passes.c.stage)):
        found.setdefault(r.post_id, []).append(StagePass(r.stage, r.stage_name, r.who, r.at))
    return found
