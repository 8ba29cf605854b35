"""`qm retry` on a channel that approves automatically (`auto_approve`): the post sent anew is approved by the channel
as the next refresh would, not left to a `qm approve` nobody needs to run; what it says fits what becomes of it.
Real SQLite queue through the `qm` command (the clock pinned: QM_NOW) and the console over HTTP on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import ReviewConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.support import http_client

from .conftest import HEIHE, run_qm
from .web_helpers import BEFORE, console_server, csrf_of, http_login, local

POST = "20270908-wechat-2000"


def _auto_wechat(text: str) -> str:
    return text.replace('    times: ["20:00"]\n', '    times: ["20:00"]\n    auto_approve: true\n', 1)


def test_a_cancelled_post_of_an_auto_approve_channel_sent_anew_is_approved_by_it_not_left_for_qm_approve(
    project: Callable[..., Path],
) -> None:
    config = project(_auto_wechat)
    run_qm("queue", "-c", config)  # the channel approves its posts as they are queued
    assert run_qm("cancel", POST, "--reason", "改期", "-c", config).returncode == 0
    retried = run_qm("retry", POST, "-c", config)
    assert retried.returncode == 0, retried.stderr
    assert "qm approve" not in retried.stdout, retried.stdout
    assert "自动审核通过" in retried.stdout and "2027-09-08 20:00" in retried.stdout and "几秒内" not in retried.stdout
    post = Queue(open_db(load_campaign(config).db_url)).get(POST)
    assert post is not None and post.state == st.APPROVED and post.approved_by == "自动审核"


def test_a_post_sent_anew_on_a_channel_without_auto_approve_is_still_to_be_reviewed(project: Callable[..., Path]) -> None:
    config = project()
    run_qm("queue", "-c", config)
    assert run_qm("cancel", POST, "--reason", "改期", "-c", config).returncode == 0
    retried = run_qm("retry", POST, "-c", config)
    assert f"请先用 qm approve {POST} 审核" in retried.stdout
    post = Queue(open_db(load_campaign(config).db_url)).get(POST)
    assert post is not None and post.state == st.PLANNED


def test_the_consoles_retry_on_an_auto_approve_channel_says_it_was_approved_by_the_channel(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    campaign = local(load_campaign(project(_auto_wechat, config=HEIHE)), tmp_path, review=ReviewConfig())
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    post = next(p.id for p in plan.posts if p.channel == "wechat" and p.at.date() == dt.date(2016, 9, 20))
    with console_server(campaign, plan) as running:
        running.console.clock = BEFORE.timestamp
        running.add_user("李科长", "reviewer")
        queue = running.queue
        with http_client.client(base_url=running.url, follow_redirects=False, timeout=10) as c:
            http_login(c, "李科长")
            form = {"csrf": csrf_of(c.get(f"/post/{post}").text), "reason": "改期"}
            assert c.post(f"/post/{post}/cancel", data=form).status_code == 303
            assert queue.get(post).state == st.CANCELLED  # type: ignore[union-attr]
            done = c.post(f"/post/{post}/retry", data={"csrf": csrf_of(c.get(f"/post/{post}").text)})
            assert done.status_code == 303 and "done=retried-auto" in done.headers["location"], done.headers["location"]
            assert queue.get(post).state == st.APPROVED  # type: ignore[union-attr]
            assert "已自动审核通过" in c.get(done.headers["location"]).text


def test_a_post_sent_anew_that_the_daemon_schedules_at_once_is_said_queued_not_sent_back_to_review(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The daemon's sweep moves an approved post on (scheduled) within seconds: `qm retry` read it after that and told
    staff it waited for a `qm approve`."""
    import sqlalchemy as sa

    from scheduler.cli.main import main
    from scheduler.publishing import review
    from scheduler.publishing.tables import posts

    config = project()
    run_qm("queue", "-c", config)
    assert run_qm("approve", POST, "-c", config).returncode == 0
    with open_db(load_campaign(config).db_url).begin() as conn:  # its publishing failed
        conn.execute(sa.update(posts).where(posts.c.id == POST).values(state=st.FAILED, last_error="网络中断"))
    retry = review.retry

    def swept(queue: Queue, post_id: str, *args: object, **kwargs: object) -> str:
        state = retry(queue, post_id, *args, **kwargs)  # type: ignore[arg-type]
        assert state == st.APPROVED
        with queue.engine.begin() as conn:  # the daemon's sweep, meanwhile
            conn.execute(sa.update(posts).where(posts.c.id == post_id).values(state=st.SCHEDULED))
        return state

    monkeypatch.setattr(review, "retry", swept)
    monkeypatch.setenv("QM_NOW", "2027-06-01T09:00+08:00")
    assert main(["retry", POST, "-c", str(config)]) == 0
    said = capsys.readouterr().out
    assert "已重新排入发布" in said and "qm approve" not in said, said
