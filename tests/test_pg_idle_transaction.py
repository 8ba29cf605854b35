"""A qm process frozen in the middle of a transaction (SIGSTOP, a paused machine) holds its row locks only for a while:
the server ends a session idle in a transaction after twice the lease timeout, so a standby taking over (which writes
the daemon's row) is not kept waiting for ever. A real PostgreSQL."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from scheduler.publishing.db import open_db
from scheduler.runtime.lock_tables import daemon_info
from tests.pg_server import PgServer


def test_a_session_frozen_in_a_transaction_lets_go_of_its_row_locks(pg_server: PgServer) -> None:
    url = pg_server.url(pg_server.create_database())
    frozen, standby = open_db(url, lease_timeout=1.0), open_db(url, lease_timeout=1.0)
    with standby.begin() as conn:
        conn.execute(daemon_info.insert().values(id=1, pid=1, host="a", started=0.0, heartbeat=0.0))
    held = frozen.connect()
    held.begin()
    held.execute(daemon_info.update().where(daemon_info.c.id == 1).values(heartbeat=1.0))  # then the process stops
    start = time.monotonic()
    with standby.begin() as conn:  # waits for the frozen session's row lock until the server ends that session
        conn.execute(sa.text("SET LOCAL lock_timeout = '15s'"))  # (without that end: fails here, not waits for ever)
        conn.execute(daemon_info.update().where(daemon_info.c.id == 1).values(pid=2, heartbeat=2.0))
    assert time.monotonic() - start < 10
    with pytest.raises(sa.exc.DBAPIError):
        held.execute(sa.select(1))  # the frozen process, woken: its session is gone, its update never happened
    held.invalidate()
    held.close()
    with standby.connect() as conn:
        assert conn.execute(sa.select(daemon_info.c.pid, daemon_info.c.heartbeat)).one() == (2, 2.0)
    frozen.dispose()
    standby.dispose()
