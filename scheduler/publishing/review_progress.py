"""How far posts in staged review have come: the stages a version of a post has passed, read for many
posts at once (`qm queue` shows who passed which stage for every post it lists) or for one (`review`
checks a decision against them; the console shows them).

A pass counts only for the stage it was given for, under the rules in force (`counted`): the stage of
its recorded name, when that stage asks no higher a role now than when it was passed (and, unless
`same_person`, by someone who passed no other counted stage). Stages renamed, reordered, added or made
stricter since: the review continues from the first stage not properly passed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..inputs.campaign import ROLES, ReviewConfig, Stage
from ..support.errors import InputError
from .queue import Post, Queue, TransitionError
from .tables import stage_passes


@dataclass(frozen=True)
class StagePass:
    stage: int
    name: str
    who: str
    at: float
    role: str = ""  # the role the stage asked when it was passed ("": recorded before qm kept it)


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
        found.setdefault(r.post_id, []).append(StagePass(r.stage, r.stage_name, r.who, r.at, r.stage_role))
    return found


def passed_by(conn: Connection, post_id: str, version: str, rules: ReviewConfig) -> str:
    """Who passed this version's review stages that count under `rules`, in stage order, each once: what `approved_by` holds."""
    done = passes_at(conn, {post_id: version}).get(post_id, [])
    return "、".join(dict.fromkeys(p.who for p in counted(rules, done)))[:80]


def counted(rules: ReviewConfig, done: Iterable[StagePass]) -> list[StagePass]:
    """The passes that count under `rules`, in the order of its stages: each for the stage of its name,
    given when that stage asked at least the role it asks now (a pass recorded before qm kept the role
    counts by its name), each by another person unless one may pass several stages."""
    by_name = {p.name: p for p in done}
    found: list[StagePass] = []
    for stage in rules.stages:
        p = by_name.get(stage.name)
        if p is not None and _asked_enough(p.role, stage) and (rules.same_person or all(q.who != p.who for q in found)):
            found.append(p)
    return found


def _asked_enough(role: str, stage: Stage) -> bool:
    return role == "" or (role in ROLES and ROLES.index(role) >= ROLES.index(stage.role))


def live_passes(rules: ReviewConfig, done: Iterable[StagePass]) -> list[StagePass]:
    """The passes that still count for a post waiting for review (`counted`). A complete set belongs to an
    approval withdrawn since (the post was cancelled and sent again, or another version was approved in
    between and its words then changed back): its review starts over from the first stage."""
    found = counted(rules, done)
    return found if len(found) < len(rules.stages) else []


def missing(rules: ReviewConfig, done: Iterable[StagePass]) -> list[Stage]:
    """The stages of `rules` that the counted passes among `done` leave unpassed, in order."""
    passed = {p.name for p in counted(rules, done)}
    return [s for s in rules.stages if s.name not in passed]


def pending_stage(rules: ReviewConfig, done: list[StagePass]) -> Stage | None:
    """The stage a post waits for after the counted passes `done`: the first not passed; None once all are."""
    return next(iter(missing(rules, done)), None)


def stage_index(names: list[str], done: list[StagePass], stage: str | None, post_id: str, who: str) -> int:
    """Which stage (index into `names`) an approval by `who` is for, after the counted passes `done`: the
    stage it names, or without one the first not passed. Refused when that stage is neither the first not
    passed nor one `who` passed."""
    passed = {p.name: p for p in done}
    first = next((i for i, name in enumerate(names) if name not in passed), len(names))
    if stage is None:
        return first
    if stage not in names:
        raise InputError(f"没有名为 {stage} 的审核阶段（配置的阶段：{'、'.join(names)}）")
    index = names.index(stage)
    if stage in passed and passed[stage].who != who:
        raise TransitionError(f"{post_id} 的{stage}已由 {passed[stage].who} 通过，不用再审；页面上是现在的审核进度")
    if stage not in passed and index != first:
        raise TransitionError(f"{post_id} 还没有通过{names[first]}，要先通过{names[first]}才能{stage}")
    return index


def record_pass(conn: Connection, post_id: str, version: str, rules: ReviewConfig, done: list[StagePass], new: StagePass) -> None:
    """Record `new`, keeping of this version's passes only the counted ones `done`, each under its
    stage's place in `rules` now (passes that no longer count are dropped: the audit keeps them)."""
    where = (stage_passes.c.post_id == post_id) & (stage_passes.c.version == version)
    conn.execute(stage_passes.delete().where(where))
    names = [s.name for s in rules.stages]
    for p in [*done, new]:
        values = {"stage": names.index(p.name), "stage_name": p.name, "who": p.who, "at": p.at, "stage_role": p.role}
        conn.execute(stage_passes.insert().values(post_id=post_id, version=version, **values))
