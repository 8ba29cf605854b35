"""The mark `qm simulate` leaves in the database it keeps: a table of its own saying when it was made,
so that whatever reads the database later (`qm report`) can tell invented
figures from real ones. Databases kept before the mark existed are known by the simulated reviewer
who approved every post."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

TABLE = "qm_simulation"
NOTICE = "模拟数据，不是真实发布：本报告的数据库由 qm simulate 在仿真平台上生成，其中的发布记录、阅读、转发和播放数字都是模拟的"
REVIEWER = "模拟审核"  # who approves every post of a simulation


def mark(database: Path) -> None:
    with sqlite3.connect(database) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (made REAL NOT NULL)")
        conn.execute(f"DELETE FROM {TABLE}")
        conn.execute(f"INSERT INTO {TABLE} (made) VALUES (?)", (time.time(),))
    conn.close()


def is_simulated(engine: Engine) -> bool:
    from ..publishing.tables import audit

    with engine.connect() as conn:
        if sa.inspect(conn).has_table(TABLE):
            return True
        return conn.execute(sa.select(audit.c.id).where(audit.c.who == REVIEWER).limit(1)).first() is not None
