"""`qm queue` while a pause is in force: it says which channels are paused, why, by whom and since when (as
`qm status` does), and marks the posts the pause holds, so paused posts do not read as plain 待发布."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.cli.main import main
from scheduler.publishing import review
from scheduler.publishing.queue import Queue

SINCE = dt.datetime(2016, 9, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


def test_qm_queue_names_the_pause_and_marks_the_posts_it_holds(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = project()
    assert main(["-c", str(config), "queue"]) == 0
    capsys.readouterr()
    queue = Queue(Context(config).engine)
    review.pause(queue, "weibo", "赵主任", "全国哀悼日", SINCE)
    assert main(["-c", str(config), "queue"]) == 0
    out = capsys.readouterr().out
    assert "注意：已暂停：微博，赵主任 于 2016-09-01 08:30:00，原因：全国哀悼日（恢复：qm resume --channel weibo）" in out
    rows = {line.split()[3]: line for line in out.splitlines() if "-weibo-" in line or "-wechat-" in line}
    assert rows and all(("已暂停" in row) == ("-weibo-" in post_id) for post_id, row in rows.items()), out
    assert review.resume(queue, "weibo", "赵主任", SINCE + 60)
    assert main(["-c", str(config), "queue"]) == 0
    out = capsys.readouterr().out
    assert "已暂停" not in out
