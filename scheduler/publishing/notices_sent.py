"""Notices sent to staff once each: a notice's key is claimed in the `notices` table as it goes out.

A claim is one insert-or-ignore on the table's primary key, never a read followed by an insert, so
two processes sharing a database (an active daemon and a `qm` command, or a standby that just took
over) cannot both send one notice: exactly one insert takes the key. Claim and send share the
caller's transaction: a notice whose sending raises is not recorded and goes out at the next try.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import notices


def claim(conn: Connection, key: str, at: float) -> bool:
    """Record `key` as sent at `at`; True when this call recorded it (send the notice), False when it was already."""
    if conn.dialect.name == "postgresql":  # imported here: the other dialect's module is never loaded
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: sa.Insert = pg_insert(notices).values(key=key, at=at).on_conflict_do_nothing(index_elements=[notices.c.key])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(notices).values(key=key, at=at).on_conflict_do_nothing(index_elements=[notices.c.key])
    return conn.execute(stmt.returning(notices.c.key)).first() is not None  # rowcount is not reported by every driver


def sent(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Those of `keys` already sent (to skip preparing what would not go out)."""
    wanted = list(keys)
    if not wanted:
        return set()
    return set(conn.execute(sa.select(notices.c.key).where(notices.c.key.in_(wanted))).scalars())
