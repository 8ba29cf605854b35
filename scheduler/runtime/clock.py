"""Where the daemon gets the time: the system clock, or a fake one that tests and the simulation move
(`SharedClock`: one fake time for several processes)."""

from __future__ import annotations

import datetime as dt
import mmap
import struct
import threading
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = when.astimezone(dt.UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)


class SharedClock:
    """A fake clock several processes share (the failover simulation's daemons and its fake servers):
    the time is 8 bytes of a small file, memory-mapped, so whoever moves it, every process sees it
    at once. `start` creates the file; the other processes open it by its path."""

    def __init__(self, path: Path, start: dt.datetime | None = None) -> None:
        self.path = path
        if start is not None:
            path.write_bytes(struct.pack("<d", start.timestamp()))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), 8)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(struct.unpack_from("<d", self._map)[0], dt.UTC)

    def set(self, when: dt.datetime) -> None:
        struct.pack_into("<d", self._map, 0, when.timestamp())

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.set(self.now() + dt.timedelta(seconds=seconds))

    def close(self) -> None:
        self._map.close()
        self._file.close()
