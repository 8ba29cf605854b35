"""`qm retry` on a channel that approves automatically (`auto_approve`): the post sent anew is approved by the channel
as the next refresh would, not left to a `qm approve` nobody needs to run; what it says fits what becomes of it.
Real SQLite queue through the `qm` command, the clock pinned (QM_NOW)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue

from .conftest import run_qm

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
