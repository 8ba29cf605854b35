"""Has the config the console was started with changed on disk since?

The console reads config.yaml once, at start: its database, review rules and everything else stay as
they were then. When staff change the file while `qm web` runs (say, `database:` to the PostgreSQL
server the daemons moved to), what they see and approve would silently stay in the old database. So
every request asks `ConfigWatch.change()`: each watched file's stat (mtime_ns, size) first, and its
SHA-256 only when the stat moved. A file touched or saved again with the same bytes is no change.
While a change stands, every page says so and the console refuses to write anything (409).

Watched: config.yaml and the file the config reads its words from (`lint.sensitive_words_file`).
Files the config only names (logo, font, photos) are read again where they are used, so not watched.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ..inputs.campaign import Campaign
from ..support.db_names import shown
from ..support.file_times import file_time

Stat = tuple[int, int] | None  # (mtime_ns, size), or None while the file cannot be read


def _stat(path: Path) -> Stat:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class _Watched:
    path: Path
    digest: str | None  # as the console started with it
    seen: Stat  # the stat when last looked at
    differs: bool = False  # whether the bytes at `seen` differ from `digest`
    changed_at: float = 0.0  # when (the file's mtime, or when found missing) it came to differ


@dataclass(frozen=True)
class Change:
    """A watched file that differs from the one the console started with."""

    path: Path
    at: float  # seconds since the epoch


class ConfigWatch:
    def __init__(self, paths: list[Path]) -> None:
        self._files = [_Watched(p, _digest(p), _stat(p)) for p in dict.fromkeys(paths)]
        self._lock = threading.Lock()

    @classmethod
    def of(cls, campaign: Campaign, config_digest: tuple[Stat, str | None] | None = None) -> ConfigWatch:
        """The files `campaign` was read from; `config_digest` is config.yaml's as taken before it was read."""
        words = campaign.lint.words_file
        watch = cls([campaign.config_path, *([words] if words else [])])
        if config_digest is not None:
            first = watch._files[0]
            first.seen, first.digest = config_digest
        return watch

    @staticmethod
    def taken(path: Path) -> tuple[Stat, str | None]:
        """A file's stat and digest now: take config.yaml's before reading it, so no edit in between goes unseen."""
        return _stat(path), _digest(path)

    def change(self) -> Change | None:
        """The first watched file that now differs from the one the console started with, or None."""
        with self._lock:
            for f in self._files:
                now = _stat(f.path)
                if now != f.seen:
                    f.seen = now
                    differs = now is None or _digest(f.path) != f.digest
                    if differs and not f.differs:
                        f.changed_at = now[0] / 1e9 if now is not None else time.time()
                    f.differs = differs
            first = next((f for f in self._files if f.differs), None)
        return Change(first.path, first.changed_at) if first else None


def banner(change: Change, campaign: Campaign, now: float) -> str:
    """What every page says while the config differs: which file, since when, which database the console still uses."""
    tz: ZoneInfo = campaign.timezone
    return (
        f"{change.path.name} 已修改（{file_time(change.at, tz, now)}），审核台仍按启动时的配置工作（数据库 {shown(campaign.db_url)}），"
        "在这里审核、修改的内容可能不会被按新配置运行的后台服务看到。请重启 qm web（在运行它的终端按 Ctrl+C，再运行 qm web）。"
    )


def refusal(change: Change, campaign: Campaign, now: float) -> str:
    """Why a state-changing request was refused while the config differs."""
    return "操作没有执行，什么都没有写入：" + banner(change, campaign, now)
