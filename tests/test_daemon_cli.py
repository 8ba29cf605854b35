"""The review and daemon commands as staff use them, including a real daemon process and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.main import main
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.publishing.db import open_db
from scheduler.views.columns import width
from scheduler.views.daemon_status import gather

from .conftest import HEIHE, ROOT, run_qm

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

API_FAKES = ROOT / "examples" / "api-fakes" / "config.yaml"


def qm(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cfg(project: Callable[..., Path]) -> Path:
    return project()


@pytest.mark.usefixtures("pinned_clock")
def test_review_commands(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08", "--json")
    day = json.loads(out)
    assert code == 0 and day and {p["state"] for p in day} == {"planned"}
    first, second, third = (p["id"] for p in day[:3])

    code, out, _ = qm(capsys, "-c", cfg, "approve", first, second, "--by", "王科长")
    assert (code, out.strip()) == (0, "已审核通过 2 条（审核人：王科长）。")
    code, out, _ = qm(capsys, "-c", cfg, "reject", third, "--reason", "标题有误", "--by", "王科长")
    assert code == 0 and "已退回" in out
    code, out, _ = qm(capsys, "-c", cfg, "approve", "--date", "2027-09-08", "--by", "王科长")
    assert code == 0 and f"已审核通过 {len(day) - 3} 条" in out

    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08")
    assert code == 0 and "已审核" in out and "已退回" in out and "王科长" in out
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--state", "rejected", "--json")
    assert [p["id"] for p in json.loads(out)] == [third]

    code, out, _ = qm(capsys, "-c", cfg, "cancel", first, "--reason", "活动改期")
    assert code == 0 and "已取消" in out
    code, out, _ = qm(capsys, "-c", cfg, "retry", first)
    assert code == 0 and "待审核" in out  # a cancelled post is reviewed again
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08")
    row = next(line for line in out.splitlines() if first in line)
    assert "待审核" in row and "王科长" not in row  # back in review: no reviewer shown

    code, out, _ = qm(capsys, "-c", cfg, "history", third)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].split()[2:] == [third, "（新建）", "→", "待审核", "排期：加入队列"], lines[0]  # columns aligned
    assert lines[1].split()[2:] == [third, "待审核", "→", "已退回", "王科长：标题有误"], lines[1]

    code, _, err = qm(capsys, "-c", cfg, "retry", second)
    assert code == 2 and "只有失败、已错过或已取消的内容可以重发" in err
    code, _, err = qm(capsys, "-c", cfg, "approve", "20270908-nope")
    assert code == 2 and "队列中没有编号为 20270908-nope 的内容（用 qm queue 查看编号）" in err
    code, _, err = qm(capsys, "-c", cfg, "approve")
    assert code == 2 and "--date" in err


@pytest.mark.usefixtures("pinned_clock")
def test_the_queue_notes_why_a_cancelled_post_was_cancelled_the_latest_time(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The reason is in the 备注 column, not only in qm history: the latest cancellation's, with who gave it."""
    _, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08", "--json")
    first = json.loads(out)[0]["id"]

    def row() -> str:
        code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08")
        assert code == 0
        return next(line for line in out.splitlines() if f"  {first}  " in line)

    assert qm(capsys, "-c", cfg, "cancel", first, "--reason", "活动改期", "--by", "王科长")[0] == 0
    assert "已取消" in row() and row().endswith("  活动改期（王科长）"), row()
    assert qm(capsys, "-c", cfg, "retry", first)[0] == 0
    assert "活动改期" not in row()  # back in review: the old reason is no note of it
    assert qm(capsys, "-c", cfg, "cancel", first, "--by", "李主任")[0] == 0
    assert row().endswith("  人工取消（李主任）"), row()


