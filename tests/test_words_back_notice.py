"""Approved posts whose words an editor changed go back to review at the next refresh of the queue: reviewers
get one 【回到待审核】 notice per refresh, whoever refreshed (`qm queue` prints it too; the daemon sends it through
the group robots, real HTTP to a local robot), most urgent first with today's and tomorrow's posts marked, and
never twice for one change (a second refresh, a daemon restart)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.queue import Queue
from scheduler.rendering.payloads import Renderer
from scheduler.support.notify import Notifications

from .conftest import run_qm
from .daemon_helpers import Harness, Recorder, robot_server

NOW = "2027-09-02T09:00:00+08:00"  # a morning of the bundled campaign
MORNING = dt.datetime(2027, 9, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
HOOK = "QM_WECOM_WEBHOOK"  # the project config's notifier, subscribed to every kind of notice
TITLE = "【回到待审核】"


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", NOW)  # the commands' clock: this morning
    return project()


def _three(plan: Plan) -> list[str]:
    """Tonight's WeChat post, tomorrow morning's Weibo post and next week's WeChat post: most urgent first."""
    wanted = [(2, "wechat"), (3, "weibo"), (9, "wechat")]
    return [next(p.id for p in plan.on(dt.date(2027, 9, day)) if p.channel == channel) for day, channel in wanted]


def _edit_titles(ctx: Context, post_ids: list[str]) -> None:
    """An editor changes the title in the content file of each post's item (after the posts were approved)."""
    for post in (p for p in ctx.plan.posts if p.id in post_ids):
        path = Path(post.item.source.rsplit(":", 1)[0])
        text = path.read_text(encoding="utf-8")
        assert f"title: {post.item.title}\n" in text
        path.write_text(text.replace(f"title: {post.item.title}\n", f"title: {post.item.title}（修订）\n"), encoding="utf-8")


def _told(received: list[dict[str, object]]) -> list[str]:
    """The texts of the 【回到待审核】 notices a robot got."""
    texts = [str(r["body"]["markdown"]["content"]) for r in received]  # type: ignore[index]
    return [t for t in texts if TITLE in t]


def test_qm_queue_prints_the_posts_sent_back_and_the_daemon_tells_them_once(config: Path) -> None:
    assert run_qm("queue", "-c", config).returncode == 0
    ctx = Context(config)
    posts = _three(ctx.plan)
    for post_id in posts:
        done = run_qm("approve", post_id, "--by", "张科长", "-c", config)
        assert done.returncode == 0, done.stderr
    _edit_titles(ctx, posts)
    ctx.close()

    listed = run_qm("queue", "-c", config)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "【回到待审核】3 条已审核的内容改了文字或图片，需要重新审核，2 条今明两天发布" in out, out
    at = [out.index(f"{p}（") for p in posts]
    assert at == sorted(at)  # most urgent first
    assert f"【今天 20:00】{posts[0]}（微信公众号）" in out and f"【明天 09:30】{posts[1]}（微博）" in out
    assert (
        f"09-09 20:00 {posts[2]}（微信公众号）" in out
        and "改动了内容 goods-food-packaging-label.md；" in out
        and f"审核：qm approve {posts[2]}" in out
    )
    again = run_qm("queue", "-c", config)  # nothing new changed: silent
    assert again.returncode == 0 and TITLE not in again.stdout, again.stdout

    ctx = Context(config)
    with robot_server() as (url, received):
        for _ in range(2):  # a restart does not tell it again
            h = Harness(ctx.campaign, ctx.plan, ctx.renderer, MORNING, Notifications(ctx.campaign.notifiers, env={HOOK: url}))
            h.start()
            h.step_at(MORNING + dt.timedelta(minutes=30))
            h.close()
    assert {Queue(ctx.engine).get(p).state for p in posts} == {st.PLANNED}  # type: ignore[union-attr]
    ctx.close()
    told = _told(received)
    assert len(told) == 1, told
    assert "### 【回到待审核】3 条已审核的内容改了文字或图片，需要重新审核，2 条今明两天发布" in told[0]
    assert f"【今天 20:00】{posts[0]}（微信公众号）" in told[0] and f"审核：qm approve {posts[0]}" in told[0]


def test_the_daemons_morning_refresh_tells_reviewers_once(config: Path) -> None:
    ctx = Context(config)
    posts = _three(ctx.plan)
    before = MORNING.replace(hour=5)

    def fresh() -> tuple[Plan, Renderer]:  # the daemon's refresh reads the content files again
        now = Context(config)
        return now.plan, now.renderer

    console = dataclasses.replace(ctx.campaign.web, public_url="https://qm.example.cn")  # links to the console's pages
    h = Harness(dataclasses.replace(ctx.campaign, web=console), ctx.plan, ctx.renderer, before, Recorder())
    h.source = fresh
    h.start()
    for post_id in posts:
        assert h.approve(post_id, "张科长")
    _edit_titles(ctx, posts)
    h.step_at(before.replace(hour=6))  # the morning refresh: back to review
    h.step_at(before.replace(hour=6, minute=1))
    h.crash()
    h.start()  # restarted: nothing is told again
    h.step_at(before.replace(hour=6, minute=5))
    assert {h.state(p) for p in posts} == {st.PLANNED}
    assert isinstance(h.notifications, Recorder)
    told = [n for n in h.notifications.sent if n.title.startswith(TITLE)]
    assert [n.title for n in told] == ["【回到待审核】3 条已审核的内容改了文字或图片，需要重新审核，2 条今明两天发布，请尽快审核"]
    assert [line.split("）")[0] for line in told[0].lines[:6:2]] == [
        f"【今天 20:00】{posts[0]}（微信公众号",
        f"【明天 09:30】{posts[1]}（微博",
        f"09-09 20:00 {posts[2]}（微信公众号",
    ]
    url = f"https://qm.example.cn/post/{posts[0]}"  # each post's console page on a line of its own, a link as sent
    assert told[0].lines[0].endswith(f"审核：qm approve {posts[0]}") and told[0].lines[1] == f"在控制台处理：[{url}]({url})"
    assert f"\n- 在控制台处理：[{url}]({url})\n" in told[0].markdown() and "［" not in told[0].markdown()
    h.close()
    ctx.close()
