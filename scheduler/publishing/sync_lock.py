"""One queue sync at a time, whichever machine or process runs it.

A sync reads the posts of its window, decides, then writes: it must not interleave with another sync.
Rows it reads are locked FOR UPDATE (against the daemon's claims), but rows that do not exist yet
cannot be locked, so two syncs on an empty queue (two daemons, or a daemon and `qm queue` or the web
console on another machine) would both insert the same posts: the later one fails on the primary key
(posts, payload versions, config snapshots), after deciding things from a queue it never saw.

SQLite: the sync's first statement is a write that changes no row; it takes the database's write lock
for the rest of the transaction. PostgreSQL: a transaction-level advisory lock, freed at commit or
rollback (or when the session dies); the next sync then reads what the first committed. Chosen over
INSERT ... ON CONFLICT DO NOTHING because a sync is many inserts across tables and decisions made from
its read (added, sent already, auto-approved, the audit): serialized, each sync sees a consistent queue,
as on SQLite. Syncs are rare and short (start, the morning refresh, an edit), so waiting costs nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .tables import posts

SYNC_LOCK = 0x716D_0003  # advisory lock key (0x716D = "qm"); migrations use 0x716D_0001, the lease (0x716D, 2)


def hold(conn: Connection) -> None:
    """Wait for the other syncs to end; the lock is this transaction's until it ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SYNC_LOCK)))
    else:
        conn.execute(posts.update().where(sa.false()).values(updated=posts.c.updated))
