"""Nightly SQLite backups, and a restore that carries on without re-sending what went out after the backup."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from scheduler.channels.base import OutgoingPost
from scheduler.channels.outbox import OutboxChannel
from scheduler.cli.main import main
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import backup
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.file_lock import held_file_lock
from scheduler.support.values import Receipt, went_out_at

from .conftest import HEIHE
from .daemon_helpers import Harness, local_campaign
from .test_daemon import TZ, Recorder

DAYS = (dt.date(2016, 9, 2), dt.date(2016, 9, 3))
START = dt.datetime(2016, 9, 1, 22, 0, tzinfo=TZ)


@pytest.fixture
def harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> Iterator[Harness]:
    campaign = local_campaign(heihe, tmp_path)
    plan = Plan(tuple(p for p in heihe_plan.posts if p.slot.day in DAYS), ())
    h = Harness(campaign, plan, Renderer(campaign), START, Recorder())
    db = campaign.paths.state / "qm.sqlite3"
    h.backups = partial(backup.take, db, backup.folder_for(db), tz=TZ, keep=2)
    yield h
    h.close()


def _db(h: Harness) -> Path:
    return h.campaign.paths.state / "qm.sqlite3"


def _run_to_next_day_noon(h: Harness) -> Path:
    """Run from the evening before to noon of the second day; return the first night's backup."""
    h.start()
    h.approve_all()
    h.run_until(dt.datetime(2016, 9, 3, 12, 0, tzinfo=TZ))
    h.clock.set(dt.datetime(2016, 9, 3, 12, 0, tzinfo=TZ))
    files = backup.existing(backup.folder_for(_db(h)))
    assert [f.name for f in files] == ["qm-20160902-030000.sqlite3", "qm-20160903-030000.sqlite3"]
    return files[0]


def _went_out(h: Harness, after: float) -> list[str]:
    return [p.id for p in h.plan.posts if (h.ledger.first(p.id) or 0) > after]


def test_the_daemon_backs_up_each_night_consistently_and_keeps_the_newest(harness: Harness) -> None:
    h = harness
    h.start()
    h.approve_all()
    h.run_until(dt.datetime(2016, 9, 4, 12, 0, tzinfo=TZ))
    files = backup.existing(backup.folder_for(_db(h)))
    assert [f.name for f in files] == ["qm-20160903-030000.sqlite3", "qm-20160904-030000.sqlite3"]  # keep=2: the oldest went
    assert not list(files[0].parent.glob("*.part"))
    with sqlite3.connect(files[0]) as conn:  # a whole database as it was at 03:00 on the 3rd
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        published = {pid for (pid,) in conn.execute("SELECT id FROM posts WHERE state = 'published'")}
    assert published == {p.id for p in h.plan.posts if p.slot.day == DAYS[0]}
    assert backup.taken_at(files[0]) == dt.datetime(2016, 9, 3, 3, 0, tzinfo=TZ).timestamp()


def test_a_backup_of_a_database_copied_from_a_backup_records_its_own_time(tmp_path: Path) -> None:
    """A backup put in place by hand (not by `qm restore`) still holds its taken time: the new one records its own."""
    first = backup.take(_fresh_db(tmp_path / "qm.sqlite3"), tmp_path / "a", now=1000.0, tz=TZ, keep=2)
    second = backup.take(first, tmp_path / "b", now=2000.0, tz=TZ, keep=2)
    assert backup.taken_at(first) == 1000.0 and backup.taken_at(second) == 2000.0
    with sqlite3.connect(second) as conn:
        assert conn.execute("SELECT count(*) FROM notices").fetchone() == (1,)


def _fresh_db(path: Path) -> Path:
    open_db(f"sqlite:///{path}").dispose()
    return path


def test_restoring_yesterdays_backup_keeps_what_went_out_since_and_sends_nothing_twice(harness: Harness) -> None:
    h = harness
    yesterday = _run_to_next_day_noon(h)
    since = _went_out(h, backup.taken_at(yesterday))
    assert len(since) >= 4  # the whole first day and the second morning went out after the backup
    h.crash()
    done = backup.restore(yesterday, _db(h), h.now, lambda _channel: True)
    assert sorted(done.kept) == sorted(since) and not done.to_check and not done.to_person
    for post_id in since:
        post = h.queue.get(post_id)
        assert post is not None and post.state == st.PUBLISHED and post.receipt is not None
        assert "恢复备份：保留备份之后的发布记录" in h.queue.history(post_id)[-1].why
    h.start()
    h.run_until(dt.datetime(2016, 9, 4, tzinfo=TZ))
    assert all(len(times) == 1 for times in h.ledger.deliveries.values())  # nothing re-sent
    assert {h.state(p.id) for p in h.plan.posts} == {st.PUBLISHED}


