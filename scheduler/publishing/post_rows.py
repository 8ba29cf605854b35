"""A post as the queue reads it: its row (`Post`), just its state and times (`Brief`), and an audit
entry of its history (`AuditEntry`). Reading and moving them is `queue`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..support.values import ImageRef, Receipt


@dataclass(frozen=True)
class Post:
    id: str
    channel: str
    at: float
    due: float
    next_try: float | None
    item: str
    area: str
    state: str
    version: str
    payload: dict[str, Any]
    images: tuple[ImageRef, ...]
    attempts: int
    last_error: str
    receipt: Receipt | None
    approved_by: str
    approved_version: str
    published_at: float | None
    updated: float
    sent_at: float | None = None  # when qm handed it to the platform (see `support.values.handed_at`)

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Post:
        m = row._mapping
        parsed = {
            "payload": json.loads(m["payload"]),
            "images": tuple(ImageRef(**i) for i in json.loads(m["images"])),
            "receipt": Receipt.from_json(json.loads(m["receipt"])) if m["receipt"] else None,
        }
        return cls(**{f.name: parsed[f.name] if f.name in parsed else m[f.name] for f in dataclasses.fields(cls)})

    @property
    def fire_at(self) -> float:
        """When the daemon should act on this post next."""
        return self.next_try if self.next_try is not None else self.due

    def when(self, tz: dt.tzinfo) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz)


@dataclass(frozen=True)
class Brief:
    """A post's state and times without its payload: what the sweep and the quota checks read."""

    id: str
    channel: str
    state: str
    at: float
    due: float
    next_try: float | None
    updated: float = 0.0
    published_at: float | None = None

    @property
    def fire_at(self) -> float:
        return self.next_try if self.next_try is not None else self.due


@dataclass(frozen=True)
class AuditEntry:
    post_id: str
    at: float
    who: str
    from_state: str
    to_state: str
    why: str


def receipt_json(receipt: Receipt) -> str:
    """A receipt as the `receipt` column stores it (`Post.from_row` reads it back)."""
    return json.dumps(receipt.to_json(), ensure_ascii=False)


def epoch(when: dt.datetime | str) -> float:
    return (dt.datetime.fromisoformat(when) if isinstance(when, str) else when).timestamp()
