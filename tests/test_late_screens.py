"""A daemon started late: a screen's featured items still go on the day's playlist while the wall is on
(they are seen until it goes dark), while WeChat and Weibo keep their grace minutes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.channels.base import TransientError
from scheduler.cli.main import main
from scheduler.daemon.problem_notices import problem_notice
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.retry_window import too_late
from scheduler.rendering.payloads import Renderer
from scheduler.screens.daily import approval, due_playlists, queue_states
from scheduler.support.values import Receipt

from .conftest import HEIHE
from .daemon_helpers import DAY, Harness, Recorder, SpyChannel, local_campaign, one_day

TZ = dt.timezone(dt.timedelta(hours=8))
SCREEN_POSTS = ("20160902-screen-center-0700-1", "20160902-screen-center-0700-2")  # the wall is on 07:00-21:30
SCREEN = "screen:center"
WEIBO_MORNING, WEIBO_EVENING = "20160902-weibo-1000", "20160902-weibo-1800"


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def harness(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> Iterator[Harness]:
    h = Harness(local_campaign(heihe, tmp_path), one_day(heihe_plan), Renderer(heihe), at(6), Recorder())
    h.fill()
    yield h
    h.close()


def started_at(h: Harness, when: dt.datetime) -> None:
    h.clock.set(when)
    h.start()
    h.step_at(when)


def published_by(h: Harness, channel: str) -> list[str]:
    spy = h.channels[channel]
    assert isinstance(spy, SpyChannel)
    return spy.published


def test_a_daemon_started_in_the_evening_puts_the_mornings_approved_screen_items_on_todays_playlist(
    harness: Harness, library: Library
) -> None:
    h = harness
    h.approve_all()
    started_at(h, at(19))
    for post_id in SCREEN_POSTS:
        post = h.queue.get(post_id)
        assert post is not None and post.state == st.PUBLISHED, post.last_error if post else post_id
        assert post.published_at == at(19).timestamp()  # published late: twelve hours after its slot
    weibo = h.queue.get(WEIBO_MORNING)
    assert weibo is not None and weibo.state == st.MISSED  # Weibo keeps its grace minutes (120)
    assert weibo.last_error == "服务停止期间错过发布时间，已超过补发时限（120 分钟）"
    assert h.state(WEIBO_EVENING) == st.PUBLISHED  # an hour late: inside its grace minutes

    states = {p.id: p.state for p in h.queue.find()}
    (playlist,) = due_playlists(h.campaign, h.plan, library, at(19, 0) + dt.timedelta(seconds=1), approval(states, DAY))
    assert playlist.day == DAY
    assert sorted(s.post_id for s in playlist.slides if s.kind == "featured") == list(SCREEN_POSTS)

    h.run_until(at(23, 59))
    assert sorted(published_by(h, SCREEN)) == list(SCREEN_POSTS)  # once each, however many sweeps follow


@pytest.mark.parametrize(("start", "expected"), [(at(21, 29), st.PUBLISHED), (at(21, 31), st.MISSED)])
def test_an_approved_screen_item_is_missed_only_once_the_wall_has_gone_dark(harness: Harness, start: dt.datetime, expected: str) -> None:
    h = harness
    h.approve_all()
    started_at(h, start)
    for post_id in SCREEN_POSTS:
        post = h.queue.get(post_id)
        assert post is not None and post.state == expected
        if expected == st.MISSED:
            assert post.last_error == "服务停止期间错过发布时间，已超过当天开屏时段（07:00-21:30）"
    assert published_by(h, SCREEN) == ([] if expected == st.MISSED else list(SCREEN_POSTS))


def test_a_screen_paused_all_day_keeps_its_items_off_the_wall_and_they_are_missed_for_the_pause(harness: Harness, library: Library) -> None:
    h = harness
    h.approve_all()
    review.pause(h.queue, SCREEN, "李主任", "全国哀悼日", at(6).timestamp())  # 全国哀悼日: the wall shows nothing of ours
    states = queue_states(h.queue, h.queue.find(), [])
    (playlist,) = due_playlists(h.campaign, h.plan, library, at(6, 50), approval(states, DAY))
    assert (playlist.slides, playlist.paused) == ((), "全国哀悼日")  # no theme, no slogans, no featured items
    started_at(h, at(6, 59))
    h.run_until(at(21, 31))
    assert published_by(h, SCREEN) == []
    for post_id in SCREEN_POSTS:
        post = h.queue.get(post_id)
        assert post is not None and post.state == st.MISSED
        assert post.last_error == "暂停发布期间错过发布时间，已超过当天开屏时段（07:00-21:30）"  # not "服务停止期间": it ran


def test_an_unreviewed_screen_item_waits_for_approval_until_the_wall_goes_dark(harness: Harness) -> None:
    h = harness
    started_at(h, at(6, 59))
    h.step_at(at(12, 1))  # past the 120 grace minutes: the wall still shows the day's items
    assert [h.state(p) for p in SCREEN_POSTS] == [st.PLANNED, st.PLANNED]
    assert h.state(WEIBO_MORNING) == st.MISSED
    h.step_at(at(21, 31))
    for post_id in SCREEN_POSTS:
        post = h.queue.get(post_id)
        assert post is not None and post.state == st.MISSED and post.last_error == "到发布时间仍未审核"
    assert published_by(h, SCREEN) == []


def test_a_screen_item_that_keeps_failing_is_retried_until_the_wall_goes_dark(harness: Harness) -> None:
    h = harness
    h.approve_all()
    spy = h.channels[SCREEN]
    assert isinstance(spy, SpyChannel)
    spy.fail_with = [TransientError("播放服务器繁忙", SCREEN) for _ in range(400)]
    started_at(h, at(20))
    h.run_until(at(23))
    post = h.queue.get(SCREEN_POSTS[0])
    assert post is not None and post.state == st.FAILED
    assert post.last_error.startswith(f"当天开屏时段（07:00-21:30）内重试 {post.attempts} 次仍失败")
    assert post.updated == at(21, 30).timestamp()  # the last try exactly when the wall went dark


def retried(h: Harness, post_id: str, when: dt.datetime) -> str:
    """`qm retry` (and the console's button) at `when`."""
    h.clock.set(when)
    return review.retry(h.queue, post_id, "张科长", when.timestamp(), too_late(h.campaign, when.timestamp()))


def test_a_screen_item_is_not_sent_again_once_the_wall_has_gone_dark_and_pinning_it_to_a_later_day_shows_it(
    harness: Harness, project: Callable[..., Path], library: Library
) -> None:
    """Sent again after the wall went dark, the item would be missed at once: refused, nothing changed,
    with the pin that shows its words on a later day; that pin, written into config.yaml, plans it there."""
    h = harness
    h.approve_all()
    started_at(h, at(21, 31))
    post = h.queue.get(SCREEN_POSTS[0])
    assert post is not None and post.state == st.MISSED
    history = h.queue.history(post.id)
    with pytest.raises(TransitionError) as refused:
        retried(h, post.id, at(21, 40))
    message = str(refused.value)
    assert message.startswith(
        f"{post.id} 不能重发：电子屏“{h.campaign.channel(SCREEN).title}”{dt.datetime.fromtimestamp(post.at, h.campaign.timezone):%Y-%m-%d %H:%M} 的这条内容已超过当天开屏时段（07:00-21:30），"  # type: ignore[union-attr]
        "重发也只会记为“已错过”。要在以后的某一天发布这条内容，在 config.yaml 的 pins 中把它固定到那一天"
    ), message
    assert h.queue.get(post.id) == post and h.queue.history(post.id) == history

    pin = message.split("pins:\n", 1)[1]
    assert pin == f"  - item: {post.item}\n    channel: {SCREEN}\n    date: 2016-09-03"
    config = project(lambda t: t.replace("\npins:\n", f"\npins:\n{pin}\n", 1), config=HEIHE)
    planned = make_plan(load_campaign(config), library)
    assert any(p.item.id == post.item and p.channel == SCREEN and p.slot.day == DAY + dt.timedelta(days=1) for p in planned.posts)


def test_a_screen_item_sent_again_while_the_wall_is_on_goes_out_that_day(harness: Harness) -> None:
    h = harness
    h.approve_all()
    started_at(h, at(6, 30))
    review.cancel(h.queue, SCREEN_POSTS[0], "张科长", "先不播", at(6, 30).timestamp())
    assert retried(h, SCREEN_POSTS[0], at(21, 0)) == st.PLANNED  # cancelled: reviewed again
    review.approve(h.queue, SCREEN_POSTS[0], "张科长", at(21, 0).timestamp())
    h.run_until(at(21, 29))
    assert h.state(SCREEN_POSTS[0]) == st.PUBLISHED and SCREEN_POSTS[0] in published_by(h, SCREEN)


def test_qm_retry_after_the_wall_went_dark_says_so_in_chinese_exits_2_and_changes_nothing(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The 2016 campaign is long over: its screens' days have all ended, and no later day is left to pin to."""
    config = project(config=HEIHE)
    campaign = load_campaign(config)
    queue = Queue(open_db(campaign.db_url))
    plan = one_day(make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)))
    fill(queue, campaign, plan, Renderer(campaign), at(6).timestamp())
    queue.move(SCREEN_POSTS[0], st.MISSED, "后台服务", "到发布时间仍未审核", at(21, 31).timestamp(), last_error="到发布时间仍未审核")
    before, history = queue.get(SCREEN_POSTS[0]), queue.history(SCREEN_POSTS[0])

    code = main(["-c", str(config), "retry", SCREEN_POSTS[0]])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    assert f"{SCREEN_POSTS[0]} 不能重发：电子屏“" in err and "”2016-09-02 " in err and "已超过当天开屏时段（07:00-21:30）" in err, err
    assert "活动期内已没有以后的日期可以发布" in err, err
    assert queue.get(SCREEN_POSTS[0]) == before and queue.history(SCREEN_POSTS[0]) == history


