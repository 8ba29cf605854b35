"""The review rules a shared database is reviewed under: recorded by the daemon when it starts, checked by
every approval.

Two machines sharing one database must review under the same rules: one whose config has no `review`
section would approve in one step a post the other's config sends through two, and one whose channel
has `auto_approve: true` would let out unreviewed what the other's rules send to people. The daemon
records its rules (`record`, last start wins); each stage pass compares its own with the recorded ones
inside its transaction and is refused when they differ (`check`), and a queue fill auto-approves only
when they agree (`agrees`). Nothing recorded (a fresh database, no daemon run yet): as before.

The auto-approve channels enter the digest only when there are some: a database recorded by a qm that
did not record them keeps its digest for every config without one (nothing changes there); a config
with one differs until its daemon starts again and records it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..channels.kinds import label_of
from ..inputs.campaign import ROLE_LABELS, Campaign, ReviewConfig
from .dialect_insert import insert_into
from .queue import TransitionError
from .tables import review_rules

KEY = "review"  # the table's one row
LEVELS = {1: "一级审核", 2: "两级审核", 3: "三级审核", 4: "四级审核", 5: "五级审核"}


@dataclass(frozen=True)
class Rules:
    digest: str
    description: str
    auto: frozenset[str] = field(default=frozenset(), compare=False)  # the channels approved without people (not recorded)


class RulesDiffer(TransitionError):
    """This machine's review rules are not those the shared database is reviewed under."""


def of(campaign: Campaign) -> Rules:
    """The rules this config reviews under: its review stages and its auto-approve channels."""
    return rules_of(campaign.review, auto_channels(campaign))


def auto_channels(campaign: Campaign) -> dict[str, str]:
    """The channels approved without people (`auto_approve: true`): name -> what staff call it."""
    return {c.name: label_of(campaign, c.name) for c in campaign.channels if c.auto_approve}


def rules_of(rules: ReviewConfig, auto: Mapping[str, str] | None = None) -> Rules:
    """What decides who may approve: the stages (name, role, order), with more than one stage whether one
    person may pass two of them, and the channels approved without people (`auto`, name -> label)."""
    stages = [[s.name, s.role] for s in rules.stages]
    same_person = rules.same_person and len(rules.stages) > 1
    what: dict[str, object] = {"stages": stages, "same_person": same_person}
    if auto:  # only when there are some: the digest of a config without any is the one recorded before
        what["auto_approve"] = sorted(auto)
    body = json.dumps(what, ensure_ascii=False, sort_keys=True)
    return Rules(hashlib.sha256(body.encode()).hexdigest(), describe(rules, auto), frozenset(auto or ()))


def describe(rules: ReviewConfig, auto: Mapping[str, str] | None = None) -> str:
    """The rules in a few words: 两级审核：初审（编辑）→终审（审核人），同一人不能通过两个阶段；微博自动通过."""
    count = len(rules.stages)
    levels = LEVELS.get(count, f"{count} 级审核")
    stages = "→".join(f"{s.name}（{ROLE_LABELS.get(s.role, s.role)}）" for s in rules.stages)
    said = f"{levels}：{stages}"
    if count > 1:
        said += "，同一人可以通过多个阶段" if rules.same_person else "，同一人不能通过两个阶段"
    if auto:
        said += "；" + "、".join(auto[name] for name in sorted(auto)) + "自动通过"
    return said


def recorded(conn: Connection) -> Rules | None:
    """The rules the database is reviewed under, or None when no daemon recorded any yet."""
    row = conn.execute(sa.select(review_rules).where(review_rules.c.key == KEY)).first()
    return None if row is None else Rules(row.digest, row.description)


def record(conn: Connection, mine: Rules, now: float) -> Rules | None:
    """Record `mine` as the rules the database is reviewed under; the rules recorded before, when they differed."""
    before = recorded(conn)
    values = {"digest": mine.digest, "description": mine.description, "at": now}
    upsert = insert_into(conn, review_rules).values(key=KEY, **values)  # two daemons starting at once: one row, no clash
    conn.execute(upsert.on_conflict_do_update(index_elements=[review_rules.c.key], set_=values))
    return before if before is not None and before.digest != mine.digest else None


def agrees(conn: Connection, mine: Rules) -> bool:
    """Whether `mine` are the rules recorded in the database (or none are recorded yet)."""
    before = recorded(conn)
    return before is None or before.digest == mine.digest


def check(conn: Connection, mine: Rules, act: str = "审核通过") -> None:
    """Refuse (RulesDiffer) `act` when this machine's rules are not those recorded in the database."""
    before = recorded(conn)
    if before is not None and before.digest != mine.digest:
        raise RulesDiffer(
            f"本机配置的审核规则与共用数据库记录的不同，不能{act}：数据库记录的是“{before.description}”"
            f"（后台服务启动时记录），本机 config.yaml 的是“{mine.description}”。"
            "请把本机 config.yaml 的 review 一节和各渠道的 auto_approve 改成与运行后台服务的机器相同；"
            "如果是有意修改审核规则，请在每台共用数据库的机器上都改好，再重启后台服务（qm daemon）"
        )


def changed_lines(before: Rules, now: Rules) -> tuple[str, ...]:
    """What the daemon tells staff when it started under rules other than those recorded."""
    return (
        f"原来：{before.description}",
        f"现在：{now.description}",
        "共用同一个数据库的每台机器，config.yaml 的 review 一节和各渠道的 auto_approve 必须相同；"
        "规则不同的机器上审核通过会被拒绝，也不会自动审核",
    )
