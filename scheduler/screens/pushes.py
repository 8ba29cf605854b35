"""The record of `qm screen push`: each push to an Anthias server that was tried, whether it went through and,
when it did not, why (in Chinese, as the command said it), one JSON line each in <state>/screens/<screen id>/.pushes.jsonl
(a hidden name: the player routes never serve it). The console's 电子屏 page reads it to say when each screen's
playlist was last pushed and whether the wall's server has the version the page shows."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..channels.screen.config import ScreenConfig

FILE = ".pushes.jsonl"


@dataclass(frozen=True)
class Push:
    at: float  # qm's clock (a rehearsal's QM_NOW while rehearsing)
    day: str  # the playlist's day (YYYY-MM-DD)
    version: str
    server: str  # the Anthias address, without a user:password@
    ok: bool
    said: str  # what was done (上传 3 张…) or why it failed


def record(root: Path, screen_id: str, push: Push) -> None:
    """Append `push` to the screen's record, on disk before the command ends."""
    path = root / screen_id / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(push), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def last_pushes(root: Path, screen_id: str) -> tuple[Push | None, Push | None]:
    """The screen's latest push and its latest one that went through (None: none recorded); a line that does
    not read (cut short by a crash) is passed over."""
    latest = latest_ok = None
    try:
        lines = (root / screen_id / FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None, None
    for line in lines:
        try:
            push = Push(**json.loads(line))
        except (ValueError, TypeError):
            continue
        latest = push
        latest_ok = push if push.ok else latest_ok
    return latest, latest_ok


def push_notes(root: Path, screen: ScreenConfig, tz: dt.tzinfo, shown: str) -> list[tuple[str, str]]:
    """(css class, what to know) about the screen's pushes (none for a screen without Anthias never pushed to);
    `shown`: the version of the playlist the wall should play now ("" when the page shows another day or one not
    built), said when the server's differs."""
    latest, latest_ok = last_pushes(root, screen.id)
    push = f"qm screen push {screen.id}"
    if latest is None:
        return [("warn", f"这块屏由 Anthias 播放服务器播放：还没有推送过播放列表（生成后运行 {push}）")] if screen.anthias else []
    notes = []
    if latest.ok:
        notes.append(("good", f"最近一次推送到 Anthias（{latest.server}）：{_when(latest, tz)} 成功，{_what(latest)}；{latest.said}"))
    else:
        before = f"上次成功推送：{_when(latest_ok, tz)}，{_what(latest_ok)}" if latest_ok else "此前没有成功推送过"
        said = f"{_when(latest, tz)}，{_what(latest)}；原因：{latest.said}"
        notes.append(("bad", f"最近一次推送到 Anthias（{latest.server}）失败：{said}。{before}"))
    if shown and (latest_ok is None or latest_ok.version != shown):
        notes.append(("bad", f"Anthias 播放服务器上没有这一版（版本 {shown}）：运行 {push} 推送"))
    return notes


def _when(push: Push, tz: dt.tzinfo) -> str:
    return f"{dt.datetime.fromtimestamp(push.at, tz):%Y-%m-%d %H:%M}"


def _what(push: Push) -> str:
    day = dt.date.fromisoformat(push.day)
    return f"{day.month}月{day.day}日的播放列表，版本 {push.version}"
