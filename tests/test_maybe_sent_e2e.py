"""A post an attempt may have sent (the platform took the call, its answer was lost) stays counted as maybe out
whatever happens to it next, through real HTTP to the fake platforms: cancelled, it keeps its item on its channel
and can still be confirmed; waiting for the daemon's retry, an edit waits and the retry repeats the same mass send
(same clientmsgid: WeChat recognises it); refused on that retry, the advice is to check the platform first."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scheduler.inputs.content import Library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.kept_posts import read_kept
from scheduler.publishing.maybe_sent import maybe_sent
from scheduler.publishing.queue import TransitionError
from scheduler.publishing.tables import posts

from . import test_channels_e2e as e2e
from .channel_helpers import TZ, WECHAT_AT, WECHAT_POST, WEIBO_POST
from .test_channels_e2e import NEXT_DAY, World

world = e2e.world  # the fixture: real WeChat and Weibo channels against the fake servers

AFTER_WEIBO = dt.datetime(2016, 9, 2, 11, 0, tzinfo=TZ)


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_weibo_post_cancelled_after_its_share_was_dropped_stays_maybe_out_and_can_be_confirmed(world: World, library: Library) -> None:
    """Cancelling stops further attempts (staff may want that) but forgets nothing: a moved time gives its item no
    other Weibo slot, a twin is not sent, and `qm confirm` records it once staff found it on Weibo."""
    h = world.harness
    world.weibo.fail_next("share", drop=True)  # Weibo takes the post, the connection drops before the answer
    h.start()
    h.approve_all()
    h.run_until(AFTER_WEIBO)
    post = h.queue.get(WEIBO_POST)
    assert post is not None and post.state == st.FAILED and len(world.weibo.statuses) == 1  # it is on Weibo
    said = review.cancel(h.queue, WEIBO_POST, "王科长", "活动改期", h.now)
    assert said.startswith(f"但请注意，{WEIBO_POST} 之前的发布可能已经发出") and f"qm confirm {WEIBO_POST} --url 链接" in said
    assert h.state(WEIBO_POST) == st.CANCELLED and "仍算作可能已发出" in h.queue.history(WEIBO_POST)[-1].why
    kept = read_kept(h.campaign.db_url)[WEIBO_POST]
    assert kept.out and kept.unsure  # the plan keeps its item spent on weibo
    assert h.campaign.weibo is not None
    moved = h.campaign.with_channels(dataclasses.replace(h.campaign.weibo, times=(dt.time(10, 30), dt.time(18))))
    plan = make_plan(moved, library, read_kept(h.campaign.db_url))  # as `qm plan` after the time moved
    assert not [p.id for p in plan.posts if p.channel == "weibo" and p.item.id == post.item]
    assert any("10:00 的发布失败，但可能已经发出" in n.text and "不再另排 10:30" in n.text for n in plan.notes)
    other = next(p for p in h.plan.posts if p.channel == "weibo" and p.id != WEIBO_POST)
    with h.engine.begin() as conn:  # another weibo post carrying the same item, cancelled (as a slot the plan dropped)
        conn.execute(posts.update().where(posts.c.id == other.id).values(item=post.item, state=st.CANCELLED))
    with pytest.raises(TransitionError, match=f"还有 {WEIBO_POST}（已取消，可能已经发出）"):
        review.retry(h.queue, other.id, "王科长", h.now)
    review.confirm(h.queue, WEIBO_POST, "王科长", "https://weibo.com/1/2", h.now)
    assert h.state(WEIBO_POST) == st.PUBLISHED and len(world.weibo.statuses) == 1


def _mass_send_dropped(world: World, then: dict[str, object] | None = None) -> None:
    """The 20:00 mass send reached every follower, its answer lost: the daemon waits to send it again (and WeChat
    answers `then` to the next sendall)."""
    h = world.harness
    world.wechat.fail_next("sendall", drop=True)
    if then is not None:
        world.wechat.fail_next("sendall", body=then)
    h.start()
    h.approve_all()
    h.step_at(WECHAT_AT)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.SCHEDULED and post.attempts == 1 and len(world.wechat.deliveries) == 1
    assert post.receipt is not None and post.receipt.data["stage"] == "sending"  # marked before the call: it may be out


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_words_edited_while_a_dropped_mass_send_waits_to_retry_wait_and_the_retry_is_recognised(world: World) -> None:
    """Editing the item then would send the new words under a new clientmsgid: a second mass send to all followers.
    The refresh keeps the words that may be out, saying why; the retry repeats them and WeChat answers 45065."""
    h = world.harness
    _mass_send_dropped(world)
    version = h.queue.get(WECHAT_POST).version  # type: ignore[union-attr]
    first = next(p for p in h.plan.posts if p.id == WECHAT_POST)
    edited = dataclasses.replace(first, item=dataclasses.replace(first.item, title=first.item.title + "（修订）"))
    h.plan = Plan(tuple(edited if p.id == WECHAT_POST else p for p in h.plan.posts), ())
    h.fill()  # as `qm queue` after the edit
    post = h.queue.get(WECHAT_POST)
    assert post is not None and (post.state, post.version) == (st.SCHEDULED, version)
    assert "可能已经发出：后台服务重试时仍发当时的文字" in h.queue.history(WECHAT_POST)[-1].why
    h.approve_all()
    h.run_until(NEXT_DAY)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.PUBLISHED and post.receipt is not None and post.receipt.data["already_sent"]
    assert len(world.wechat.deliveries) == 1 and world.wechat.calls["sendall"] == 2  # sent once, recognised once


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_retry_refused_for_the_quota_after_a_dropped_mass_send_says_to_check_the_sent_list_not_to_move_it(world: World) -> None:
    """The retry is refused 45028 (the day's one mass send is used: by the dropped one itself). Moving it to the
    next day and sending again would reach every follower twice: it stays maybe out, the advice is to check first."""
    h = world.harness
    _mass_send_dropped(world, then={"errcode": 45028, "errmsg": "has no masssend quota"})
    h.run_until(NEXT_DAY)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "45028" in post.last_error and "“群发功能—已群发”里核实" in post.last_error
    assert f"qm confirm {WECHAT_POST} --url 链接 补记，不要改期重发" in post.last_error
    assert read_kept(h.campaign.db_url)[WECHAT_POST].unsure
    assert len(world.wechat.deliveries) == 1


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_waiting_to_retry_is_not_rejected_and_the_advice_given_instead_works(world: World) -> None:
    """Rejected, it would not come off the followers' phones, never be tried again, and keep its fix aside for good
    (`qm retry` refuses a rejected post): refused, saying to cancel; cancelled, the fixed words go to review."""
    h = world.harness
    _mass_send_dropped(world)
    history = h.queue.history(WECHAT_POST)
    with pytest.raises(TransitionError, match=f"{WECHAT_POST} 不能退回：之前的一次发布可能已经发出") as refused:
        review.reject(h.queue, WECHAT_POST, "审核员甲", "标题有错字", h.now)
    assert f"qm cancel {WECHAT_POST}" in str(refused.value)
    assert h.state(WECHAT_POST) == st.SCHEDULED and h.queue.history(WECHAT_POST) == history  # nothing recorded, nobody told
    version = h.queue.get(WECHAT_POST).version  # type: ignore[union-attr]
    review.cancel(h.queue, WECHAT_POST, "审核员甲", "标题有错字", h.now)
    first = next(p for p in h.plan.posts if p.id == WECHAT_POST)
    edited = dataclasses.replace(first, item=dataclasses.replace(first.item, title=first.item.title + "（修订）"))
    h.plan = Plan(tuple(edited if p.id == WECHAT_POST else p for p in h.plan.posts), ())
    h.fill()  # as `qm queue` after the edit: the words that may be out stay on record
    assert "已取消，但取消之前的一次发布可能已经发出" in h.queue.history(WECHAT_POST)[-1].why
    assert review.retry(h.queue, WECHAT_POST, "审核员甲", h.now) == st.PLANNED
    assert h.queue.get(WECHAT_POST).version != version  # type: ignore[union-attr]


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
@pytest.mark.parametrize("how", ["paused", "stopped"])
def test_a_dropped_mass_send_is_not_sent_again_a_day_later_when_wechat_no_longer_knows_its_clientmsgid(world: World, how: str) -> None:
    """Its channel paused 25 hours (or the daemon stopped that long): WeChat recognises a repeated clientmsgid for 24
    hours only, so a retry now would reach every follower twice. It fails as past its deadline, still maybe out."""
    h = world.harness
    _mass_send_dropped(world)
    if how == "paused":
        review.pause(h.queue, "wechat", "李主任", "平台异常，先暂停核实", h.now)
        h.step_at(WECHAT_AT + dt.timedelta(minutes=1))
        h.step_at(WECHAT_AT + dt.timedelta(hours=25))
        review.resume(h.queue, "wechat", "李主任", h.now)
    else:
        h.crash()
        h.clock.set(WECHAT_AT + dt.timedelta(hours=25))
        h.start()
    h.step_at(WECHAT_AT + dt.timedelta(hours=25, seconds=15))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert len(world.wechat.deliveries) == 1 and world.wechat.calls["sendall"] == 1
    told = [n for n in h.notifications.sent if n.title == "【发布失败】" + WECHAT_POST]  # type: ignore[union-attr]
    check = f"先到平台核实：已发出的 qm confirm {WECHAT_POST} --url 链接；确实没有发出的再 qm retry {WECHAT_POST}"
    assert len(told) == 1 and check in told[0].lines


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_is_not_repeated_near_the_end_of_wechats_day_whatever_the_grace_window(world: World) -> None:
    """A grace window of a whole day still ends inside the day WeChat knows the clientmsgid for, but not by much: the
    channel itself makes no repeat later than 23 hours after the first sendall, and says to check the sent list."""
    h = world.harness
    assert h.campaign.wechat is not None
    h.campaign = h.campaign.with_channels(dataclasses.replace(h.campaign.wechat, grace_minutes=24 * 60))
    _mass_send_dropped(world)
    h.crash()
    h.clock.set(WECHAT_AT + dt.timedelta(hours=23, minutes=30))  # inside its grace window
    h.start()
    h.step_at(WECHAT_AT + dt.timedelta(hours=23, minutes=30, seconds=15))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "微信只在 24 小时内认得出同一 clientmsgid 的重复群发" in post.last_error
    assert "“群发功能—已群发”里核实" in post.last_error and "不要改期重发" in post.last_error
    assert len(world.wechat.deliveries) == 1 and world.wechat.calls["sendall"] == 1
    assert review.retry(h.queue, WECHAT_POST, "王科长", h.now) == st.APPROVED  # checked on WeChat, a person sends it anew


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_whose_day_the_shortened_period_left_is_cancelled_and_staff_told_to_check_first(world: World) -> None:
    """The end moved before its day while it waits to retry: not sent again, and as it may be out, staff hear so."""
    h = world.harness
    config = [h.campaign]
    h.config = lambda: config[0]  # config.yaml as the daemon reads it again before a publish
    _mass_send_dropped(world)
    config[0] = dataclasses.replace(h.campaign, end=dt.date(2016, 9, 1))
    h.run_until(WECHAT_AT + dt.timedelta(minutes=5))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.CANCELLED and maybe_sent(post.state, post.attempts, post.receipt)
    assert world.wechat.calls["sendall"] == 1
    told = [n for n in h.notifications.sent if n.title == "【活动期已改，内容取消】" + WECHAT_POST]  # type: ignore[union-attr]
    assert len(told) == 1 and "原因：活动期改为 2016-09-01 至 2016-09-01，这一天不在活动期内，不再安排该内容" in told[0].lines
    assert (
        f"先到平台核实：已发出的用 qm confirm {WECHAT_POST} --url 链接补记；没有发出的不用再处理（这一天已不在活动期内）" in told[0].lines
    )
    assert not any("qm retry" in line for line in told[0].lines)  # a retry of a day outside the period is cancelled again
    # its approval went with it: reviewers hear so at the next heartbeat, as of a refresh's cancel
    h.step_at(WECHAT_AT + dt.timedelta(minutes=5, seconds=30))
    [lost] = [n for n in h.notifications.sent if n.title.startswith("【已审核的内容被取消】")]  # type: ignore[union-attr]
    assert WECHAT_POST in lost.lines[-1] and "取消了 1 条已审核的内容" in lost.lines[-1]


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_whose_channel_was_removed_is_cancelled_and_staff_told_to_check_first(world: World) -> None:
    """The channel left config.yaml while it waits to retry: not sent again, and as it may be out, staff hear so (not
    only "put the channel back and qm retry", which would send a second mass send once WeChat forgot its clientmsgid)."""
    h = world.harness
    config = [h.campaign]
    h.config = lambda: config[0]  # config.yaml as the daemon reads it again before a publish
    _mass_send_dropped(world)
    config[0] = dataclasses.replace(h.campaign, channels=tuple(c for c in h.campaign.channels if c.name != "wechat"))
    h.run_until(WECHAT_AT + dt.timedelta(minutes=10))
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.CANCELLED and maybe_sent(post.state, post.attempts, post.receipt)
    assert world.wechat.calls["sendall"] == 1 and "仍算作可能已发出" in h.queue.history(WECHAT_POST)[-1].why
    told = [n for n in h.notifications.sent if n.title == "【渠道已删除，内容取消】" + WECHAT_POST]  # type: ignore[union-attr]
    assert len(told) == 1
    assert (
        f"先到平台核实：已发出的用 qm confirm {WECHAT_POST} --url 链接 补记；确实没有发出、仍要发布的，"
        f"把该渠道加回 config.yaml，再用 qm retry {WECHAT_POST} 重新排入（需重新审核）"
    ) in told[0].lines


@pytest.mark.parametrize("world", [("mass_send", "api")], indirect=True)
def test_a_dropped_mass_send_over_the_quota_with_no_slot_left_is_failed_as_maybe_out_without_advice_to_send_it_by_hand(
    world: World, heihe_plan: Plan
) -> None:
    """The 09-01 send, refused for its quota, was sent by hand and confirmed while the 09-02 one, its answer lost,
    waits to repeat: 09-02's one send is used and the campaign ends that day. The lost one may be out: staff are told
    to check first, not that it was not sent nor to send it by hand (followers would get it twice)."""
    h = world.harness
    h.campaign = dataclasses.replace(h.campaign, end=dt.date(2016, 9, 2))
    h.plan = Plan((*[p for p in heihe_plan.posts if p.id == "20160901-wechat-2000"], *h.plan.posts), ())
    h.clock.set(dt.datetime(2016, 9, 1, 8, 0, tzinfo=TZ))
    world.wechat.fail_next("sendall", body={"errcode": 45028, "errmsg": "has no masssend quota"})
    h.start()
    h.approve_all()
    h.run_until(dt.datetime(2016, 9, 1, 23, 0, tzinfo=TZ))
    world.wechat.fail_next("sendall", drop=True)
    h.step_at(WECHAT_AT)
    assert h.state(WECHAT_POST) == st.SCHEDULED and len(world.wechat.deliveries) == 1
    review.confirm(h.queue, "20160901-wechat-2000", "王科长", "https://mp.weixin.qq.com/s/by-hand", h.now)
    h.run_until(NEXT_DAY)
    post = h.queue.get(WECHAT_POST)
    assert post is not None and post.state == st.FAILED and maybe_sent(post.state, post.attempts, post.receipt)
    assert "活动期内已没有可以顺延的时段" in post.last_error and "没有发出：" not in post.last_error
    assert f"先到平台核实：已发出的用 qm confirm {WECHAT_POST} --url 链接 补记" in post.last_error
    assert "手工发出后" not in post.last_error and "可在平台上手工发出" not in post.last_error
    assert len(world.wechat.deliveries) == 1
