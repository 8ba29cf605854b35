"""The queue: state rules, atomic claims, the audit log, filling from the plan, migrations."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.migrations import LATEST, MIGRATIONS, migrate
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts, schema_version
from scheduler.rendering.payloads import Renderer
from scheduler.support.errors import InputError, RuntimeFailure

from .daemon_helpers import local_campaign, one_day

NOW = 1_472_700_000.0  # 2016-09-01


@pytest.fixture(scope="module")
def renderer(heihe: Campaign) -> Renderer:
    return Renderer(heihe)


@pytest.fixture
def setup(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer, database_url: str
) -> tuple[Campaign, Plan, Renderer, Queue]:
    campaign = local_campaign(heihe, tmp_path, database_url)
    plan = one_day(heihe_plan)
    queue = Queue(open_db(campaign.db_url))
    fill(queue, campaign, plan, renderer, NOW)
    return campaign, plan, renderer, queue


def _force(queue: Queue, post_id: str, state: str) -> None:
    with queue.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == post_id).values(state=state))


def test_transition_table_is_closed_and_published_is_final() -> None:
    assert set(st.TRANSITIONS) == set(st.STATES)
    assert all(targets <= set(st.STATES) for targets in st.TRANSITIONS.values())
    assert st.TRANSITIONS[st.PUBLISHED] == frozenset()
    # Nothing reaches published without going through publishing (failed, missed, cancelled after an attempt that
    # may have sent it: a person confirms it went out; failed, missed, scheduled: an attempt's answer came after a
    # takeover judged the post and moved it on).
    reach = {s for s, targets in st.TRANSITIONS.items() if st.PUBLISHED in targets}
    assert reach == {st.PUBLISHING, st.ACCEPTED, st.FAILED, st.MISSED, st.SCHEDULED, st.CANCELLED}
    # Every state can be reached from planned.
    seen, todo = {st.PLANNED}, [st.PLANNED]
    while todo:
        for nxt in st.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(st.STATES)


def test_every_transition_is_applied_or_refused_by_the_table(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    *_, queue = setup
    post_id = queue.find()[0].id
    for src, dst in itertools.product(st.STATES, st.STATES):
        _force(queue, post_id, src)
        before = len(queue.history(post_id))
        if st.allowed(src, dst):
            assert queue.move(post_id, dst, "测试", f"{src}->{dst}", NOW + 1), (src, dst)
            assert queue.get(post_id).state == dst  # type: ignore[union-attr]
            last = queue.history(post_id)[-1]
            assert (last.from_state, last.to_state, last.who, last.why, last.at) == (src, dst, "测试", f"{src}->{dst}", NOW + 1)
        else:
            with pytest.raises(TransitionError, match=post_id):
                queue.move(post_id, dst, "测试", "不允许", NOW + 1)
            assert queue.get(post_id).state == src, (src, dst)  # type: ignore[union-attr]
            assert len(queue.history(post_id)) == before, (src, dst)


def test_claim_is_atomic_between_two_workers(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    campaign, *_, queue = setup
    for post in queue.find():
        review.approve(queue, post.id, "张科长", NOW)
        queue.move(post.id, st.SCHEDULED, "后台服务", "排入", NOW)
    engines = [open_db(campaign.db_url), open_db(campaign.db_url)]  # two connections, as two processes have
    for post in queue.find():
        barrier = threading.Barrier(2)
        won: list[str] = []

        def worker(n: int, post_id: str = post.id, barrier: threading.Barrier = barrier, won: list[str] = won) -> None:
            barrier.wait()
            if Queue(engines[n]).claim(post_id, f"worker-{n}", NOW) is not None:
                won.append(f"worker-{n}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1
        claimed = queue.get(post.id)
        assert claimed is not None and claimed.state == st.PUBLISHING and claimed.attempts == 1
        assert [(a.from_state, a.to_state) for a in queue.history(post.id)].count((st.SCHEDULED, st.PUBLISHING)) == 1


def test_claim_refuses_paused_unapproved_and_changed_posts(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    *_, queue = setup
    first, second = (p.id for p in queue.find()[:2])
    for post_id in (first, second):
        review.approve(queue, post_id, "张科长", NOW)
        queue.move(post_id, st.SCHEDULED, "后台服务", "排入", NOW)
    channel = queue.get(first).channel  # type: ignore[union-attr]
    review.pause(queue, channel, "李主任", "哀悼日", NOW)
    assert queue.claim(first, "w", NOW) is None
    review.resume(queue, channel)
    with queue.engine.begin() as conn:  # approved version no longer matches the content
        conn.execute(posts.update().where(posts.c.id == second).values(version="changed"))
    assert queue.claim(second, "w", NOW) is None
    assert queue.claim(first, "w", NOW) is not None


def test_fill_adds_planned_posts_and_auto_approve_skips_review(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    campaign = local_campaign(heihe, tmp_path, database_url, weibo={"auto_approve": True})
    queue = Queue(open_db(campaign.db_url))
    result = fill(queue, campaign, one_day(heihe_plan), Renderer(campaign), NOW)
    states = {p.channel: p.state for p in queue.find()}
    assert states == {"wechat": st.PLANNED, "weibo": st.APPROVED, "screen:center": st.PLANNED}
    weibo = next(p for p in queue.find() if p.channel == "weibo")
    assert weibo.approved_by == "自动审核" and weibo.approved_version == weibo.version
    assert len(result.added) == len(queue.find())
    assert fill(queue, campaign, one_day(heihe_plan), Renderer(campaign), NOW).added == []  # idempotent


def test_editing_content_after_approval_sends_it_back_to_review(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    campaign, plan, renderer, queue = setup
    post = queue.find()[0]
    review.approve(queue, post.id, "张科长", NOW)
    item = plan.posts[0].item
    edited_item = dataclasses.replace(item, title=item.title + "（修订）", headline=item.headline + "！", line=item.line + "。")
    edited = Plan((dataclasses.replace(plan.posts[0], item=edited_item), *plan.posts[1:]), ())
    result = fill(queue, campaign, edited, renderer, NOW + 60)
    assert result.back_to_review == [post.id]
    after = queue.get(post.id)
    assert after is not None and after.state == st.PLANNED and after.version != post.version
    last = queue.history(post.id)[-1]
    assert (last.from_state, last.to_state, last.who) == (st.APPROVED, st.PLANNED, "排期")
    assert post.version in last.why and after.version in last.why
    assert queue.payload_history(post.id) == [post.version, after.version]


def test_posts_dropped_from_the_plan_are_cancelled_but_published_ones_are_kept(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    campaign, plan, renderer, queue = setup
    first, second = plan.posts[0].id, plan.posts[1].id
    _force(queue, second, st.PUBLISHED)
    result = fill(queue, campaign, Plan(plan.posts[2:], ()), renderer, NOW)
    assert result.cancelled == [first]
    assert queue.get(first).state == st.CANCELLED  # type: ignore[union-attr]
    assert queue.get(second).state == st.PUBLISHED  # type: ignore[union-attr]


def test_review_rules(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    *_, queue = setup
    a, b = (p.id for p in queue.find()[:2])
    assert review.approve(queue, a, "张科长", NOW) is True
    assert review.approve(queue, a, "张科长", NOW) is False  # already approved: nothing to do
    review.reject(queue, b, "张科长", "标题有误", NOW)
    assert queue.get(b).state == st.REJECTED  # type: ignore[union-attr]
    with pytest.raises(TransitionError, match="只有失败"):
        review.retry(queue, a, "张科长", NOW)
    _force(queue, a, st.FAILED)
    with queue.engine.begin() as conn:  # it failed at its time
        conn.execute(posts.update().where(posts.c.id == a).values(due=NOW + 50))
    assert review.retry(queue, a, "张科长", NOW + 100) == st.APPROVED
    retried = queue.get(a)
    assert retried is not None and retried.due == NOW + 100 and retried.attempts == 0  # its time has passed: sent now
    _force(queue, a, st.PUBLISHED)
    with pytest.raises(TransitionError, match="已发布"):
        review.cancel(queue, a, "张科长", "", NOW)
    with pytest.raises(InputError, match="没有编号为 nope"):
        review.approve(queue, "nope", "张科长", NOW)
    with pytest.raises(TransitionError, match="已经是“已退回”状态"):
        review.reject(queue, b, "张科长", "又点了一次", NOW)


def test_a_cancelled_post_sent_again_is_reviewed_again_and_says_why(setup: tuple[Campaign, Plan, Renderer, Queue]) -> None:
    *_, queue = setup
    post = queue.find()[0].id
    review.approve(queue, post, "张科长", NOW)
    slot = queue.get(post).due  # type: ignore[union-attr]
    assert slot > NOW + 2
    review.cancel(queue, post, "张科长", "活动改期", NOW + 1)
    assert review.retry(queue, post, "张科长", NOW + 2) == st.PLANNED
    assert queue.history(post)[-1].why == "人工重发（已取消的内容重新排入，需要重新审核）"
    assert queue.get(post).due == slot  # type: ignore[union-attr]  # its time is still ahead: sent then, not once approved again


def test_migrations_bring_an_old_database_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a database as version 1 left it, with a post in it
        schema_version.create(conn)
        MIGRATIONS[0][2](conn)
        conn.execute(schema_version.insert().values(version=1))
        conn.execute(
            posts.insert().values(
                id="p1", channel="weibo", at=1.0, due=1.0, item="i", state="planned", version="v", payload="{}", updated=1.0
            )
        )
    assert migrate(engine) == LATEST
    assert migrate(engine) == LATEST  # idempotent
    with engine.connect() as conn:
        assert sa.inspect(conn).has_table("pauses")
        assert conn.execute(sa.select(posts.c.id)).scalars().all() == ["p1"]
        assert conn.execute(sa.select(schema_version.c.version)).scalars().all() == [LATEST]


def test_a_database_from_a_newer_qm_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    engine = open_db(url)
    with engine.begin() as conn:
        conn.execute(schema_version.update().values(version=LATEST + 1))
    with pytest.raises(RuntimeFailure, match="比当前 qm 支持的"):
        open_db(url)


def test_the_diff_lines_its_columns_up_by_the_clis_display_width_on_lines_with_quotes(
    setup: tuple[Campaign, Plan, Renderer, Queue],
) -> None:
    from scheduler.cli.queue_diff import COLUMN, show_diff
    from scheduler.views.columns import width

    campaign, plan, renderer, queue = setup
    first = next(p for p in plan.posts if p.channel == "wechat")
    quoted = "标注“注册商标”或者注册标记，以及圆圈里加一个“注”字的，必须是经国家知识产权局核准注册的商标。" * 2

    def with_body(body: str) -> Plan:
        return Plan(tuple(dataclasses.replace(p, item=dataclasses.replace(p.item, body=body)) if p is first else p for p in plan.posts), ())

    fill(queue, campaign, with_body(quoted), renderer, NOW)
    review.approve(queue, first.id, "张科长", NOW)
    fill(queue, campaign, with_body(quoted.replace("必须是", "只能是", 1)), renderer, NOW + 60)
    rows = [line for line in show_diff(queue, first.id).splitlines() if "“" in line and width(line) > COLUMN]
    assert rows and any(" | " in line for line in rows)
    for line in rows:  # the right column starts at the same display column on every line (“” count as one, as in qm queue)
        left = next(i for i in range(len(line), 0, -1) if width(line[:i]) <= COLUMN)
        assert width(line[:left]) == COLUMN and line[left : left + 3] in ("   ", " | "), line
