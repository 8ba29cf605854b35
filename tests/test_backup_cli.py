"""`qm backup`: a backup when asked, the very one the daemon takes each night, which `qm restore` puts back."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.main import main
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import backup
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer

from .conftest import ROOT, run_qm
from .daemon_helpers import Harness, Recorder
from .web_helpers import _zone

REAL_CLOCK = True  # a backup records the real time, as the daemon's does: the campaign is today's (no rehearsal clock)


def _today(folder: Path, minutes: range) -> Path:
    """A one-day campaign for today: Weibo to the outbox at each of `minutes` from now."""
    zone = _zone()
    now = dt.datetime.now(zone)
    times = ", ".join(f'"{now + dt.timedelta(minutes=m):%H:%M}"' for m in minutes)
    path = folder / "config.yaml"
    path.write_text(
        f"""
campaign:
  name: 测试“质量月”活动
  organizer: 市市场监督管理局
  theme: 提升质量水平，建设质量强市
  start: {now.date()}
  end: {now.date()}
  timezone: {zone.key}
  hotline: "12315"
key_dates:
  launch: {now.date()}
  launch_time: "09:00"
  county_plans_due: {now.date()}
  summary_due: {now.date() + dt.timedelta(days=10)}
channels:
  weibo:
    publisher: outbox
    mode: api
    link: https://www.example.gov.cn/zlyue
    times: [{times}]
    grace_minutes: 120
paths:
  content: {ROOT / "content"}
  templates: {ROOT / "templates"}
  posters: posters
  state: state
""",
        encoding="utf-8",
    )
    return path


def test_qm_backup_while_the_daemon_runs_then_more_publishing_then_qm_restore_sends_nothing_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _today(tmp_path, range(-30, 20))  # a post each minute, from half an hour ago on
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    tz, now = campaign.timezone, time.time()
    at = lambda seconds: dt.datetime.fromtimestamp(seconds, tz)  # noqa: E731
    h = Harness(campaign, plan, Renderer(campaign), at(now - 35 * 60), Recorder())
    folder = backup.folder_for(tmp_path / "state" / "qm.sqlite3")
    try:
        h.start()
        h.approve_all()
        h.run_until(at(now - 120))  # the day so far, published
        assert main(["-c", str(config), "backup"]) == 0  # while the daemon holds its lock
        said = capsys.readouterr().out
        (taken,) = backup.existing(folder)  # named and placed as the nightly backup
        assert f"已备份数据库 {tmp_path / 'state' / 'qm.sqlite3'} 到 {taken}" in said and f"qm restore {taken}" in said
        assert now <= backup.taken_at(taken) <= time.time()
        before = {p.id for p in h.queue.find([st.PUBLISHED])}
        h.clock.set(at(time.time() + 60))  # more publishing after the backup
        h.run_until(at(now + 10 * 60))
        since = {p.id for p in h.queue.find([st.PUBLISHED])} - before
        assert len(before) >= 20 and len(since) >= 10
        h.crash()  # the database is put back with the daemon stopped
        assert main(["-c", str(config), "restore", str(taken)]) == 0
        said = capsys.readouterr().out
        assert f"备份之后已发出的 {len(since)} 条保留发布记录，不会重发。" in said and "去向不明" not in said
        assert {h.state(p) for p in since} == {st.PUBLISHED}
        h.start()
        h.run_until(at(now + 25 * 60))
    finally:
        h.close()
    assert {h.state(p.id) for p in plan.posts} == {st.PUBLISHED}
    assert [p.id for p in plan.posts if len(h.ledger.deliveries[p.id]) != 1] == []  # each went out once


def test_a_copy_made_by_hand_is_refused_and_points_to_qm_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _today(tmp_path, range(1))
    assert main(["-c", str(config), "backup"]) == 2  # no database yet
    assert "还没有数据库" in capsys.readouterr().err
    assert main(["-c", str(config), "queue"]) == 0
    capsys.readouterr()
    by_hand = tmp_path / "copy.sqlite3"
    with sqlite3.connect(tmp_path / "state" / "qm.sqlite3") as source, sqlite3.connect(by_hand) as copy:
        source.backup(copy)
    assert main(["-c", str(config), "restore", str(by_hand)]) == 2
    assert "不是 qm 做的备份（没有备份时间记录" in capsys.readouterr().err


def test_on_postgresql_qm_backup_says_to_use_pg_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _today(tmp_path, range(1))
    config.write_text(config.read_text(encoding="utf-8") + 'database: "postgresql://qm@127.0.0.1:9/qm"\n', encoding="utf-8")
    assert main(["-c", str(config), "backup"]) == 2
    err = capsys.readouterr().err
    assert "qm backup 只用于 SQLite 数据库" in err and "pg_dump" in err and "Traceback" not in err


def test_a_backup_when_asked_removes_no_earlier_backup(project: Callable[..., Path]) -> None:
    """Only the daemon, which knows its --keep-backups, prunes: a backup when asked adds one and deletes none."""
    config = project()
    assert run_qm("queue", "-c", config).returncode == 0  # the database exists
    folder = config.parent / ".qm" / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    for day in range(1, 21):  # more than the daemon's default 14, from earlier nights
        shutil.copyfile(config.parent / ".qm" / "qm.sqlite3", folder / f"qm-202708{day:02d}-030000.sqlite3")
    result = run_qm("backup", "-c", config)
    assert result.returncode == 0, result.stderr
    assert len(list(folder.glob("qm-*.sqlite3"))) == 21 and "共 21 份" in result.stdout, result.stdout
