"""Features meeting on one post: a retry followed by an edit, a slot moved by the config after its post
went out. Real SQLite queue, the daemon on a fake clock; each test says what must hold for the post."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.channels.base import OutgoingPost, PermanentError
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan, PlannedPost
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.queue import Post, TransitionError
from scheduler.rendering.payloads import Renderer
from scheduler.support.errors import InputError
from scheduler.support.values import Receipt

from . import test_races
from .daemon_helpers import Harness, Recorder, SpyChannel, local_campaign, one_day
from .test_races import EARLY, TZ, WEIBO, WEIBO_AT

renderer, harness = test_races.renderer, test_races.harness  # the same fixtures


def edit_title(h: Harness, post_id: str, suffix: str) -> None:
    """Someone changes the words of the post's content item (as the console's edit form does)."""
    first = next(p for p in h.plan.posts if p.id == post_id)
    edited = dataclasses.replace(first, item=dataclasses.replace(first.item, title=first.item.title + suffix))
    h.plan = Plan(tuple(edited if p.id == post_id else p for p in h.plan.posts), h.plan.reminders)


def test_a_post_sent_again_then_corrected_waits_for_review_in_the_retry_window_and_goes_out_once(harness: Harness) -> None:
    h = harness
    daemon = h.start()
    h.approve_all()
    h.crash()  # down over the post's slot and its whole grace window
    late = WEIBO_AT + dt.timedelta(hours=3)
    h.clock.set(late)
    daemon = h.start()
    h.step_at(late)  # its publish job finds it past the grace window
    assert h.state(WEIBO) == st.MISSED
    assert review.retry(h.queue, WEIBO, "王科长", h.now) == st.APPROVED  # send it now
    edit_title(h, WEIBO, "（更正）")  # a typo seen a moment later, fixed
    h.fill()
    daemon.beat(h.now)
    post = h.queue.get(WEIBO)
    assert post is not None and post.state == st.PLANNED, h.queue.history(WEIBO)[-1]  # the corrected words wait for review
    assert post.due == late.timestamp()  # in the window the retry opened, not the slot's long gone one
    h.approve(WEIBO, "李主任")
    h.step_at(late + dt.timedelta(minutes=1))
    h.run_until(late + dt.timedelta(minutes=30))
    assert h.state(WEIBO) == st.PUBLISHED
    assert len(h.ledger.deliveries[WEIBO]) == 1


def moved(post: PlannedPost, hours: int) -> PlannedPost:
    return dataclasses.replace(post, slot=dataclasses.replace(post.slot, at=post.at + dt.timedelta(hours=hours)))


@pytest.fixture(params=[False, True], ids=["reviewed", "auto_approve"])
def weibo_out(request: pytest.FixtureRequest, tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer) -> Iterator[Harness]:
    """The Heihe publishing day with its 10:00 Weibo post out (the channel reviewed, or auto-approved)."""
    campaign = local_campaign(heihe, tmp_path, weibo={"auto_approve": request.param})
    h = Harness(campaign, one_day(heihe_plan), renderer, EARLY, Recorder())
    try:
        h.start()
        h.approve_all()
        h.step_at(EARLY)
        h.run_until(WEIBO_AT + dt.timedelta(minutes=5))
        assert h.state(WEIBO) == st.PUBLISHED
        yield h
    finally:
        h.close()


def test_a_slot_moved_by_the_config_after_its_post_went_out_does_not_send_the_words_again(weibo_out: Harness) -> None:
    h = weibo_out
    # 10:30: the Weibo times in config.yaml change from 10:00 to 11:00; the plan puts the same words there
    h.clock.set(WEIBO_AT + dt.timedelta(minutes=30))
    h.plan = Plan(tuple(moved(p, 1) if p.id == WEIBO else p for p in h.plan.posts), h.plan.reminders)
    h.fill()
    later = f"{WEIBO[:-4]}1100"
    assert h.state(later) == st.CANCELLED
    assert "已经发出" in h.queue.history(later)[-1].why and WEIBO in h.queue.history(later)[-1].why
    h.run_until(WEIBO_AT + dt.timedelta(hours=3))
    assert h.state(WEIBO) == st.PUBLISHED and h.state(later) == st.CANCELLED
    assert len(h.ledger.deliveries[WEIBO]) == 1 and not h.ledger.deliveries.get(later)


def test_words_the_plan_gives_to_another_slot_after_they_went_out_are_not_sent_again(weibo_out: Harness) -> None:
    """The library changed mid-campaign (an item deleted) and the plan moved its items: the evening Weibo
    slot now gets the words the morning slot sent. They are not sent twice; a person may still choose to, with a pin."""
    h = weibo_out
    evening = f"{WEIBO[:-4]}1800"
    morning_post, evening_post = (next(p for p in h.plan.posts if p.id == i) for i in (WEIBO, evening))
    swapped = {WEIBO: evening_post.item, evening: morning_post.item}
    h.plan = Plan(tuple(dataclasses.replace(p, item=swapped[p.id]) if p.id in swapped else p for p in h.plan.posts), h.plan.reminders)
    h.fill()
    assert h.state(evening) == st.CANCELLED
    why = h.queue.history(evening)[-1].why
    assert "已经发出" in why and WEIBO in why and "pins" in why
    h.run_until(WEIBO_AT + dt.timedelta(hours=10))
    assert h.state(WEIBO) == st.PUBLISHED and h.state(evening) == st.CANCELLED
    assert len(h.ledger.deliveries[WEIBO]) == 1 and not h.ledger.deliveries.get(evening)
    # sending them again is a person's choice, made with a pin: a retry is refused, naming the post that sent them
    with pytest.raises(TransitionError, match=f"还有 {WEIBO}（已发布）"):
        review.retry(h.queue, evening, "王科长", h.now)
    assert h.state(evening) == st.CANCELLED


def test_a_slot_moved_back_after_its_words_went_out_from_where_it_was_moved_does_not_come_back(harness: Harness) -> None:
    """The config moved the approved Weibo post an hour later and it went out there; the time moved back, the
    slot the plan had cancelled does not come back with its approval: those words went out."""
    h = harness
    h.start()
    h.approve_all()
    original, later = h.plan, f"{WEIBO[:-4]}1100"
    h.plan = Plan(tuple(moved(p, 1) if p.id == WEIBO else p for p in h.plan.posts), h.plan.reminders)
    h.fill()
    assert h.state(WEIBO) == st.CANCELLED and h.approve(later, "王科长")
    h.step_at(EARLY)
    h.run_until(WEIBO_AT + dt.timedelta(hours=1, minutes=5))
    assert h.state(later) == st.PUBLISHED
    h.plan = original
    h.fill()
    assert h.state(WEIBO) == st.CANCELLED
    h.run_until(WEIBO_AT + dt.timedelta(hours=3))
    assert len(h.ledger.deliveries[later]) == 1 and not h.ledger.deliveries.get(WEIBO)


def test_the_same_words_pinned_twice_in_a_day_both_go_out(harness: Harness) -> None:
    """A second slot for words that went out earlier that day is not a moved slot when the first is still planned."""
    h = harness
    h.start()
    h.approve_all()
    h.step_at(EARLY)
    h.run_until(WEIBO_AT + dt.timedelta(minutes=5))
    first = next(p for p in h.plan.posts if p.id == WEIBO)
    h.plan = Plan((*h.plan.posts, moved(first, 7)), h.plan.reminders)  # a pin: the same words again at 17:00
    h.fill()
    again = f"{WEIBO[:-4]}1700"
    assert h.state(again) == st.PLANNED


def went_out(h: Harness, post: Post) -> bool:
    """These words went out on this channel already (from this slot or another)."""
    return any(p.channel == post.channel and p.item == post.item and h.ledger.deliveries.get(p.id) for p in h.queue.find())


@pytest.mark.parametrize("seed", range(20, 28))  # 23 and 24 sent words twice before a moved slot checked what went out
def test_people_acting_at_random_while_the_daemon_runs_never_send_a_post_twice_or_lose_one(
    tmp_path: Path, heihe: Campaign, heihe_plan: Plan, renderer: Renderer, seed: int
) -> None:
    """Reviewers approve, reject, cancel and send again, editors change words and change them back, a slot
    moves, while the daemon publishes (and is killed and restarted now and then). Whatever happens: no
    post goes out twice, what went out is recorded published, and nothing approved is left unsendable."""
    rng = random.Random(seed)
    h = Harness(local_campaign(heihe, tmp_path), one_day(heihe_plan), renderer, EARLY, Recorder())
    original = h.plan
    assert len({(p.channel, p.item.id) for p in original.posts}) == len(original.posts)  # each words once a channel
    try:
        h.start()
        h.fill()
        when, end = dt.datetime(2016, 9, 2, 6, 0, tzinfo=TZ), dt.datetime(2016, 9, 3, 2, 0, tzinfo=TZ)  # the publishing day
        while when < end:
            post = rng.choice(h.queue.find())
            act = rng.choice(["approve", "approve", "approve", "reject", "cancel", "retry", "edit", "undo", "move", "crash"])
            with contextlib.suppress(TransitionError, InputError):  # refused as a person would be told: fine
                if act == "approve":
                    h.approve(post.id, rng.choice(["王科长", "李主任"]))
                elif act == "reject":
                    review.reject(h.queue, post.id, "王科长", "措辞再改改", h.now)
                elif act == "cancel":
                    review.cancel(h.queue, post.id, "王科长", "活动改期", h.now)
                elif act == "retry" and not went_out(h, post):  # sending words again that went out is a person's choice
                    review.retry(h.queue, post.id, "王科长", h.now)
                elif act == "edit" and post.id in {p.id for p in h.plan.posts}:
                    edit_title(h, post.id, "（修订）")
                    h.fill()
                elif act == "undo":  # every edit and move undone
                    h.plan = original
                    h.fill()
                elif act == "move" and post.id in {p.id for p in original.posts}:
                    h.plan = Plan(tuple(moved(p, 1) if p.id == post.id else p for p in h.plan.posts), h.plan.reminders)
                    h.fill()
                elif act == "crash":
                    h.crash()
                    h.start()
            when += dt.timedelta(minutes=rng.randint(3, 30))
            h.step_at(when)
        h.run_until(end)
        out = [(p.channel, p.item) for p in h.queue.find() for _ in h.ledger.deliveries.get(p.id, [])]
        assert len(out) == len(set(out)), sorted(out)  # no words out twice on a channel, from any slot
        for post in h.queue.find():
            delivered = len(h.ledger.deliveries.get(post.id, []))
            assert (delivered == 1) == (post.state == st.PUBLISHED), (post.id, post.state, h.queue.history(post.id))
            assert post.state not in (st.APPROVED, st.SCHEDULED, st.PUBLISHING, st.ACCEPTED), (post.id, post.state)  # none left hanging
    finally:
        h.close()


class LostAnswer(SpyChannel):
    """Weibo's submit sent, its answer lost: the channel marks the call, then cannot tell whether the post is out."""

    def publish(self, post: OutgoingPost) -> Receipt:
        post.checkpoint({"version": post.version, "stage": "sending"})
        raise PermanentError(
            f"{post.id} 发微博时微博接口 statuses/share 在 10 秒内没有应答（请求可能已生效），无法确认是否已发出", self.name
        )


