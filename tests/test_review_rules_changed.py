"""Approvals are judged by the review rules in force: a stage pass counts only for the stage it was given
for, words changed back to an approved version are approved again only when the rules now accept that
approval, and a fill under the recorded rules sends back to review the approved posts, not yet claimed,
that the rules now do not accept (never touching what is being published, went out, was cancelled or failed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign, ReviewConfig, Stage
from scheduler.planning.planner import Plan
from scheduler.publishing import approval_standing, auto_approval, review, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Post, Queue
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer

from .daemon_helpers import local_campaign
from .test_daemon import EARLY

ONE = ReviewConfig()  # 审核 (reviewer)
TWO = ReviewConfig((Stage("初审", "editor"), Stage("终审", "reviewer")))
ADDED = ReviewConfig((Stage("审核", "reviewer"), Stage("复核", "admin")))
NOW = EARLY.timestamp()


def _days(plan: Plan, count: int = 2) -> Plan:
    days = [EARLY.date() + dt.timedelta(days=n) for n in range(count)]
    return Plan(tuple(p for p in plan.posts if p.slot.day in days), ())


def _under(campaign: Campaign, rules: ReviewConfig, **channels: dict[str, object]) -> Campaign:
    changed = dataclasses.replace(campaign, review=rules)
    for name, changes in channels.items():
        changed = changed.with_channels(dataclasses.replace(getattr(changed, name), **changes))
    return changed


def _record(queue: Queue, campaign: Campaign, at: float) -> None:
    """The daemon started with this config: its rules are the recorded ones."""
    with queue.engine.begin() as conn:
        review_rules.record(conn, review_rules.of(campaign), at)


def _fill(queue: Queue, campaign: Campaign, plan: Plan, at: float) -> None:
    fill(queue, campaign, plan, Renderer(campaign), at)


def _reworded(plan: Plan, mark: str) -> Plan:
    """The plan with every item's summary changed: every post's words change."""
    return Plan(tuple(dataclasses.replace(p, item=dataclasses.replace(p.item, summary=p.item.summary + mark)) for p in plan.posts), ())


def _states(queue: Queue) -> dict[str, Post]:
    return {p.id: p for p in queue.find()}


def _weibo_auto_approved(heihe: Campaign, plan: Plan, tmp_path: Path, database_url: str) -> tuple[Campaign, Queue, list[str]]:
    """The daemon auto-approves Weibo and filled one day: the config, the queue, Weibo's posts (auto-approved)."""
    auto = local_campaign(heihe, tmp_path, database_url, weibo={"auto_approve": True})
    queue = Queue(open_db(auto.db_url))
    _record(queue, auto, 0.0)
    _fill(queue, auto, plan, NOW)
    weibo = [p.id for p in queue.find() if p.channel == "weibo"]
    assert weibo and {queue.get(i).approved_by for i in weibo} == {auto_approval.WHO}  # type: ignore[union-attr]
    return auto, queue, weibo


def test_a_pass_counts_only_for_the_stage_it_was_given_for(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str) -> None:
    """Passes given under two stages, then the first stage asks a reviewer instead of an editor, and another
    stage comes in front: each pass counts for its own stage, if that stage asks no more now, and review
    continues from the first stage not properly passed."""
    base = local_campaign(heihe, tmp_path, database_url)
    plan = _days(heihe_plan, 1)
    queue = Queue(open_db(base.db_url))
    _fill(queue, _under(base, TWO), plan, NOW)
    stricter, added, renamed = [p.id for p in queue.find()][:3]
    for post_id in (stricter, added, renamed):
        assert review.pass_stage(queue, post_id, "李编辑", NOW, TWO) == review.Passed("初审", approved=False)

    strict = ReviewConfig((Stage("初审", "reviewer"), Stage("终审", "reviewer")))
    assert review.pass_stage(queue, stricter, "王科长", NOW + 1, strict) == review.Passed("初审", approved=False)
    assert review.pass_stage(queue, stricter, "张主任", NOW + 2, strict) == review.Passed("终审", approved=True)
    assert queue.get(stricter).approved_by == "王科长、张主任"  # type: ignore[union-attr]

    front = ReviewConfig((Stage("预审", "editor"), Stage("初审", "editor"), Stage("终审", "reviewer")))
    assert review.pass_stage(queue, added, "王科长", NOW + 1, front) == review.Passed("预审", approved=False)
    assert review.pass_stage(queue, added, "张主任", NOW + 2, front) == review.Passed("终审", approved=True)  # 初审 still counts
    assert queue.get(added).approved_by == "王科长、李编辑、张主任"  # type: ignore[union-attr]

    other = ReviewConfig((Stage("一审", "editor"), Stage("终审", "reviewer")))
    assert review.pass_stage(queue, renamed, "王科长", NOW + 1, other) == review.Passed("一审", approved=False)
    post = queue.get(renamed)
    assert post is not None and post.state == st.PLANNED
    assert [(p.name, p.who) for p in review.passes(queue, renamed, post.version)] == [("一审", "王科长")]
    queue.engine.dispose()


