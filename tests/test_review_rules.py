"""Two machines sharing one database review under the same rules: the daemon records its config's review
stages when it starts (and tells staff when they changed), and an approval under other rules is refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign, ReviewConfig, Stage
from scheduler.planning.planner import Plan
from scheduler.publishing import auto_approval, review, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.publishing.queue_sync import fill
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.lock_tables import daemon_info, daemons

from .conftest import TWO_STAGES, run_qm
from .daemon_helpers import Harness, Recorder, local_campaign, one_day
from .test_daemon import EARLY
from .test_web_core import DAY, client, first_post
from .web_helpers import console_server, csrf_of, http_login, local

TWO = ReviewConfig((Stage("初审", "editor"), Stage("终审", "reviewer")))
TWO_WORDS = "两级审核：初审（编辑）→终审（审核人），同一人不能通过两个阶段"
ONE_WORDS = "一级审核：审核（审核人）"
START = dt.datetime(2027, 1, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # the default config's month lies ahead


AUTO_WORDS = f"{ONE_WORDS}；微博自动通过"
WEIBO_AUTO = ('    times: ["09:30", "17:30"]\n', '    times: ["09:30", "17:30"]\n    auto_approve: true\n')


def _auto_weibo(reviewed: Path) -> Path:
    """Machine B's config on the same database: as `reviewed`, but its Weibo channel auto-approves."""
    auto = reviewed.with_name("config-auto.yaml")
    text = reviewed.read_text(encoding="utf-8")
    assert WEIBO_AUTO[0] in text
    auto.write_text(text.replace(*WEIBO_AUTO), encoding="utf-8")
    return auto


def _weibo_states(config: Path) -> set[str]:
    return {p.state for p in Queue(Context(config).engine).find() if p.channel == "weibo"}


def _two_machines(project: Callable[..., Path]) -> tuple[Path, Path]:
    """Machine A's config with two review stages, and machine B's (no `review` section) on the same database."""
    first = project()
    second = first.with_name("config-b.yaml")
    second.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    first.write_text(first.read_text(encoding="utf-8") + TWO_STAGES, encoding="utf-8")
    return first, second


def _daemon_ran(config: Path) -> None:
    """`qm daemon` started (and stopped) on the machine with this config. Its heartbeats are cleared (the
    rules it recorded stay): the commands here run on the tests' rehearsal clock, which a database with
    a daemon's heartbeats refuses (test_rehearsal_clock)."""
    ctx = Context(config)
    h = Harness(ctx.campaign, ctx.plan, ctx.renderer, START)
    h.start()
    h.close()
    with ctx.engine.begin() as conn:
        conn.execute(daemons.delete())
        conn.execute(daemon_info.delete())


def test_a_machine_without_the_stages_cannot_approve_what_the_daemon_reviews_in_two(project: Callable[..., Path]) -> None:
    with_stages, without = _two_machines(project)
    _daemon_ran(with_stages)
    post = Context(with_stages).plan.posts[0].id

    refused = run_qm("approve", post, "--by", "张科长", "-c", without)
    assert refused.returncode == 2, refused.stdout
    assert "已审核通过" not in refused.stdout
    assert f"数据库记录的是“{TWO_WORDS}”" in refused.stderr and f"本机 config.yaml 的是“{ONE_WORDS}”" in refused.stderr
    assert "review 一节和各渠道的 auto_approve 改成与运行后台服务的机器相同" in refused.stderr and "重启后台服务" in refused.stderr
    queue = Queue(Context(with_stages).engine)
    stored = queue.get(post)
    assert stored is not None and stored.state == st.PLANNED and stored.approved_by == ""
    assert review.passes(queue, post, stored.version) == []

    first_stage = run_qm("approve", post, "--by", "张科长", "-c", with_stages)  # the daemon's own rules: as before
    assert first_stage.returncode == 0 and "初审通过 1 条" in first_stage.stdout, first_stage.stderr