def test_a_post_that_failed_and_may_be_out_is_not_sent_again_from_the_slot_its_time_moved_to(harness: Harness) -> None:
    """The 10:00 Weibo post's submit timed out (it may be on Weibo); the config then moves the time to 11:00. The new
    slot does not take its words, so approving it sends nothing; the failed post, retried, goes out once."""
    h = harness
    h.channels["weibo"] = LostAnswer(h.channels["weibo"].inner)
    h.start()
    h.approve_all()
    h.run_until(WEIBO_AT + dt.timedelta(minutes=5))
    assert h.state(WEIBO) == st.FAILED
    h.channels["weibo"] = SpyChannel(h.channels["weibo"].inner)  # Weibo answers again
    h.crash()
    h.start()
    h.plan = Plan(tuple(moved(p, 1) if p.id == WEIBO else p for p in h.plan.posts), h.plan.reminders)
    h.fill()
    later = f"{WEIBO[:-4]}1100"
    assert h.state(later) == st.CANCELLED and "可能已经发出" in h.queue.history(later)[-1].why
    with contextlib.suppress(TransitionError):
        h.approve(later, "王科长")  # as staff did when it came in planned
    assert review.retry(h.queue, WEIBO, "王科长", h.now) == st.APPROVED  # checked on Weibo: not there
    h.run_until(WEIBO_AT + dt.timedelta(hours=3))
    item = h.queue.get(WEIBO).item  # type: ignore[union-attr]
    sent = [p.id for p in h.queue.find() if p.channel == "weibo" and p.item == item for _ in h.ledger.deliveries.get(p.id, [])]
    assert sent == [WEIBO]
