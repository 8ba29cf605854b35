"""The rows the single-instance lock keeps in the queue database (see `lock.py`).

They live with the lock, not with the queue's tables, so that what runs the daemon never imports
the queue; the queue database's migrations create them (steps 2 and 4; 17 adds `took_over`) like every other table.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

daemon_info = sa.Table(
    "daemon",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1: one daemon per database
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("host", sa.String(120), nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("heartbeat", sa.Float, nullable=False),
    sa.Column("stopped", sa.Float),
)

daemons = sa.Table(
    "daemons",  # every daemon process sharing the database, active or standby (for qm status)
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("host", sa.String(120), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # "active" or "standby"
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("heartbeat", sa.Float, nullable=False),
    sa.Column("stopped", sa.Float),
    sa.Column("took_over", sa.Float),  # when a standby took the lease over (its process started earlier)
)
