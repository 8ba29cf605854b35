"""The publicity officer's sign-off (签发) of print sheets before they go to the printer, in the queue database.

A sign-off is for one file under posters/print and the SHA-256 of its bytes: a sheet made again with other
words has other bytes and waits for a sign-off again; made again with the same words it has the same bytes
(the PDFs carry no making time) and stays signed off. Signing the same bytes twice records nothing new.
`rejected_items` tells which items have a post rejected in the queue, which a sheet should not print unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import states as st
from .dialect_insert import insert_into
from .tables import posts, print_signoffs


@dataclass(frozen=True)
class Signoff:
    name: str
    sha256: str
    who: str
    at: float
    note: str = ""


def signoffs(engine: Engine) -> dict[str, list[Signoff]]:
    """Every sign-off, by file name, oldest first."""
    t = print_signoffs
    found: dict[str, list[Signoff]] = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(t.c.name, t.c.sha256, t.c.who, t.c.at, t.c.note).order_by(t.c.at, t.c.id)):
            found.setdefault(row.name, []).append(Signoff(row.name, row.sha256, row.who, row.at, row.note))
    return found


def sign(engine: Engine, name: str, sha256: str, who: str, at: float, note: str = "") -> Signoff:
    """Record `who` signing off the bytes `sha256` of sheet `name`; the sign-off there already when they were signed off before."""
    t = print_signoffs
    with engine.begin() as conn:
        insert = insert_into(conn, t).values(name=name, sha256=sha256, who=who, at=at, note=note)
        conn.execute(insert.on_conflict_do_nothing(index_elements=[t.c.name, t.c.sha256]))
        row = conn.execute(sa.select(t.c.who, t.c.at, t.c.note).where(t.c.name == name, t.c.sha256 == sha256)).one()
    return Signoff(name, sha256, row.who, row.at, row.note)


def signoff_note(written: str, concerns: Sequence[str]) -> str:
    """The note a sign-off keeps: what the signer wrote, else the concerns signed despite ("已知：…"), else nothing."""
    return written or ("已知：" + "；".join(concerns) if concerns else "")


def rejected_items(engine: Engine) -> dict[str, list[str]]:
    """Item id -> the ids of its posts now rejected in the queue."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(posts.c.item, posts.c.id).where(posts.c.state == st.REJECTED).order_by(posts.c.id)):
            found.setdefault(row.item, []).append(row.id)
    return found
