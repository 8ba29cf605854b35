"""The notices waiting for the daemon to send them (`publishing.notices_due`), as `qm status` and the console's
status page tell them: how many of each, since when, how many tries failed and why, what to do; and those
the daemon gave up after a day of failed tries. Nothing when nothing waits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..publishing.notices_due import GIVEN_UP_KEPT, RETRY_SECONDS, Held

# What the notices call themselves (their titles begin so), by the topic they are recorded under.
TOPICS = {
    "rules-back": "【审核规则已改】",
    "held": "【未自动审核】",
    "rejected": "【退回】",
    "screen-held": "【电子屏】",
    "words-back": "【回到待审核】",
    "approvals-lost": "【已审核的内容被取消】",
}
OTHER = "其他通知"  # recorded by a newer qm: its daemon knows how to tell it
START_DAEMON = "启动后台服务（qm daemon）后发出"
CHECK_ROBOTS = (
    f"检查通知机器人的地址（config.yaml 的 notifications 和其中 webhook_env 写的环境变量），"
    f"改好后后台服务每 {RETRY_SECONDS / 60:.0f} 分钟再试一次"
)
GONE = f"已放弃的通知不会再发出，请直接告诉相关的人（编辑、审核人）；{GIVEN_UP_KEPT / 86400:.0f} 天后不再列出"


@dataclass(frozen=True)
class Group:
    """The notices of one topic that wait (or were given up)."""

    title: str  # in the notices' own words
    count: int
    since: float  # the oldest was recorded then
    tries: int  # the most tries one of them had
    failed: str  # why the latest failed try failed; "" before any did
    given_up: float | None  # when the last of them was given up; None: they wait


def groups(held: Iterable[Held]) -> list[Group]:
    """Waiting groups first, then given-up ones; each in the order its oldest notice was recorded."""
    found: dict[tuple[bool, str], list[Held]] = {}
    for h in held:
        found.setdefault((h.given_up is not None, TOPICS.get(h.topic, OTHER)), []).append(h)
    made: list[Group] = []
    for (gone, title), some in sorted(found.items(), key=lambda kv: (kv[0][0], min(h.made for h in kv[1]))):
        tried = [h for h in some if h.failed]
        latest = max(tried, key=lambda h: (h.given_up or 0.0, h.made)).failed if tried else ""
        ends = [h.given_up for h in some if h.given_up is not None]
        made.append(Group(title, len(some), min(h.made for h in some), max(h.tries for h in some), latest, max(ends) if gone else None))
    return made


def advice(found: list[Group], alive: bool) -> list[str]:
    """What staff are to do about them."""
    waiting = [g for g in found if g.given_up is None]
    said = []
    if waiting and not alive:
        said.append(f"后台服务没有运行：{START_DAEMON}")
    if any(g.failed for g in found):
        said.append(CHECK_ROBOTS)
    if waiting and alive and not said:
        said.append("后台服务会在下次心跳（15 秒内）发出")
    if len(waiting) < len(found):
        said.append(GONE)
    return said


def line(group: Group, tz: dt.tzinfo) -> str:
    """One group in a sentence."""

    def local(t: float) -> str:
        return f"{dt.datetime.fromtimestamp(t, tz):%Y-%m-%d %H:%M:%S}"

    since = f"{'最早' if group.count > 1 else ''}记下于 {local(group.since)}"
    said = f"{group.title}{group.count} 条，{since}"
    if group.given_up is not None:
        said += f"，{local(group.given_up)} 放弃（试了 {group.tries} 次都没有发出）"
    elif group.failed:
        said += f"，已试 {group.tries} 次没有发出"
    return said + (f"；最近一次失败：{group.failed}" if group.failed else "")


def to_text(found: list[Group], alive: bool, tz: dt.tzinfo) -> list[str]:
    """`qm status`'s lines about them: none when nothing waits or was given up."""
    waiting = [g for g in found if g.given_up is None]
    lines = [f"等待发出的通知：{sum(g.count for g in waiting)} 条"] if waiting else []
    lines += [f"  {line(g, tz)}" for g in waiting]
    if len(waiting) < len(found):
        lines.append("已放弃的通知（一天内都没有发出）：")
        lines += [f"  {line(g, tz)}" for g in found if g.given_up is not None]
    return [*lines, "处理通知：", *(f"  {a}" for a in advice(found, alive))] if lines else []


def to_json(found: list[Group], alive: bool, tz: dt.tzinfo) -> dict[str, Any]:
    def iso(t: float | None) -> str | None:
        return None if t is None else dt.datetime.fromtimestamp(t, tz).isoformat(timespec="seconds")

    shown = [
        {"title": g.title, "count": g.count, "since": iso(g.since), "tries": g.tries, "failed": g.failed, "given_up": iso(g.given_up)}
        for g in found
    ]
    return {"groups": shown, "advice": advice(found, alive)}