def test_words_back_to_an_approval_the_rules_no_longer_accept_wait_for_review(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    """Weibo's posts were auto-approved; then Weibo goes manual, their words change and change back: the
    auto-approval is not restored (nobody would be named), and a person's approval lacking the stage added
    since is not either; the history says why, and a retry cannot bring the approval back."""
    plan = _days(heihe_plan, 1)
    auto, queue, weibo = _weibo_auto_approved(heihe, plan, tmp_path, database_url)
    wechat = next(p.id for p in queue.find() if p.channel == "wechat")
    assert review.approve(queue, wechat, "张科长", NOW, under=review_rules.of(auto))
    approved = {i: queue.get(i).version for i in [*weibo, wechat]}  # type: ignore[union-attr]

    manual = _under(auto, ADDED, weibo={"auto_approve": False})
    _record(queue, manual, NOW + 10)
    _fill(queue, manual, _reworded(plan, "（更新）"), NOW + 20)
    assert {queue.get(i).state for i in approved} == {st.PLANNED}  # type: ignore[union-attr]
    _fill(queue, manual, plan, NOW + 30)  # the words are back

    for post_id, version in approved.items():
        post = queue.get(post_id)
        assert post is not None and post.version == version
        assert (post.state, post.approved_by, post.approved_version) == (st.PLANNED, "", "")
        last = queue.history(post_id)[-1]
        assert (last.from_state, last.to_state) == (st.PLANNED, st.PLANNED)
        assert last.why.startswith(f"内容改回了审核通过的版本 {version}，但审核规则已改，原来的审核还差")
    assert queue.history(weibo[0])[-1].why.endswith("还差审核、复核，需要审核")
    assert queue.history(wechat)[-1].why.endswith("还差复核，需要审核")
    assert review.pass_stage(queue, wechat, "王主任", NOW + 40, ADDED, under=review_rules.of(manual)) == review.Passed(
        "复核", approved=True
    )
    queue.engine.dispose()


def test_words_back_are_not_approved_again_by_a_fill_under_other_rules_than_the_recorded(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    base = local_campaign(heihe, tmp_path, database_url)
    plan = _days(heihe_plan, 1)
    queue = Queue(open_db(base.db_url))
    _record(queue, base, 0.0)
    _fill(queue, base, plan, NOW)
    post_id = next(p.id for p in queue.find() if p.channel == "weibo")
    assert review.approve(queue, post_id, "张科长", NOW, ONE)
    _fill(queue, base, _reworded(plan, "（更新）"), NOW + 10)
    assert queue.get(post_id).state == st.PLANNED  # type: ignore[union-attr]
    _fill(queue, _under(base, TWO), plan, NOW + 20)  # another machine's config, words back
    post = queue.get(post_id)
    assert post is not None and (post.state, post.approved_version) == (st.PLANNED, "")
    assert "本机的审核规则与共用数据库记录的不同，没有恢复为已审核" in queue.history(post_id)[-1].why
    queue.engine.dispose()


def test_approvals_the_stricter_rules_do_not_accept_go_back_to_review_at_the_next_fill_under_them(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    """A stage is added: approved and scheduled posts go back to wait for it, once the daemon recorded the
    new rules (a fill under other rules changes nothing); what is being published, went out, was cancelled
    or failed is never touched. Removing the stage again un-approves nothing."""
    base = local_campaign(heihe, tmp_path, database_url)
    plan = _days(heihe_plan)
    queue = Queue(open_db(base.db_url))
    _record(queue, base, 0.0)
    _fill(queue, base, plan, NOW)
    ids = [p.id for p in queue.find()]
    approved, scheduled, claimed, published, cancelled, failed, legacy, *rest = ids
    for post_id in ids[:6]:
        assert review.approve(queue, post_id, "张科长", NOW, ONE)
    for post_id in (scheduled, claimed, published, failed):
        assert queue.advance(post_id, st.APPROVED, st.SCHEDULED, "daemon", "排入发布", NOW)
    for post_id in (claimed, published, failed):
        assert queue.claim(post_id, "daemon", NOW) is not None
    assert queue.advance(published, st.PUBLISHING, st.PUBLISHED, "daemon", "已发布", NOW)
    assert queue.advance(failed, st.PUBLISHING, st.FAILED, "daemon", "失败", NOW)
    review.cancel(queue, cancelled, "王科长", "活动改期", NOW)
    with queue.engine.begin() as conn:  # approved by a qm that kept no stage passes
        version = sa.select(posts.c.version).where(posts.c.id == legacy).scalar_subquery()
        conn.execute(posts.update().where(posts.c.id == legacy).values(state=st.APPROVED, approved_by="张科长", approved_version=version))
    before = _states(queue)
    _fill(queue, base, plan, NOW + 30)  # the rules unchanged: every approval counts
    assert _states(queue) == before

    stricter = _under(base, ADDED)
    _fill(queue, stricter, plan, NOW + 60)  # this machine's config changed; the daemon still runs the old rules
    assert _states(queue) == before

    _record(queue, stricter, NOW + 120)
    _fill(queue, stricter, plan, NOW + 180)
    after = _states(queue)
    for post_id in (approved, scheduled, legacy):
        post = after[post_id]
        assert (post.state, post.approved_by, post.approved_version) == (st.PLANNED, "", "")
        last = queue.history(post_id)[-1]
        assert (last.who, last.from_state, last.to_state) == (approval_standing.WHO, before[post_id].state, st.PLANNED)
        assert last.why.startswith("审核规则已改（现在：两级审核：审核（审核人）→复核（管理员）") and "原来的审核还差复核" in last.why
    assert all(after[i] == before[i] for i in (claimed, published, cancelled, failed, *rest))
    assert [p.name for p in review.passes(queue, approved, after[approved].version)] == ["审核"]
    assert review.pass_stage(queue, approved, "王主任", NOW + 240, ADDED, under=review_rules.of(stricter)) == review.Passed(
        "复核", approved=True
    )

    _record(queue, base, NOW + 300)  # the stage removed again
    kept = _states(queue)
    _fill(queue, base, plan, NOW + 360)
    assert _states(queue) == kept and kept[approved].state == st.APPROVED
    queue.engine.dispose()


def test_auto_approvals_go_back_to_review_once_their_channel_no_longer_auto_approves(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    plan = _days(heihe_plan, 1)
    auto, queue, weibo = _weibo_auto_approved(heihe, plan, tmp_path, database_url)
    person = next(p.id for p in queue.find() if p.channel != "weibo")
    assert review.approve(queue, person, "张科长", NOW, under=review_rules.of(auto))
    before = _states(queue)

    manual = local_campaign(heihe, tmp_path, database_url)
    _fill(queue, manual, plan, NOW + 60)  # not the recorded rules: nothing changes
    assert _states(queue) == before
    _record(queue, manual, NOW + 120)
    _fill(queue, manual, plan, NOW + 180)
    after = _states(queue)
    assert {(after[i].state, after[i].approved_by) for i in weibo} == {(st.PLANNED, "")}
    last = queue.history(weibo[0])[-1]
    assert last.who == approval_standing.WHO and approval_standing.NO_LONGER_AUTO in last.why
    assert after[person] == before[person]  # approved by a person under the same stages
    queue.engine.dispose()


def test_an_approved_post_of_an_earlier_day_is_judged_too(tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str) -> None:
    """A fill plans from today on, but an approved post of yesterday may still go out (late, within its grace
    time, or postponed): a stage added since sends it back to review as well."""
    base = local_campaign(heihe, tmp_path, database_url)
    plan = _days(heihe_plan)
    queue = Queue(open_db(base.db_url))
    _record(queue, base, 0.0)
    _fill(queue, base, plan, NOW)
    yesterday = next(p for p in plan.posts if p.slot.day == EARLY.date()).id
    assert review.approve(queue, yesterday, "张科长", NOW, ONE)
    assert queue.advance(yesterday, st.APPROVED, st.SCHEDULED, "daemon", "排入发布", NOW)
    stricter = _under(base, ADDED)
    next_day = NOW + 24 * 3600
    _record(queue, stricter, next_day)
    _fill(queue, stricter, plan, next_day + 60)
    post = queue.get(yesterday)
    assert post is not None and (post.state, post.approved_by) == (st.PLANNED, ""), post
    assert "原来的审核还差复核" in queue.history(yesterday)[-1].why
    queue.engine.dispose()
