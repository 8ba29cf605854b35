"""Notices a change records for the daemon to send: whoever fills the queue (`qm queue` and the commands that
refresh it, the web console, the daemon itself) or rejects a post (`qm reject`, the console) records what staff
are to be told in the transaction that makes the change it tells of, and the active daemon sends it at its
next heartbeat.

Why the daemon sends them, not the process that made the change: a command or the console then needs no
webhook secrets; a notice is written with its change (both or neither), so each change is told exactly once,
whoever made it, and no later fill can tell it again (the change is made); and a notice is not lost when
a webhook fails (the daemon tries that notifier again) or when no daemon runs (the next one sends it).

A daemon takes a row before sending it (`take`: one conditional update, so two daemons sharing a database
never both send it), then removes it once every subscribed notifier took it (`done`), or notes who took it
and when to try the others again and why they failed (`later`). A row taken by a daemon that died while
sending is free again after `TAKEN_SECONDS`: a notifier may then get it twice, which is better than not at all.
A notice still failing after `TRIES` tries is given up (`give_up`): no longer sent, but kept `GIVEN_UP_KEPT`
so that `qm status` and the console say it was never sent (`held` reads what waits and what was given up).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .tables import notices_due

RETRY_SECONDS = 300.0  # a notifier that failed is tried again this much later
TRIES = 288  # a day of tries; then the notice is given up (the log says so)
TAKEN_SECONDS = 120.0  # a taken row whose daemon died while sending is free again this much later
GIVEN_UP_KEPT = 7 * 86400.0  # a notice given up is shown this long, then dropped


@dataclass(frozen=True)
class Due:
    id: int
    topic: str
    body: dict[str, Any]
    next_try: float
    tries: int
    told: frozenset[str]  # the notifiers that took it already


@dataclass(frozen=True)
class Held:
    """A notice not sent yet, or given up, as staff are told of it."""

    topic: str
    made: float
    tries: int  # tries so far (each one that failed, or one under way)
    failed: str  # why the last try failed; "" before any did
    given_up: float | None


def record(conn: Connection, topic: str, body: dict[str, Any], now: float) -> None:
    """Record a notice for the daemon to send, in the caller's transaction (with the change it tells of)."""
    conn.execute(notices_due.insert().values(topic=topic, body=json.dumps(body, ensure_ascii=False), made=now))


def waiting(conn: Connection, now: float) -> list[Due]:
    """The notices to send at `now`, oldest first."""
    due = sa.select(notices_due).where(notices_due.c.next_try <= now, notices_due.c.given_up.is_(None))
    rows = conn.execute(due.order_by(notices_due.c.id))
    return [Due(r.id, r.topic, json.loads(r.body), r.next_try, r.tries, frozenset(json.loads(r.told))) for r in rows]


def take(conn: Connection, due: Due, now: float) -> bool:
    """Take `due` for sending now; False when another daemon took it (or sent it) since it was read."""
    mine = notices_due.update().where(notices_due.c.id == due.id, notices_due.c.next_try == due.next_try)
    return conn.execute(mine.values(next_try=now + TAKEN_SECONDS, tries=due.tries + 1)).rowcount == 1


def done(conn: Connection, due_id: int) -> None:
    conn.execute(notices_due.delete().where(notices_due.c.id == due_id))


def later(conn: Connection, due_id: int, told: Iterable[str], now: float, failed: str) -> None:
    """Some notifiers failed (`failed`: why): try them (not those in `told`) again after `RETRY_SECONDS`."""
    again = notices_due.update().where(notices_due.c.id == due_id)
    conn.execute(again.values(told=json.dumps(sorted(told), ensure_ascii=False), next_try=now + RETRY_SECONDS, failed=failed))


def give_up(conn: Connection, due_id: int, now: float, failed: str) -> None:
    """The last try failed too: send it no more, keep it to be shown; drop those given up long ago."""
    conn.execute(notices_due.update().where(notices_due.c.id == due_id).values(given_up=now, failed=failed))
    conn.execute(notices_due.delete().where(notices_due.c.given_up < now - GIVEN_UP_KEPT))


def held(conn: Connection, now: float) -> list[Held]:
    """Every notice waiting to be sent, and those given up in the last `GIVEN_UP_KEPT`, oldest first."""
    shown = sa.or_(notices_due.c.given_up.is_(None), notices_due.c.given_up >= now - GIVEN_UP_KEPT)
    rows = conn.execute(sa.select(notices_due).where(shown).order_by(notices_due.c.made, notices_due.c.id))
    return [Held(r.topic, r.made, r.tries, r.failed, r.given_up) for r in rows]
