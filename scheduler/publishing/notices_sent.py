"""Notices sent to staff once each: a notice's key is claimed in the `notices` table as it goes out.

A claim is one insert-or-ignore on the table's primary key, never a read followed by an insert, so
two processes sharing a database (an active daemon and a `qm` command, or a standby that just took
over) cannot both send one notice: exactly one insert takes the key. A notice goes out through
`send_once`: its keys are claimed in a short transaction of their own, committed before the robot is
called, so a robot that answers slowly (or never, until its timeout) holds no write lock meanwhile (a
daemon's heartbeat, a publish's checkpoint, a reviewer's approval would wait for it, and fail after
SQLite's busy timeout); a notice whose sending raises (or, as its caller says, failed) has its keys
given back and goes out at the next try. So a notice goes out at most once: a process killed between
the claim and the send loses that one (before, the same kill could have it sent twice). A mark whose
time is overwritten (when a backup was taken) is one upsert (`record`).

A standing problem (the work done ahead failing for as long as a content file stays broken) is told
once, again only when it changes, and once more when it is over: its key (`standing_key`, a digest of
its text under a topic) is the topic's one row while it stands (`stand`), removed when it is gone (`clear`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .dialect_insert import insert_into
from .tables import notices

T = TypeVar("T")


def claim(conn: Connection, key: str, at: float) -> bool:
    """Record `key` as sent at `at`; True when this call recorded it (send the notice), False when it was already."""
    stmt = insert_into(conn, notices).values(key=key, at=at).on_conflict_do_nothing(index_elements=[notices.c.key])
    return conn.execute(stmt.returning(notices.c.key)).first() is not None  # rowcount is not reported by every driver


def send_once(engine: Engine, keys: Sequence[str], at: float, send: Callable[[], T], *, topic: str = "") -> T | None:
    """Claim `keys` in order (`claim`; the first one made the problem standing under `topic` when given: `stand`) in
    a transaction committed before `send` is called outside any; what `send` returned, or None when a key was
    claimed before (sent by another process, or by this one earlier; those this call claimed stay, as told). When
    `send` raises or returns False, the keys are given back: the notice goes out at the next try."""
    with engine.begin() as conn:
        first = stand(conn, topic, keys[0], at) if topic else claim(conn, keys[0], at)
        if not first or not all(claim(conn, key, at) for key in keys[1:]):
            return None
    try:
        took = send()
    except BaseException:
        _give_back(engine, keys)
        raise
    if took is False:
        _give_back(engine, keys)
    return took


def _give_back(engine: Engine, keys: Sequence[str]) -> None:
    """Free `keys` again; a database that refuses (locked past its busy timeout) is logged, never raised over the send's
    own error: the notice then counts as sent, and the log says which one was not."""
    try:
        with engine.begin() as conn:
            conn.execute(notices.delete().where(notices.c.key.in_(list(keys))))
    except sa.exc.SQLAlchemyError as exc:
        import logging

        from ..support.logs import event

        event(logging.getLogger("qm.notices"), "notice_key_kept", logging.ERROR, keys=",".join(keys), error=str(exc)[:300])


def record(conn: Connection, key: str, at: float) -> None:
    """Record `key` at `at`, replacing the time it held (a mark, such as when a backup was taken): one upsert."""
    insert = insert_into(conn, notices).values(key=key, at=at)
    conn.execute(insert.on_conflict_do_update(index_elements=[notices.c.key], set_={"at": insert.excluded.at}))


def sent(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Those of `keys` already sent (to skip preparing what would not go out)."""
    wanted = list(keys)
    if not wanted:
        return set()
    return set(conn.execute(sa.select(notices.c.key).where(notices.c.key.in_(wanted))).scalars())


def standing_key(topic: str, problem: str) -> str:
    """The key of `problem` standing under `topic`: the same text, the same key."""
    return f"{topic}:{hashlib.sha256(problem.encode()).hexdigest()[:32]}"


def standing(conn: Connection, topic: str) -> set[str]:
    """The keys standing under `topic` (one at most), to skip writing when nothing changed."""
    return set(conn.execute(sa.select(notices.c.key).where(_under(topic))).scalars())


def stand(conn: Connection, topic: str, key: str, at: float) -> bool:
    """Make `key` the problem standing under `topic`; True when this call made it so (tell staff)."""
    conn.execute(notices.delete().where(_under(topic), notices.c.key != key))
    return claim(conn, key, at)


def clear(conn: Connection, topic: str) -> bool:
    """Remove the problem standing under `topic`; True when this call removed one (tell staff it is over)."""
    return conn.execute(notices.delete().where(_under(topic)).returning(notices.c.key)).first() is not None


def held_topic(post_id: str) -> str:
    """The topic of a post's held notices (`auto_approval.held_key`): cleared when the post is approved."""
    return f"held:{post_id}"


def _under(topic: str) -> sa.ColumnElement[bool]:
    return notices.c.key.startswith(f"{topic}:", autoescape=True)
