"""`qm approve` approves only the words the reviewer looked at: a post whose words changed in the refill
it runs first is refused, or, with the version the reviewer saw (`编号@版本`), any change since; and the
history says when a post waiting for review had its words changed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.planning.planner import PlannedPost
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue

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


def test_a_post_changed_in_the_refill_of_approve_is_refused_and_the_others_approved(project: Callable[..., Path]) -> None:
    config = project()
    changed, other = _posts(config)
    seen = _versions(config)  # the reviewer looks
    _edit(changed)

    done = run_qm("approve", changed.id, other.id, "--by", "张科长", "-c", config)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stdout
    assert "已审核通过 1 条" in done.stdout
    assert f"{changed.id} 的内容在你查看之后改动了（版本 {seen[changed.id][:8]} → " in done.stderr, done.stderr
    assert f"qm preview {DAY}；为什么改动见 qm history {changed.id}）" in done.stderr, done.stderr
    history = run_qm("history", changed.id, "-c", config)  # the reason it changed, no version codes
    assert "改动了内容" in history.stdout and "版本" not in history.stdout, history.stdout
    queue = Queue(Context(config).engine)
    kept, passed = queue.get(changed.id), queue.get(other.id)
    assert kept is not None and kept.state == st.PLANNED and kept.approved_version == ""
    assert passed is not None and passed.state == st.APPROVED

    again = run_qm("approve", changed.id, "--by", "张科长", "-c", config)  # looked again: nothing changed since
    assert again.returncode == 0 and "已审核通过 1 条" in again.stdout, again.stderr


def test_a_day_approved_by_date_leaves_out_the_posts_changed_in_its_refill(project: Callable[..., Path]) -> None:
    config = project()
    changed, _ = _posts(config)
    _versions(config)
    _edit(changed)

    done = run_qm("approve", "--date", DAY, "--by", "张科长", "-c", config)
    assert done.returncode == 2 and f"{changed.id} 的内容在你查看之后改动了" in done.stderr, done.stderr
    ctx = Context(config)
    day = [p for p in Queue(ctx.engine).find() if p.when(ctx.campaign.timezone).date().isoformat() == DAY]
    edited = {p.id for p in day if p.item == changed.item.id}  # the item's posts on every channel that day
    assert changed.id in edited and len(day) > len(edited)
    assert {p.id for p in day if p.state == st.PLANNED} == edited


def test_the_version_the_reviewer_saw_pins_the_approval(project: Callable[..., Path]) -> None:
    """Words changed and the queue refilled by someone else (the daemon, another `qm queue`) before the
    approval: only the version the reviewer saw tells."""
    config = project()
    changed, other = _posts(config)
    seen = _versions(config)
    _edit(changed)
    now = _versions(config)  # another refill: approve's own refill changes nothing
    assert now[changed.id] != seen[changed.id]

    done = run_qm("approve", f"{changed.id}@{seen[changed.id][:8]}", f"{other.id}@{seen[other.id][:8]}", "--by", "张科长", "-c", config)
    assert done.returncode == 2, done.stdout
    assert f"{changed.id} 的内容在你查看之后改动了（版本 {seen[changed.id][:8]} → {now[changed.id][:8]}）" in done.stderr
    assert "已审核通过 1 条" in done.stdout
    post = Queue(Context(config).engine).get(changed.id)
    assert post is not None and post.state == st.PLANNED

    assert run_qm("approve", f"{changed.id}@{now[changed.id][:8]}", "--by", "张科长", "-c", config).returncode == 0
    bad = run_qm("approve", f"{other.id}@12", "--by", "张科长", "-c", config)
    assert bad.returncode == 2 and "版本号" in bad.stderr and "Traceback" not in bad.stderr, bad.stderr


def test_queue_and_preview_show_the_version_to_pin(project: Callable[..., Path]) -> None:
    config = project()
    post, _ = _posts(config)
    version = _versions(config)[post.id][:8]
    listed = run_qm("queue", "--date", DAY, "-c", config)
    assert any(post.id in line and version in line for line in listed.stdout.splitlines()), listed.stdout
    preview = run_qm("preview", DAY, "-c", config)
    assert f"{post.id}@{version}" in preview.stdout, preview.stdout


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
