"""The words a reviewer looked at, for `qm approve`: it approves a post only at the version they saw.

Reviewers look with `qm preview` or `qm queue`, which show each post's version (its first `SHOWN` hex
digits), and approve by id (`编号`, or `编号@版本` to pin the version seen) or by date. `qm approve`
refills the queue first: a post whose version that refill changed is refused, as is a pinned post whose
version is no longer the one pinned (changed by any refill since: the daemon's, another `qm queue`, the
console's), saying that the reviewer must look again. The others are approved.
"""

from __future__ import annotations

import re

from ..inputs.campaign import Campaign
from ..publishing.queue import Post, Queue
from ..rendering.versions import SHOWN, shown
from ..support.errors import InputError

_PIN = re.compile(r"[0-9a-f]+")  # a version's start, at least SHOWN digits long


def pinned(ids: list[str]) -> dict[str, str]:
    """The ids written (`编号` or `编号@版本`), in order, each with the version pinned ("" when none)."""
    found: dict[str, str] = {}
    for written in ids:
        post_id, at, version = written.partition("@")
        version = version.strip().lower()
        if at and (len(version) < SHOWN or not _PIN.fullmatch(version)):
            raise InputError(
                f"{written}：@ 后面要写版本号，至少 {SHOWN} 位数字和 a–f 字母，如 {post_id}@8eb4f891"
                "（qm queue 的“版本”一栏或 qm preview 每条内容后面显示的版本号）"
            )
        found[post_id.strip()] = version
    return found


def before_refill(queue: Queue, ids: list[str], start: float | None) -> dict[str, str]:
    """The version of each post named, and of every post of the day from `start`, before approve refills the queue."""
    posts = [p for i in ids if (p := queue.get(i)) is not None]
    if start is not None:
        posts += queue.find((), start, start + 86400)
    return {p.id: p.version for p in posts}


def changed(campaign: Campaign, post: Post, looked: str | None) -> str:
    """Why `post` may not be approved: its version is not `looked` (a pinned start, or its full version before
    the refill; None: nothing to compare with, the post is new to the queue); "" when it may."""
    if not looked or post.version.startswith(looked):
        return ""
    day = post.when(campaign.timezone).date()
    return (
        f"{post.id} 的内容在你查看之后改动了（版本 {shown(looked)} → {shown(post.version)}），没有通过：你看到的不是现在的文字。"
        f"请重新查看（qm preview {day}；为什么改动见 qm history {post.id}），确认后再审核：{approve_at(post.id, post.version)}"
    )


def approve_at(post_id: str, version: str) -> str:
    """The command that approves `version` of a post only: refused if the text changes before it is given."""
    return f"qm approve {post_id}@{shown(version)}"
