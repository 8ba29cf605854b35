"""When the review rules in force no longer accept an approval, people are told where they look (the note of
`qm queue`, the console's posts, one daemon notice per fill that sent posts back), and neither a retry nor an
approval revives it: a retry sends the post to review saying what it lacks, and approving an approved post
it lacks a stage of sends it back first and passes that stage."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import approval_standing, review, review_notices, review_rules
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.rendering.payloads import Renderer

from .conftest import TWO_STAGES, run_qm
from .daemon_helpers import Harness, Recorder, local_campaign
from .test_daemon import EARLY
from .test_review_rules import _daemon_ran
from .test_review_rules_changed import ADDED, NOW, ONE, _days, _fill, _record, _under
from .test_web_core import client
from .web_helpers import console_server, csrf_of, http_login

ADDED_WORDS = "两级审核：审核（审核人）→复核（管理员），同一人不能通过两个阶段"
LACKS_REVIEW = f"审核规则已改（现在：{ADDED_WORDS}），原来的审核还差复核"


def _failed(queue: Queue, post_id: str) -> None:
    """An approved post the daemon claimed and failed to publish."""
    assert queue.advance(post_id, st.APPROVED, st.SCHEDULED, "daemon", "排入发布", NOW)
    assert queue.claim(post_id, "daemon", NOW) is not None
    assert queue.advance(post_id, st.PUBLISHING, st.FAILED, "daemon", "失败", NOW)


def _approved(base: Campaign, plan: Plan, count: int) -> tuple[Queue, list[str]]:
    """The daemon recorded one stage and filled the day; `count` posts (not a screen's: its day is over by
    the console's clock) approved under it: the queue and their ids."""
    queue = Queue(open_db(base.db_url))
    _record(queue, base, 0.0)
    _fill(queue, base, plan, NOW)
    ids = [p.id for p in queue.find() if not p.channel.startswith("screen")][:count]
    for post_id in ids:
        assert review.approve(queue, post_id, "张科长", NOW, ONE)
    return queue, ids


def test_the_daemon_tells_staff_once_which_approvals_went_back_and_the_queue_says_why(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    base = local_campaign(heihe, tmp_path, database_url)
    notices, renderer = Recorder(), Renderer(heihe)
    one = Harness(base, _days(heihe_plan), renderer, EARLY, notices)
    one.start()
    one.approve_all()
    approved = sorted(p.id for p in one.queue.find([st.APPROVED, st.SCHEDULED]))
    one.crash()
    assert len(approved) > review_notices.RULES_SHOWN and notices.sent == []

    stricter = Harness(_under(base, ADDED), _days(heihe_plan), renderer, EARLY, notices)
    stricter.start()
    changed, told = notices.sent
    assert "审核规则已改变" in changed.title
    assert told.title == f"【审核规则已改】{len(approved)} 条已审核的内容回到待审核"
    assert told.lines[0] == f"回到待审核：{'、'.join(approved[: review_notices.RULES_SHOWN])} 等 {len(approved)} 条"
    assert f"现在的审核规则：{ADDED_WORDS}" in told.lines and any("qm queue --state 待审核" in line for line in told.lines)
    waiting = stricter.queue.find([st.PLANNED])
    assert sorted(p.id for p in waiting) == approved
    assert stricter.queue.change_reasons(waiting) == dict.fromkeys(approved, LACKS_REVIEW)
    stricter.crash()

    again = Harness(_under(base, ADDED), _days(heihe_plan), renderer, EARLY, notices)
    again.start()  # nothing more went back: nothing more to tell
    assert len(notices.sent) == 2
    again.close()
    one.close()
    stricter.close()


def test_qm_queue_and_qm_retry_say_what_the_rules_now_find_lacking(project: Callable[..., Path]) -> None:
    config = project()
    _daemon_ran(config)  # one stage recorded
    queue = Queue(Context(config).engine)
    first, failed = [p.id for p in queue.find([st.PLANNED])][:2]
    for post_id in (first, failed):
        done = run_qm("approve", post_id, "--by", "张科长", "-c", config)
        assert done.returncode == 0, done.stderr
    _failed(queue, failed)
    config.write_text(config.read_text(encoding="utf-8") + TWO_STAGES, encoding="utf-8")
    _daemon_ran(config)  # two stages recorded; its fill sends the approval back

    lacks = "审核规则已改（现在：两级审核：初审（编辑）→终审（审核人），同一人不能通过两个阶段），原来的审核还差初审、终审"
    listed = run_qm("queue", "-c", config)
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if first in line]
    assert line.rstrip().endswith(lacks) and "--diff" not in line
    diff = run_qm("queue", "--diff", first, "-c", config)
    assert diff.returncode == 0, diff.stderr
    said = f"相同，但{lacks}，需要审核：qm approve {first}@{queue.get(first).version[:8]}\n"  # type: ignore[union-attr]
    assert said in diff.stdout and "无需重新审核" not in diff.stdout, diff.stdout

    retried = run_qm("retry", failed, "--by", "张科长", "-c", config)
    assert retried.returncode == 0, retried.stderr
    assert f"{failed} 已回到“待审核”（{lacks}），请先用 qm approve {failed} 审核。" in retried.stdout
    post = queue.get(failed)
    assert post is not None and (post.state, post.approved_version) == (st.PLANNED, "")
    queue.engine.dispose()


def test_a_retry_does_not_revive_an_approval_the_rules_in_force_do_not_accept(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    base = local_campaign(heihe, tmp_path, database_url)
    queue, (kept, lacking) = _approved(base, _days(heihe_plan, 1), 2)
    for post_id in (kept, lacking):
        _failed(queue, post_id)
    stricter = _under(base, ADDED)
    _record(queue, stricter, NOW + 10)

    with pytest.raises(review_rules.RulesDiffer, match="不能重发已审核的内容"):  # this machine's old config
        review.retry(queue, lacking, "张科长", NOW + 20, None, ONE, review_rules.of(base))
    assert queue.get(lacking).state == st.FAILED  # type: ignore[union-attr]

    assert review.retry(queue, lacking, "张科长", NOW + 30, None, ADDED, review_rules.of(stricter)) == st.PLANNED
    post = queue.get(lacking)
    assert post is not None and (post.state, post.approved_by, post.approved_version) == (st.PLANNED, "", "")
    last = queue.history(lacking)[-1]
    assert (last.who, last.from_state, last.why) == ("张科长", st.FAILED, f"人工重发；{LACKS_REVIEW}，回到待审核")
    assert queue.change_reasons([post]) == {lacking: LACKS_REVIEW}
    passed = review.pass_stage(queue, lacking, "王主任", NOW + 40, ADDED, under=review_rules.of(stricter))
    assert passed == review.Passed("复核", approved=True)  # the first stage's pass still counts

    looser = _under(base, ONE)
    _record(queue, looser, NOW + 50)
    assert review.retry(queue, kept, "张科长", NOW + 60, None, ONE, review_rules.of(looser)) == st.APPROVED
    queue.engine.dispose()


def test_approving_an_approved_post_the_rules_find_lacking_sends_it_back_and_passes_the_stage_it_lacks(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    base = local_campaign(heihe, tmp_path, database_url)
    queue, (admin, reviewer, counts) = _approved(base, _days(heihe_plan, 1), 3)
    assert review.pass_stage(queue, counts, "张科长", NOW + 5, ONE, under=review_rules.of(base)) is None  # already approved
    stricter = _under(base, ADDED)
    _record(queue, stricter, NOW + 10)  # no fill under them yet: still approved
    under = review_rules.of(stricter)

    passed = review.pass_stage(queue, admin, "王主任", NOW + 20, ADDED, role="admin", under=under)
    assert passed == review.Passed("复核", approved=True, lacked="原来的审核还差复核")
    post = queue.get(admin)
    assert post is not None and (post.state, post.approved_by) == (st.APPROVED, "张科长、王主任")
    back, done = queue.history(admin)[-2:]
    assert (back.who, back.from_state, back.to_state, back.why) == (
        approval_standing.WHO,
        st.APPROVED,
        st.PLANNED,
        f"{LACKS_REVIEW}，回到待审核",
    )
    assert (done.who, done.to_state) == ("王主任", st.APPROVED)

    with pytest.raises(TransitionError, match="原来的审核不符合现在的审核规则（原来的审核还差复核），已回到待审核；复核需要管理员"):
        review.pass_stage(queue, reviewer, "李科长", NOW + 30, ADDED, role="reviewer", under=under)
    post = queue.get(reviewer)
    assert post is not None and (post.state, post.approved_version) == (st.PLANNED, "")
    assert queue.change_reasons([post]) == {reviewer: LACKS_REVIEW}
    queue.engine.dispose()


def test_the_console_shows_why_a_post_went_back_and_its_retry_says_so(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    base, plan = _under(local_campaign(heihe, tmp_path, database_url), ONE), _days(heihe_plan, 1)
    queue, (back, failed) = _approved(base, plan, 2)
    _failed(queue, failed)
    stricter = _under(base, ADDED)
    _record(queue, stricter, NOW + 10)
    _fill(queue, stricter, plan, NOW + 20)
    with console_server(stricter) as r, client(r) as c:
        r.add_user("李科长", "reviewer")
        assert http_login(c, "李科长").status_code == 303
        assert f"回到待审核：{LACKS_REVIEW}" in c.get(f"/day/{EARLY.date().isoformat()}").text
        assert f"回到待审核：{LACKS_REVIEW}" in c.get(f"/post/{back}").text
        token = csrf_of(c.get(f"/post/{failed}").text)
        answer = c.post(f"/post/{failed}/retry", data={"csrf": token})
        assert answer.status_code == 303 and "done=retried-rules" in answer.headers["location"]
        page = c.get(unquote(answer.headers["location"])).text
        assert "原来的审核不符合现在的审核规则" in page and f"回到待审核：{LACKS_REVIEW}" in page
    post = queue.get(failed)
    assert post is not None and (post.state, post.approved_version) == (st.PLANNED, "")
    queue.engine.dispose()


def test_before_any_daemon_recorded_rules_retry_and_approve_judge_nothing(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, database_url: str
) -> None:
    """As a fill then changes nothing, neither does a retry or an approval of an approved post."""
    base = local_campaign(heihe, tmp_path, database_url)
    queue = Queue(open_db(base.db_url))
    _fill(queue, base, _days(heihe_plan, 1), NOW)
    approved, failed = [p.id for p in queue.find() if not p.channel.startswith("screen")][:2]
    for post_id in (approved, failed):
        assert review.approve(queue, post_id, "张科长", NOW, ONE)
    _failed(queue, failed)
    under = review_rules.of(_under(base, ADDED))
    assert review.pass_stage(queue, approved, "王主任", NOW + 10, ADDED, role="admin", under=under) is None
    assert review.retry(queue, failed, "张科长", NOW + 20, None, ADDED, under) == st.APPROVED
    queue.engine.dispose()