def test_a_fresh_database_approves_until_a_daemon_records_its_rules(project: Callable[..., Path]) -> None:
    with_stages, without = _two_machines(project)
    first, second, third = Context(without).plan.posts[:3]
    approved = run_qm("approve", first.id, "--by", "张科长", "-c", without)  # nothing recorded yet
    assert approved.returncode == 0 and "已审核通过 1 条" in approved.stdout, approved.stderr

    _daemon_ran(without)
    with Context(without).engine.connect() as conn:
        assert review_rules.recorded(conn) == review_rules.rules_of(ReviewConfig())
    assert run_qm("approve", second.id, "--by", "张科长", "-c", without).returncode == 0
    assert run_qm("approve", third.id, "--by", "李编辑", "-c", with_stages).returncode == 2


def test_the_daemon_records_its_rules_and_tells_staff_when_they_changed(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    campaign = local_campaign(heihe, tmp_path, database_url)
    staged = dataclasses.replace(campaign, review=TWO)
    notices = Recorder()
    renderer = Renderer(heihe)
    one = Harness(campaign, one_day(heihe_plan), renderer, EARLY, notices)
    one.start()
    one.crash()
    assert notices.sent == []  # the first rules recorded: nothing changed
    post = one.queue.find([st.PLANNED])[0]

    two = Harness(staged, one_day(heihe_plan), renderer, EARLY, notices)
    with caplog.at_level(logging.WARNING, logger="qm.daemon"):
        two.start()
    [notice] = notices.sent
    assert "审核规则已改变" in notice.title
    assert notice.lines[:2] == (f"原来：{ONE_WORDS}", f"现在：{TWO_WORDS}")
    assert "review 一节和各渠道的 auto_approve 必须相同" in notice.lines[2]
    assert [r.msg for r in caplog.records if r.levelno >= logging.WARNING] == ["review_rules_changed"]
    with two.engine.connect() as conn:
        assert review_rules.recorded(conn) == review_rules.Rules(review_rules.rules_of(TWO).digest, TWO_WORDS)

    with pytest.raises(TransitionError, match=f"数据库记录的是“{TWO_WORDS}”"):  # a machine still on one stage
        review.pass_stage(two.queue, post.id, "张科长", two.now)
    assert review.pass_stage(two.queue, post.id, "李编辑", two.now, TWO) == review.Passed("初审", approved=False)
    two.crash()

    again = Harness(staged, one_day(heihe_plan), renderer, EARLY, notices)
    again.start()  # the same rules as recorded: nothing to tell
    assert len(notices.sent) == 1
    again.close()
    one.close()
    two.close()


def test_the_web_console_refuses_an_approval_under_other_rules_and_says_why(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> None:
    """The console's config has two stages; the daemon on the other machine started with one."""
    with console_server(local(heihe, tmp_path), heihe_plan) as running:
        running.add_user("李科长", "reviewer")
        with running.queue.engine.begin() as conn:
            review_rules.record(conn, review_rules.rules_of(ReviewConfig()), 0.0)
        post = first_post(running)
        with client(running) as chief:
            http_login(chief, "李科长")
            page = chief.get(f"/post/{post}").text
            version = running.queue.get(post).version  # type: ignore[union-attr]
            refused = chief.post(f"/post/{post}/approve", data={"csrf": csrf_of(page), "version": version, "stage": "初审"})
            assert refused.status_code == 303  # to the post's page, with why: a reload sends nothing
            assert f"数据库记录的是“{ONE_WORDS}”" in chief.get(refused.headers["location"]).text
            bulk = chief.post(f"/day/{DAY}/approve", data={"csrf": csrf_of(page), "post": [f"{post} {version} 初审"]})
            note = chief.get(bulk.headers["location"]).text
            assert note.count("本机配置的审核规则与共用数据库记录的不同") == 1 and f"本机 config.yaml 的是“{TWO_WORDS}”" in note
        stored = running.queue.get(post)
        assert stored is not None and stored.state == st.PLANNED
        assert review.passes(running.queue, post, stored.version) == []


def test_two_daemons_starting_at_once_on_a_fresh_database_both_record_their_rules(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read "nothing recorded" before either wrote: the second write takes the row (last start wins)
    instead of failing its daemon's start on the table's key."""
    engine = open_db(database_url or f"sqlite:///{tmp_path / 'q.sqlite3'}")
    with engine.begin() as conn:
        assert review_rules.record(conn, review_rules.rules_of(ReviewConfig()), 0.0) is None
    monkeypatch.setattr(review_rules, "recorded", lambda conn: None)  # the second daemon read before the first wrote
    with engine.begin() as conn:
        review_rules.record(conn, review_rules.rules_of(TWO), 1.0)
    monkeypatch.undo()
    with engine.connect() as conn:
        assert review_rules.recorded(conn) == review_rules.rules_of(TWO)
    engine.dispose()


def test_a_machine_auto_approving_weibo_lets_nothing_out_the_daemon_has_people_review(project: Callable[..., Path]) -> None:
    """The daemon's machine has people review Weibo; machine B's config auto-approves it. B's commands fill
    the queue too: they must neither auto-approve its posts nor approve anything under B's rules."""
    reviewed = project()
    auto = _auto_weibo(reviewed)
    _daemon_ran(reviewed)
    wechat = next(p.id for p in Context(reviewed).plan.posts if p.channel == "wechat")

    refused = run_qm("approve", wechat, "--by", "张科长", "-c", auto)
    assert refused.returncode == 2, refused.stdout
    assert f"数据库记录的是“{ONE_WORDS}”" in refused.stderr and f"本机 config.yaml 的是“{AUTO_WORDS}”" in refused.stderr
    assert "各渠道的 auto_approve 改成与运行后台服务的机器相同" in refused.stderr
    assert _weibo_states(auto) == {st.PLANNED}  # B's fill auto-approved nothing: people review them
    assert run_qm("queue", "-c", auto).returncode == 0
    assert _weibo_states(auto) == {st.PLANNED}


def test_the_daemon_records_its_auto_approve_channels_and_only_a_machine_with_them_approves(project: Callable[..., Path]) -> None:
    reviewed = project()
    auto = _auto_weibo(reviewed)
    _daemon_ran(auto)
    with Context(auto).engine.connect() as conn:
        stored = review_rules.recorded(conn)
    assert stored is not None and stored.description == AUTO_WORDS
    assert _weibo_states(auto) & {st.APPROVED, st.SCHEDULED}  # the daemon's rules: Weibo auto-approved

    wechat = next(p.id for p in Context(reviewed).plan.posts if p.channel == "wechat")
    refused = run_qm("approve", wechat, "--by", "张科长", "-c", reviewed)
    assert refused.returncode == 2 and f"数据库记录的是“{AUTO_WORDS}”" in refused.stderr, refused.stdout
    approved = run_qm("approve", wechat, "--by", "张科长", "-c", auto)
    assert approved.returncode == 0 and "已审核通过 1 条" in approved.stdout, approved.stderr


def test_a_database_recorded_before_auto_approve_was_recorded_locks_out_only_until_the_daemon_starts(
    project: Callable[..., Path],
) -> None:
    """The previous qm recorded the stages alone. Its digest still holds for every config without an
    auto-approve channel; a config with one is refused (and auto-approves nothing) until its daemon records it."""
    reviewed = project()
    auto = _auto_weibo(reviewed)
    old = json.dumps({"stages": [["审核", "reviewer"]], "same_person": False}, ensure_ascii=False, sort_keys=True)
    with Context(reviewed).engine.begin() as conn:
        review_rules.record(conn, review_rules.Rules(hashlib.sha256(old.encode()).hexdigest(), ONE_WORDS), 0.0)
    first, second, third = [p.id for p in Context(reviewed).plan.posts if p.channel == "wechat"][:3]

    refused = run_qm("approve", first, "--by", "张科长", "-c", auto)
    assert refused.returncode == 2 and "重启后台服务（qm daemon）" in refused.stderr, refused.stdout
    assert _weibo_states(auto) == {st.PLANNED}
    approved = run_qm("approve", second, "--by", "张科长", "-c", reviewed)
    assert approved.returncode == 0, approved.stderr  # the same rules as before: nobody is locked out

    _daemon_ran(auto)  # the daemon restarted with the new qm: it records the auto-approve channel
    assert run_qm("approve", third, "--by", "张科长", "-c", auto).returncode == 0
    assert _weibo_states(auto) & {st.APPROVED, st.SCHEDULED}  # what the command's fill kept waiting: approved now


def test_a_fill_auto_approves_only_under_the_recorded_rules(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str) -> None:
    """A fill under other rules keeps the auto-approve channel's new posts waiting, saying why; once the
    daemon recorded this config's rules, the next fill approves them."""
    campaign = local_campaign(heihe, tmp_path, database_url, weibo={"auto_approve": True})
    queue = Queue(open_db(campaign.db_url))
    with queue.engine.begin() as conn:
        review_rules.record(conn, review_rules.rules_of(campaign.review), 0.0)  # a daemon that has people review Weibo
    fill(queue, campaign, one_day(heihe_plan), Renderer(campaign), EARLY.timestamp())
    weibo = [p for p in queue.find() if p.channel == "weibo"]
    assert weibo and {(p.state, p.last_error) for p in weibo} == {(st.PLANNED, auto_approval.WITHHELD)}
    with pytest.raises(TransitionError, match=f"本机 config.yaml 的是“{AUTO_WORDS}”"):
        review.approve(queue, weibo[0].id, "张科长", EARLY.timestamp(), under=review_rules.of(campaign))

    with queue.engine.begin() as conn:  # the daemon started with this config
        assert review_rules.record(conn, review_rules.of(campaign), 1.0) == review_rules.rules_of(campaign.review)
    fill(queue, campaign, one_day(heihe_plan), Renderer(campaign), EARLY.timestamp() + 60)
    after = [queue.get(p.id) for p in weibo]
    assert {(p.state, p.approved_by) for p in after if p is not None} == {(st.APPROVED, auto_approval.WHO)}
    queue.engine.dispose()


def test_posts_waiting_when_their_channel_turns_to_auto_approve_pass_at_the_next_fill_under_the_recorded_rules(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    """Weibo's posts were planned while people reviewed it in two stages; then Weibo is set to auto-approve. Once
    the daemon recorded that, the next fill approves the ones nobody began on, as it approves new ones. One a
    person rejected, and one past its first stage, stay with the people."""
    reviewed = dataclasses.replace(local_campaign(heihe, tmp_path, database_url), review=TWO)
    auto = dataclasses.replace(local_campaign(heihe, tmp_path, database_url, weibo={"auto_approve": True}), review=TWO)
    plan = Plan(tuple(p for p in heihe_plan.posts if p.slot.day in (EARLY.date(), EARLY.date() + dt.timedelta(days=1))), ())
    queue = Queue(open_db(reviewed.db_url))
    with queue.engine.begin() as conn:
        review_rules.record(conn, review_rules.of(reviewed), 0.0)  # the daemon had people review Weibo
    now = EARLY.timestamp()
    fill(queue, reviewed, plan, Renderer(reviewed), now)
    rejected, begun, *waiting = [p.id for p in queue.find() if p.channel == "weibo"]
    assert waiting
    review.reject(queue, rejected, "张科长", "标题需要修改", now, TWO)
    review.approve(queue, begun, "李编辑", now, TWO, under=review_rules.of(reviewed))  # 初审
    before = {p.id: p for p in queue.find()}

    fill(queue, auto, plan, Renderer(auto), now + 60)  # this machine's config changed, the daemon not restarted yet
    assert {p.id: p for p in queue.find()} == before

    with queue.engine.begin() as conn:  # the daemon started with the new config
        review_rules.record(conn, review_rules.of(auto), now + 120)
    fill(queue, auto, plan, Renderer(auto), now + 180)
    after = {p.id: p for p in queue.find()}
    assert {(after[i].state, after[i].approved_by) for i in waiting} == {(st.APPROVED, auto_approval.WHO)}
    last = queue.history(waiting[0])[-1]
    assert (last.who, last.from_state, last.to_state, last.why) == (
        auto_approval.WHO,
        st.PLANNED,
        st.APPROVED,
        "该渠道设置为自动审核（auto_approve）",
    )
    assert after[rejected] == before[rejected] and after[rejected].state == st.REJECTED
    assert after[begun] == before[begun] and [p.name for p in review.passes(queue, begun, after[begun].version)] == ["初审"]
    assert all(after[p.id] == p for p in before.values() if p.channel != "weibo")  # WeChat is still reviewed by people
    queue.engine.dispose()
