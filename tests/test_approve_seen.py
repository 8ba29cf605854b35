"""The history says when a post waiting for review had its words changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.planning.planner import PlannedPost

from .conftest import run_qm

DAY = "2027-09-02"


def _posts(config: Path) -> list[PlannedPost]:
    """Two Weibo-or-WeChat posts of DAY made from different Markdown content files."""
    found: dict[str, PlannedPost] = {}
    for p in Context(config).plan.posts:
        source = p.item.source.partition(":")[0]
        if p.at.date() == dt.date.fromisoformat(DAY) and source.endswith(".md") and not p.channel.startswith("screen"):
            found.setdefault(source, p)
    return list(found.values())[:2]


def _edit(post: PlannedPost) -> None:
    """An editor changes the post's title in its content file."""
    path = Path(post.item.source.partition(":")[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"title: {post.item.title}", f"title: {post.item.title}（新）", 1), encoding="utf-8")


def _versions(config: Path) -> dict[str, str]:
    listed = run_qm("queue", "--json", "-c", config)
    assert listed.returncode == 0, listed.stderr
    return {r["id"]: r["version"] for r in json.loads(listed.stdout)}


def test_history_says_the_words_of_a_post_waiting_for_review_changed(project: Callable[..., Path]) -> None:
    config = project()
    post, _ = _posts(config)
    before = _versions(config)[post.id]
    _edit(post)
    after = _versions(config)[post.id]

    history = run_qm("history", post.id, "--json", "-c", config)
    assert history.returncode == 0, history.stderr
    whys = [e["why"] for e in json.loads(history.stdout)]
    source = post.item.source.partition(":")[0]
    assert any(f"（版本 {before} → {after}）" in why and Path(source).name in why for why in whys), whys