def test_the_notice_of_a_screen_item_missed_after_the_wall_went_dark_gives_the_advice_qm_retry_would(harness: Harness) -> None:
    """Missed once the day's on-hours ended: `qm retry` refuses, so the notice says what it would say (the pin),
    never "处理后重发"."""
    h = harness
    h.approve_all()
    started_at(h, at(21, 31))
    assert isinstance(h.notifications, Recorder)
    notices = [n for n in h.notifications.sent if n.title == f"【错过发布】{SCREEN_POSTS[0]}"]
    assert notices, [n.title for n in h.notifications.sent]
    text = notices[0].markdown()
    assert "qm retry" not in text and "已超过当天开屏时段（07:00-21:30），重发也只会记为“已错过”" in text, text
    item = h.queue.get(SCREEN_POSTS[0]).item  # type: ignore[union-attr]
    assert f"在 config.yaml 的 pins 中把它固定到那一天（item: {item}，channel: {SCREEN}，date: 2016-09-03）" in text, text


def test_the_failure_notice_of_a_post_that_may_have_gone_out_says_to_check_the_platform_before_a_retry(harness: Harness) -> None:
    """A Weibo share whose answer was lost may be out: sending it again could publish it twice."""
    h = harness
    post = h.queue.get(WEIBO_MORNING)
    assert post is not None
    unsure = dataclasses.replace(post, state=st.FAILED, attempts=1, receipt=Receipt("accepted", data={"stage": "sending"}))
    (line,) = [x for x in problem_notice(h.campaign, "【发布失败】", unsure, "连接中断", now=at(10, 1).timestamp()).lines if "qm" in x]
    assert line == f"先到平台核实：已发出的 qm confirm {post.id} --url 链接；确实没有发出的再 qm retry {post.id}"
    plain = dataclasses.replace(unsure, receipt=None)  # stopped before the call: nothing went out
    assert (
        f"处理后重发：qm retry {post.id}" in problem_notice(h.campaign, "【发布失败】", plain, "内容违规", now=at(10, 1).timestamp()).lines
    )
