"""What the queue has approved for the days a build shows, kept between runs (`qm build`, `qm screen build`).

A screen shows only approved posts, by the queue brought in line with the current content first (a
changed post goes back to review): that refresh renders every post from today on and opens the database.
The states read after it are kept in the state folder under the fingerprint of everything the refresh
and the reading depend on: qm's code, the config, the templates, the logo and the photograph by their bytes
(they count in a post's version, wherever they are kept), today and the days asked for, every
planned post (its slot and whole content item) and the state of the database file and its write-ahead
log (size, times, inode; the log's modification time only). When all of these are as they were, the refresh would change nothing and the
reading would give the same states, so neither is done.

File times advance in clock ticks (on some file systems, whole seconds): a database written in the last
seconds could be written again without its times changing, so its states are not kept then (the next
run reads the database). Only the default
SQLite database in the state folder is fingerprinted; a database named by `database_url` (PostgreSQL,
shared by several daemons) is read every time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..rendering.picture_look import brand_files
from ..support.errors import QmError
from ..support.file_digest import file_digest
from . import check_cache

FILE, DATABASE = "build-approval.json", "qm.sqlite3"  # in the state folder
SETTLED_NS = 2_000_000_000  # a database file unchanged this long shows any later write in its times


def _database_state(database: Path) -> str | None:
    """The database file's and its log's size, times and inode; None while it may yet change unseen."""
    now = time.time_ns()
    parts = []
    for path in (database, database.with_name(database.name + "-wal")):
        try:
            st = path.stat()
        except FileNotFoundError:
            parts.append("empty")
            continue
        if st.st_size == 0:  # a log no transaction has written (made when a connection opens): as good as none
            parts.append("empty")
            continue
        if now - st.st_mtime_ns < SETTLED_NS:
            return None
        # Run as root, SQLite sets the log's owner each time a connection opens it (reading the queue for the
        # plan does), which moves its ctime: the log is known by what writes move, its size and mtime.
        changed = st.st_ctime_ns if path == database else ""
        parts.append(f"{st.st_size}:{st.st_mtime_ns}:{changed}:{st.st_ino}")
    return " ".join(parts)


class KeptApproval:
    """The queue's states of the posts between two days, kept under what they depend on (see the module)."""

    def __init__(self, campaign: Campaign, plan: Plan, today: dt.date, first: dt.date, last: dt.date) -> None:
        self.path = campaign.paths.state / FILE
        self.database = campaign.paths.state / DATABASE if not campaign.database_url else None
        inputs = hashlib.sha256()
        pictures = " ".join(file_digest(p) for p in brand_files(campaign.brand, campaign.posters.photo))  # as the look counts them
        for part in (
            check_cache.code_identity(),
            repr(campaign),
            check_cache.templates_identity(campaign),
            pictures,
            f"{today} {first} {last}",
        ):
            inputs.update(part.encode("utf-8", "surrogateescape") + b"\0")
        for post in plan.posts:
            inputs.update(repr(post).encode("utf-8", "surrogateescape") + b"\0")
        self._inputs = inputs.hexdigest()

    def _key(self) -> str | None:
        state = _database_state(self.database) if self.database is not None else None
        return None if state is None else hashlib.sha256(f"{self._inputs} {state}".encode()).hexdigest()

    def states(self, read: Callable[[], dict[str, str]]) -> dict[str, str]:
        """The kept states if nothing they depend on changed; else `read()` (refresh the queue, read it), kept."""
        key = self._key()
        if key is not None:
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(self.path.read_bytes())
                kept = data.get("states") if isinstance(data, dict) and data.get("key") == key else None
                if isinstance(kept, dict) and all(isinstance(v, str) for v in kept.values()):
                    return kept
        states = read()
        key = self._key()  # the refresh may have written to the database
        if key is not None:
            from ..support.atomic_files import atomic_write_bytes

            with contextlib.suppress(QmError):
                atomic_write_bytes(self.path, json.dumps({"key": key, "states": states}, ensure_ascii=False).encode(), durable=False)
        return states
