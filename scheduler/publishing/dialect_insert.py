"""An INSERT in the connection's own dialect, for its ON CONFLICT clause (insert-or-ignore, upsert): the
queue runs on SQLite or PostgreSQL, and both spell it the same way in SQLAlchemy once the insert is theirs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert


def insert_into(conn: Connection, table: sa.Table) -> PgInsert | SqliteInsert:
    """An insert into `table` in the connection's dialect."""
    if conn.dialect.name == "postgresql":  # imported here: the other dialect's module is never loaded
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
