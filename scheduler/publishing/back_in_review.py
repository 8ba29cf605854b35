"""Why a post that was approved waits for review again, as `qm queue`'s note column and the console's posts
say it (`Queue.change_reasons`): what changed since its approval (`version_records.review_reasons`), or
the review rules in force that no longer accept its approval, as the history line that sent it back says.

Every history line that un-approves a post for the rules in force says `RULES_CHANGED` (a fill under them,
words changed back to an approval they do not accept, a retry): the latest such line since the post last
left review is its reason, until it leaves review again (approved, rejected or cancelled).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import states as st
from . import version_records
from .tables import audit

if TYPE_CHECKING:
    from .queue import Post

RULES_CHANGED = "审核规则已改"
ENDINGS = ("，回到待审核", "，需要审核")  # what the history line adds: the page says it already (回到待审核：…)


def reasons(conn: Connection, found: Iterable[Post]) -> dict[str, str]:
    """Why each of these posts waiting for review was sent back there, by post id, where that is known."""
    waiting = [p for p in found if p.state == st.PLANNED]
    changed = [(p.id, p.item, p.approved_version, p.version) for p in waiting if p.approved_version not in ("", p.version)]
    return {**_rules(conn, [p.id for p in waiting if not p.approved_version]), **version_records.review_reasons(conn, changed)}


def _rules(conn: Connection, post_ids: list[str]) -> dict[str, str]:
    """What the rules in force found the approval of each of these posts lacking, by post id, for those they
    sent back since the post last left review; read in a fixed number of queries per 500 posts."""
    found: dict[str, str] = {}
    for start in range(0, len(post_ids), 500):  # keep under the database's parameter limit
        ids = post_ids[start : start + 500]
        left = sa.select(audit.c.post_id, sa.func.max(audit.c.id)).where(audit.c.post_id.in_(ids), audit.c.to_state != st.PLANNED)
        since: dict[str, int] = {post_id: last for post_id, last in conn.execute(left.group_by(audit.c.post_id))}
        back = sa.select(audit.c.post_id, audit.c.id, audit.c.why).where(audit.c.post_id.in_(ids), audit.c.to_state == st.PLANNED)
        for post_id, entry, why in conn.execute(back.where(audit.c.why.contains(RULES_CHANGED)).order_by(audit.c.id)):
            if entry > since.get(post_id, 0):
                found[post_id] = _said(why[why.index(RULES_CHANGED) :])
    return found


def _said(why: str) -> str:
    for ending in ENDINGS:
        why = why.removesuffix(ending)
    return why