@pytest.mark.parametrize("channel_can_tell", [True, False])
def test_with_the_database_lost_posts_due_since_the_backup_are_checked_with_the_channel_or_go_to_a_person(
    harness: Harness, channel_can_tell: bool
) -> None:
    h = harness
    yesterday = _run_to_next_day_noon(h)
    since = _went_out(h, backup.taken_at(yesterday))
    h.crash()
    h.engine.dispose()
    for leftover in _db(h).parent.glob("qm.sqlite3*"):  # the disk died: database, WAL and all
        leftover.unlink()
    done = backup.restore(yesterday, _db(h), h.now, lambda _channel: channel_can_tell)
    assert not done.kept and sorted(done.to_check + done.to_person) == sorted(since)
    h.start()  # at start, posts left `publishing` are reconciled with the channel, as after a crash
    h.run_until(dt.datetime(2016, 9, 4, tzinfo=TZ))
    assert all(len(times) == 1 for times in h.ledger.deliveries.values())  # nothing re-sent either way
    if channel_can_tell:  # the channel knew: recorded as published, not sent again
        assert {h.state(p) for p in since} == {st.PUBLISHED}
        for post_id in since:  # at the time it really went out (the platform's answer), not at the recovery
            post = h.queue.get(post_id)
            assert post is not None and post.published_at == h.ledger.first(post_id), post_id
        # So the mass send that went out on the 2nd does not count on the 3rd: the 3rd's goes out on time.
        assert {h.state(p.id) for p in h.plan.posts} == {st.PUBLISHED}
        assert not [n for n in h.notifications.sent if "群发次数不足" in n.title]  # type: ignore[union-attr]
    else:
        assert {h.state(p) for p in since} == {st.FAILED}
        assert all(f"qm confirm {p}" in (h.queue.get(p).last_error) for p in since)  # type: ignore[union-attr]


def test_qm_restore_refuses_while_a_daemon_runs_and_explains_a_wrong_file(
    harness: Harness, tmp_path: Path, project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    h = harness
    yesterday = _run_to_next_day_noon(h)
    h.crash()
    cfg = project(lambda text: text + f'\ndatabase: "sqlite:///{_db(h)}"\n', config=HEIHE)
    db = _db(h)
    with held_file_lock(db.with_name(db.name + ".lock"), str(db)):  # a daemon holds it
        code = main(["-c", str(cfg), "restore", str(yesterday)])
    assert code == 1 and "正在使用数据库" in capsys.readouterr().err
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    code = main(["-c", str(cfg), "restore", str(not_a_backup)])
    assert code == 2 and "不是 qm 的数据库备份" in capsys.readouterr().err
    code = main(["-c", str(cfg), "restore", str(yesterday)])
    assert code == 0 and "已从备份恢复数据库" in capsys.readouterr().out


def test_the_time_a_post_went_out_is_read_from_the_channels_answer(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    sent = dt.datetime(2016, 9, 2, 20, 0, 3, tzinfo=TZ)
    later = dt.datetime(2016, 9, 3, 12, 0, tzinfo=TZ).timestamp()  # recorded at the recovery, the next day
    outbox = OutboxChannel("wechat", tmp_path / "outbox", now=lambda: sent)
    post = next(p for p in heihe_plan.posts if p.channel == "wechat")
    rendered = Renderer(heihe).render(post)
    out = OutgoingPost(post.id, "wechat", post.at, rendered.item, rendered.version, rendered.payload)
    outbox.publish(out)
    found = outbox.reconcile(out, None)  # what a daemon reconciling after a restore reads
    assert found is not None and went_out_at(found, later) == sent.timestamp()
    weibo = Receipt("published", "1", data={"idstr": "1", "created_at": "Fri Sep 02 20:00:03 +0800 2016"})
    assert went_out_at(weibo, later) == sent.timestamp()
    assert went_out_at(Receipt("published", data={"sent_at": sent.timestamp()}), later) == sent.timestamp()
    for unknown in ({}, {"published_at": "昨天"}, {"sent_at": later + 60}):  # unsaid, unreadable, still to come: now
        assert went_out_at(Receipt("published", data=unknown), later) == later