@pytest.mark.usefixtures("pinned_clock")
def test_the_queue_names_each_post_by_its_title_in_aligned_columns(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = cfg.parent / "content"
    launch = content / "publicity" / "publicity-launch-announcement.md"
    long_title = "市质量月启动暨集中宣传活动在中央大街举行"  # 20 characters (the most a title may have), 40 columns
    launch.write_text(
        launch.read_text(encoding="utf-8").replace("title: 质量月启动暨集中宣传活动举行", f"title: {long_title}"), encoding="utf-8"
    )
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08", "--json")
    posts = json.loads(out)
    assert code == 0 and set(posts[0]) == {  # the JSON stays as documented: titles are for people
        *(
            "id",
            "at",
            "channel",
            "item",
            "state",
            "version",
            "attempts",
            "approved_by",
            "last_error",
            "receipt",
            "sent_at",
            "published_at",
            "change",
        )
    }

    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08")
    header, *rows, total = out.splitlines()
    assert code == 0 and header.split() == ["时间", "渠道", "编号", "内容", "标题", "版本", "状态", "审核人", "备注"]
    column = width(header[: header.index("标题")])
    library = {i.id: i for i in load_library(content, load_campaign(cfg).text_values).items}
    assert len(rows) == len(posts)
    for post, row in zip(posts, rows, strict=True):
        assert row.startswith(f"{post['at'][5:10]} {post['at'][11:16]}") and f"  {post['id']}  " in row, (post, row)
        item = library.get(post["item"])
        assert item is not None, post
        title = item.title
        if post["item"] == "publicity-launch-announcement":
            title = "市质量月启动暨集中宣传…"  # cut to 24 columns, with the mark that says so
        assert width(title) <= 24, title
        at = row.index(f"  {post['item']}  ") + len(post["item"]) + 2
        assert row[at:].lstrip().startswith(title) and width(row[: row.index(title, at)]) == column, row
    assert total.startswith(f"共 {len(posts)} 条")


@pytest.mark.usefixtures("pinned_clock")
def test_pause_resume_and_status(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = qm(capsys, "-c", cfg, "pause", "--channel", "weibo", "--reason", "全国哀悼日", "--by", "李主任")
    assert code == 0 and out.startswith("已暂停微博：全国哀悼日。") and "渠道 weibo" not in out, out  # its Chinese name
    code, out, _ = qm(capsys, "-c", cfg, "status")
    assert code == 0 and "从未启动" in out and "已暂停：微博，李主任" in out and "全国哀悼日" in out, out
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    status = json.loads(out)
    assert status["alive"] is False and status["paused"]["weibo"]["reason"] == "全国哀悼日"
    assert (
        set(status) == {"alive", "leased", "daemon", "daemons", "paused", "counts", "next", "failures", "notices"}
        and status["daemons"] == []
    )
    assert status["notices"] == {"groups": [], "advice": []}
    code, out, _ = qm(capsys, "-c", cfg, "resume")
    assert code == 0 and "已恢复全部渠道" in out
    code, _, err = qm(capsys, "-c", cfg, "pause", "--channel", "douyin", "--reason", "x")
    assert code == 2 and "没有名为 douyin 的渠道" in err


def test_qm_pause_refuses_a_reason_longer_than_the_consoles_form_allows(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = qm(capsys, "-c", cfg, "pause", "--reason", "全国哀悼日" * 41, "--by", "李主任")  # 205 characters
    assert code == 2 and out == "" and "Traceback" not in err
    assert "暂停原因最多 200 字，这次写了 205 字，没有暂停：请写简短些再试" in err, err
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    assert json.loads(out)["paused"] == {}  # nothing recorded
    code, out, err = qm(capsys, "-c", cfg, "pause", "--reason", " 　 ", "--by", "李主任")  # spaces only: staff are told why
    assert code == 2 and out == "" and "暂停时要写明原因（只有空格不算），没有暂停" in err, err
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    assert json.loads(out)["paused"] == {}
    code, out, _ = qm(capsys, "-c", cfg, "pause", "--reason", "全国哀悼日" * 40, "--by", "李主任")  # exactly 200, as the form
    assert code == 0 and "已暂停全部渠道" in out
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    assert json.loads(out)["paused"]["*"]["reason"] == "全国哀悼日" * 40


@pytest.mark.usefixtures("pinned_clock")
def test_reject_and_cancel_refuse_a_reason_longer_than_the_consoles_form_allows(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08", "--json")
    first, second = (p["id"] for p in json.loads(out)[:2])
    for command, act in ((("reject", first), "退回"), (("cancel", second), "取消")):
        code, out, err = qm(capsys, "-c", cfg, *command, "--reason", "标题有误" * 51, "--by", "王科长")  # 204 characters
        assert code == 2 and out == "" and "Traceback" not in err
        assert f"{act}原因最多 200 字，这次写了 204 字，没有{act}：请写简短些再试" in err, err
    code, out, _ = qm(capsys, "-c", cfg, "queue", "--date", "2027-09-08", "--json")
    assert {p["state"] for p in json.loads(out) if p["id"] in (first, second)} == {"planned"}  # neither was moved
    code, out, err = qm(capsys, "-c", cfg, "reject", first, "--reason", "　", "--by", "王科长")
    assert code == 2 and "退回时要写明原因（只有空格不算），没有退回" in err, err


@pytest.mark.parametrize(
    "command",
    ["queue", "approve", "reject", "cancel", "retry", "confirm", "history", "status", "pause", "resume", "daemon", "simulate", "restore"],
)
def test_every_command_has_chinese_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and out.startswith("用法：") and "选项" in out


def _wait_alive(cfg: Path, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    engine = open_db(f"sqlite:///{cfg.parent / '.qm' / 'qm.sqlite3'}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        report = gather(engine, time.time())
        if report.alive and report.daemon is not None and report.daemon.pid == proc.pid and report.next_jobs:
            return  # started and reconciled
        time.sleep(0.1)
    raise AssertionError("daemon did not start")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_real_daemon_status_lock_and_signal_shutdown(cfg: Path, sig: signal.Signals, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scheduler", "-c", str(cfg), "daemon"]
    proc = subprocess.Popen(command, cwd=cfg.parent, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_alive(cfg, proc)
        if sig == signal.SIGTERM:  # the other checks once, with the daemon running
            code, out, _ = qm(capsys, "-c", cfg, "status")
            assert code == 0 and f"运行中（进程 {proc.pid}" in out and "接下来：" in out and "每日刷新队列" in out
            second = run_qm("-c", cfg, "daemon", cwd=cfg.parent, env=env)
            assert second.returncode == 1
            assert f"另一个 qm 后台服务（进程 {proc.pid}）正在使用数据库" in second.stderr and "Traceback" not in second.stderr
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "qm 后台服务已启动" in out and "qm 后台服务已停止" in out
    assert "event=started" in err and "event=stopped" in err  # structured log lines on stderr
    assert "event=stopped" in (cfg.parent / ".qm" / "qm.log").read_text(encoding="utf-8")
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    assert json.loads(out)["alive"] is False and json.loads(out)["daemon"]["stopped"]


def test_status_after_a_killed_sqlite_daemon_was_started_again_says_it_ended_not_that_it_was_taken_over(cfg: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scheduler", "-c", str(cfg), "daemon"]
    first = subprocess.Popen(command, cwd=cfg.parent, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second: subprocess.Popen[str] | None = None
    try:
        _wait_alive(cfg, first)
        first.kill()  # SIGKILL: no clean stop recorded
        first.communicate(timeout=30)
        second = subprocess.Popen(command, cwd=cfg.parent, text=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_alive(cfg, second)
        shown = run_qm("-c", cfg, "status", cwd=cfg.parent, env=env)
        assert shown.returncode == 0, shown.stderr
        assert f"运行中（进程 {second.pid}" in shown.stdout  # one daemon on SQLite: no "主服务"
        assert f"上次运行的进程 {first.pid} 已意外终止" in shown.stdout
        assert "接管" not in shown.stdout and "主服务" not in shown.stdout
        listed = json.loads(run_qm("-c", cfg, "status", "--json", cwd=cfg.parent, env=env).stdout)["daemons"]
        assert {(d["pid"], d["role"], d["alive"]) for d in listed} == {(second.pid, "active", True), (first.pid, "ended", False)}
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)


def test_simulate_publishes_everything_once() -> None:
    result = run_qm("simulate", "-c", HEIHE, "--faults", "0.1", "--restarts", "3", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"planned", "published", "duplicates", "lost", "late", "failed", "wall_time"} <= set(report)
    assert report["planned"] > 100 and report["published"] == report["planned"]
    assert report["duplicates"] == 0 and report["lost"] == 0 and report["restarts"] == 3 and report["kills_mid_publish"] >= 1
    assert report["wall_time"] < 300  # a hang guard; its speed is measured by the benchmarks, not here


def test_simulate_runs_api_channels_through_the_fake_servers() -> None:
    result = run_qm("simulate", "-c", API_FAKES, "--faults", "0.1", "--restarts", "3", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["planned"] > 150 and report["published"] == report["planned"]
    assert report["duplicates"] == 0 and report["lost"] == 0 and report["kills_mid_publish"] >= 1


@pytest.mark.usefixtures("pinned_clock")
def test_pausing_one_channel_says_how_to_resume_that_channel(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = qm(capsys, "-c", cfg, "pause", "--channel", "weibo", "--reason", "账号维护", "--by", "王科长")
    assert code == 0 and out.strip().endswith("恢复：qm resume --channel weibo")
    code, out, _ = qm(capsys, "-c", cfg, "status")
    assert "（恢复：qm resume --channel weibo）" in out
    code, out, _ = qm(capsys, "-c", cfg, "resume", "--channel", "weibo")
    assert out.strip() == "已恢复微博的发布。"
    code, out, _ = qm(capsys, "-c", cfg, "resume", "--channel", "wechat")
    assert out.strip() == "当前没有暂停微信公众号（用 qm status 查看暂停情况）。"


@pytest.mark.usefixtures("pinned_clock")
def test_resuming_one_channel_writes_the_pause_reason_and_name_escaped(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The pauser's name (and the reason) are staff's words: a control character in them cannot drive the terminal."""
    assert qm(capsys, "-c", cfg, "pause", "--channel", "weibo", "--reason", "维护", "--by", "王科长")[0] == 0
    assert qm(capsys, "-c", cfg, "pause", "--reason", "哀悼日", "--by", "赵\x1b]0;x\x07主任")[0] == 0
    code, out, _ = qm(capsys, "-c", cfg, "resume", "--channel", "weibo", "--by", "王科长")
    assert code == 0 and "\x1b" not in out and "（赵\\x1b]0;x\\x07主任 于 " in out, out
    code, _, err = qm(capsys, "-c", cfg, "resume", "--channel", "wechat", "--by", "王科长")
    assert code == 2 and "\x1b" not in err and "（赵\\x1b]0;x\\x07主任 于 " in err, err


@pytest.mark.usefixtures("pinned_clock")
def test_resuming_one_channel_says_the_pause_of_all_channels_still_holds_it(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Weibo paused, then every channel: resuming Weibo lifts its own pause only, and says Weibo still does not
    publish; resuming WeChat, held only by the pause of all channels, is refused, saying so. Each says how to resume."""
    assert qm(capsys, "-c", cfg, "pause", "--channel", "weibo", "--reason", "账号维护", "--by", "王科长")[0] == 0
    assert qm(capsys, "-c", cfg, "pause", "--reason", "全国哀悼日", "--by", "赵主任")[0] == 0
    code, out, _ = qm(capsys, "-c", cfg, "resume", "--channel", "weibo", "--by", "王科长")
    assert code == 0 and out.startswith("微博（weibo）的单独暂停已解除，但全部渠道仍暂停中（赵主任 于 "), out
    assert "原因：全国哀悼日），微博（weibo）仍不发布：qm resume 解除全部暂停" in out and "已恢复" not in out
    code, out, err = qm(capsys, "-c", cfg, "resume", "--channel", "wechat", "--by", "王科长")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "微信公众号（wechat）没有单独暂停，但全部渠道仍暂停中（赵主任 于 " in err and "没有恢复：qm resume 解除全部暂停" in err, err
    assert "当前没有暂停" not in err
    code, out, _ = qm(capsys, "-c", cfg, "status", "--json")
    assert set(json.loads(out)["paused"]) == {"*"}  # Weibo's own pause lifted, that of all channels in force
    code, out, _ = qm(capsys, "-c", cfg, "resume", "--by", "赵主任")
    assert code == 0 and out.strip() == "已恢复全部渠道的发布。"
    refused = run_qm("history", "--limit", "0", "-c", cfg)
    assert refused.returncode == 2 and "--limit" in refused.stderr


@pytest.mark.usefixtures("pinned_clock")
def test_a_screen_without_a_name_is_paused_and_resumed_as_the_status_names_it(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("name: 中央大街户外大屏", 'name: ""'), encoding="utf-8")
    assert qm(capsys, "-c", cfg, "pause", "--channel", "screen:center", "--reason", "检修", "--by", "王科长")[0] == 0
    code, out, _ = qm(capsys, "-c", cfg, "status")
    assert "已暂停：户外电子屏（screen:center），王科长 于 " in out, out
    code, out, err = qm(capsys, "-c", cfg, "resume", "--channel", "screen:center")
    assert code == 0 and out.strip() == "已恢复户外电子屏（screen:center）的发布。", out + err


@pytest.mark.usefixtures("pinned_clock")
def test_two_screens_of_one_name_are_told_apart_by_their_names_in_config(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = cfg.read_text(encoding="utf-8").replace("name: 中央大街户外大屏", "name: 户外大屏")
    cfg.write_text(text.replace("name: 火车站广场竖屏", "name: 户外大屏"), encoding="utf-8")
    assert qm(capsys, "-c", cfg, "pause", "--channel", "screen:station", "--reason", "检修", "--by", "王科长")[0] == 0
    code, out, _ = qm(capsys, "-c", cfg, "status")
    assert "已暂停：户外大屏（screen:station），王科长 于 " in out, out
    code, out, _ = qm(capsys, "-c", cfg, "plan", "--format", "csv")
    assert code == 0 and "户外大屏（screen:center）" in out and "户外大屏（screen:station）" in out, out[:500]
