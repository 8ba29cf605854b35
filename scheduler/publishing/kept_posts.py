"""What the queue already holds, for the planner to keep (`planner.Kept`): every post not cancelled, by id
(one that may have gone out is kept as one that went out, also when cancelled since: `maybe_sent`).

A SQLite queue is read with the standard library's driver (`qm plan` and `qm check` start without
SQLAlchemy); any other database through SQLAlchemy. A queue that does not exist yet holds nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..inputs.campaign import DaemonConfig
from ..planning.kept import Kept
from ..support.values import Receipt
from . import maybe_sent
from . import states as st
from .db_errors import database_error, sqlite_file

_QUERY = f"SELECT id, channel, item, state, attempts, receipt FROM posts WHERE state != '{st.CANCELLED}' OR attempts > 0"
Row = tuple[str, str, str, str, int, str | None]


def read_kept(db_url: str, lease_timeout: float = DaemonConfig.lease_timeout) -> dict[str, Kept]:
    """The queue's posts the plan keeps; a QmError (in Chinese) when the database cannot be read. A
    server that does not answer is given up within a third of `lease_timeout`, as `open_db` does."""
    path = sqlite_file(db_url)
    if path is not None:
        return _from_sqlite(db_url, path) if path.exists() else {}
    return _from_server(db_url, lease_timeout)


def _kept(rows: list[Row]) -> dict[str, Kept]:
    """Each post by id; one that may have gone out (`maybe_sent`) is kept as out, and says it is unsure; a cancelled
    one only then."""
    kept = {}
    for post_id, channel, item, state, attempts, receipt in rows:
        judged = receipt if receipt and maybe_sent.unsure(state, attempts) else None  # read only then
        unsure = maybe_sent.maybe_sent(state, attempts, Receipt.from_json(json.loads(judged)) if judged else None)
        if state != st.CANCELLED or unsure:
            kept[post_id] = Kept(channel, item, state in st.LOCKED or unsure, unsure)
    return kept


def _from_sqlite(db_url: str, path: Path) -> dict[str, Kept]:
    import sqlite3  # only where a queue exists: `qm check` on a new campaign does not load it

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            return _kept(conn.execute(_QUERY).fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return {}  # created, not migrated yet: holds nothing
        raise database_error(exc, db_url, str(path)) from exc


def _from_server(db_url: str, lease_timeout: float) -> dict[str, Kept]:
    import sqlalchemy as sa

    from ..runtime.lease import keepalive_args
    from ..support.db_names import shown
    from .db import new_engine

    engine = new_engine(db_url, connect_args=keepalive_args(lease_timeout))  # a driver not installed is told in Chinese
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("posts"):
                return {}
            return _kept([(r.id, r.channel, r.item, r.state, r.attempts, r.receipt) for r in conn.execute(sa.text(_QUERY))])
    except sa.exc.SQLAlchemyError as exc:  # a server's failures: `postgres_errors`
        raise database_error(exc, db_url, shown(db_url)) from exc
    finally:
        engine.dispose()
