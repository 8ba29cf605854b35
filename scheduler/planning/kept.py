"""What the queue already holds for a slot, as the planner keeps it (a module of its own: a `qm check`
replayed from its stored result reads the queue but loads no planner)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kept:
    """What the queue holds for a slot (by post id): its channel and item, and whether it went out (or may have)."""

    channel: str
    item: str
    out: bool = False
    unsure: bool = False  # out only perhaps: it failed after an attempt that may have sent it (`publishing.maybe_sent`)
