"""A SQLite database still locked after its busy timeout (a long write elsewhere): the page's work is tried again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa

RETRIES_ON_LOCK = 3
T = TypeVar("T")


def retrying(fn: Callable[..., T], *args: Any) -> T:
    """Call `fn`; a SQLite database still locked after its busy timeout (a long write elsewhere) is tried again, never shown."""
    for attempt in range(RETRIES_ON_LOCK):
        try:
            return fn(*args)
        except sa.exc.OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == RETRIES_ON_LOCK - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")
