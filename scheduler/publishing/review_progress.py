"""How far the posts in staged review have come, read for many posts at once (`qm queue` shows who
passed which stage for every post it lists; `review.passes` reads one post's)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .queue import Post, Queue
from .review import StagePass
from .tables import stage_passes


def passes_of(queue: Queue, posts: Iterable[Post]) -> dict[str, list[StagePass]]:
    """The stages each post's current version has passed, in order, by post id (a post with none is
    absent), in one query."""
    versions = {p.id: p.version for p in posts}
    if not versions:
        return {}
    query = sa.select(stage_passes).where(stage_passes.c.post_id.in_(list(versions)))
    found: dict[str, list[StagePass]] = {}
    with queue.engine.connect() as conn:
        for r in conn.execute(query.order_by(stage_passes.c.post_id, stage_passes.c.stage)):
            if versions[r.post_id] == r.version:
                found.setdefault(r.post_id, []).append(StagePass(r.stage, r.stage_name, r.who, r.at))
    return found
