"""A database holds one campaign: a machine whose config is another campaign's (a stock `qm init` config
given the same `database:` line) is refused by every command that would write into it, before it writes
anything; the same campaign's config edited in its name or its period still works."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.publishing.db import open_db

from .conftest import DEFAULT, HEIHE, ROOT, run_qm


def _folder(at: Path, config: Path, database: str, edit: tuple[str, str] = ("", "")) -> Path:
    """A campaign folder at `at` with `config` (its own content and templates), on `database`."""
    for name in ("content", "templates"):
        if not (at / name).exists():
            shutil.copytree(ROOT / name, at / name)
    text = config.read_text(encoding="utf-8").replace("../../content", "content").replace("../../templates", "templates")
    target = at / "config.yaml"
    target.write_text(text.replace(*edit) + f'\ndatabase: "{database}"\n', encoding="utf-8")
    return target


def _counts(url: str) -> tuple[int, int]:
    engine = open_db(url)
    with engine.connect() as conn:
        counted = conn.execute(sa.text("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM audit)")).one()
    engine.dispose()
    return counted[0], counted[1]


def _refused(result: subprocess.CompletedProcess[str], url: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    said = result.stderr
    assert "里是“2027年全市“质量月”活动”（市质量计量标准化工作联席会议办公室，2027-09-01 至 2027-09-30）的排期" in said, said
    assert "本机 config.yaml 是“2016年全市“质量月”活动”（黑河市质量计量标准化工作联席会议办公室，2016-09-01 至 2016-09-30）" in said, said
    if url.startswith("postgresql"):  # machines sharing a server database
        assert "两台机器要用同一份配置，把那台机器的 config.yaml 复制过来" in said, said
    else:  # one machine's SQLite file: its config.yaml was replaced, there is no other machine
        assert "config.yaml 被换成了另一个活动的，请恢复本活动的 config.yaml" in said and "两台机器" not in said, said
    assert "要换活动请用新的数据库（改 config.yaml 的 database）" in said, said


def test_another_campaigns_config_cannot_write_into_the_database(tmp_path: Path, database_url: str) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    real = _folder(tmp_path / "real", DEFAULT, url)
    first = run_qm("-c", real, "queue")
    assert first.returncode == 0, first.stderr
    before = _counts(url)
    assert before[0] > 0

    other = _folder(tmp_path / "other", HEIHE, url)
    for command in (
        ["queue"],
        ["approve", "20270908-wechat-2000", "--by", "张三"],
        ["pause", "--reason", "试一下", "--by", "张三"],
        ["daemon"],
        ["web"],
    ):
        _refused(run_qm("-c", other, *command), url)
    assert _counts(url) == before  # nothing added, approved, paused or sent back

    renamed = _folder(tmp_path / "real", DEFAULT, url, ("name: 2027年全市", "name: 2027年本市"))
    assert run_qm("-c", renamed, "queue").returncode == 0  # the same campaign, its name corrected
    moved = renamed.read_text(encoding="utf-8").replace("end: 2027-09-30", "end: 2027-09-29")
    renamed.write_text(moved, encoding="utf-8")
    result = run_qm("-c", renamed, "queue")
    assert result.returncode == 0, result.stderr  # then its period moved: judged against the corrected name


def test_a_config_replaced_by_another_campaigns_while_the_daemon_runs_is_refused(tmp_path: Path, database_url: str) -> None:
    """The daemon reads its config again for each refresh of the queue and each round of work ahead: a config
    that has meanwhile become another campaign's (copied over this one's) is refused there as at start, so
    its posts never join the queue and its screens' playlists are not built."""
    from scheduler.cli.daemon_cmds import _ahead, _fresh_source
    from scheduler.publishing.campaign_identity import CampaignDiffers
    from scheduler.publishing.queue import Queue
    from scheduler.runtime.work_ahead import Ahead
    from scheduler.support.notify import Notifications

    url = database_url or f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    config = _folder(tmp_path / "real", DEFAULT, url)
    assert run_qm("-c", config, "queue").returncode == 0
    before = _counts(url)
    engine = open_db(url)
    try:
        _fresh_source(config, engine)  # the same campaign: read as before
        _folder(tmp_path / "real", HEIHE, url)  # another campaign's config copied over this one's
        with pytest.raises(CampaignDiffers) as refused:
            _fresh_source(config, engine)
        assert "里是“2027年全市“质量月”活动”" in str(refused.value)
        with pytest.raises(CampaignDiffers):
            _ahead(config, Queue(engine), Ahead(), Notifications(()), dt.datetime(2016, 9, 1, 8, tzinfo=dt.UTC))
    finally:
        engine.dispose()
    assert _counts(url) == before
