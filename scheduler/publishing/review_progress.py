"""How far posts in staged review have come: the stages a version of a post has passed, read for many
posts at once (`qm queue` shows who passed which stage for every post it lists) or for one (`review`
checks a decision against them; the console shows them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..support.errors import InputError
from .queue import Post, Queue, TransitionError
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


def stage_index(names: list[str], done: list[StagePass], stage: str | None, post_id: str, who: str) -> int:
    """Which stage (index into `names`) an approval by `who` is for, after the passes `done`: the stage it
    names, or without one the next. Refused when that stage is not the next and not one `who` passed."""
    if stage is None:
        return len(done)
    if stage not in names:
        raise InputError(f"没有名为 {stage} 的审核阶段（配置的阶段：{'、'.join(names)}）")
    index = names.index(stage)
    if index < len(done) and done[index].who != who:
        raise TransitionError(f"{post_id} 的{stage}已由 {done[index].who} 通过，不用再审；页面上是现在的审核进度")
    if index > len(done):
        raise TransitionError(f"{post_id} 还没有通过{names[len(done)]}，要先通过{names[len(done)]}才能{stage}")
    return index
