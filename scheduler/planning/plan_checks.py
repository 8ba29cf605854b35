"""What `qm check` says about a plan beyond what stops planning: topics the plan covers fewer times
than `coverage:` asks (with why), pins that name no item of the content library, pins to a day
already past that the queue never held (nothing sends them: the queue is filled from today on), and the
queue's posts on days the period no longer has (it was shortened: the next refresh cancels them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from ..channels.kinds import label_of
from ..inputs.campaign import Campaign, Pin
from ..inputs.content import Library
from ..inputs.vocabulary import TOPICS
from ..support.errors import Problem
from .kept import Kept
from .planner import Plan, PlannedPost
from .slots import day_and_time


def coverage_shortfalls(campaign: Campaign, library: Library, plan: Plan) -> list[Problem]:
    """Topics of `coverage` that the plan has fewer times than asked, with why: for `qm check`."""
    cov = campaign.coverage
    counts = Counter(p.item.topic for p in plan.posts)
    out = []
    for topic in cov.topics:
        if counts[topic] >= cov.times:
            continue
        items = [i for i in library.items if i.topic == topic]
        valid = [i for i in items if (i.valid_from or campaign.end) <= campaign.end and (i.valid_to or campaign.start) >= campaign.start]
        if not items:
            why, fix = "内容库里没有这个主题的内容", f"添加 topic: {topic} 的内容（见 content/README.md）"
        elif not valid:
            why, fix = f"这个主题的 {len(items)} 条内容都不在活动期的有效期内", "添加在活动期内有效的内容，或检查 valid_from / valid_to"
        else:
            why = f"只排进了 {counts[topic]} 次（同一条内容在一个渠道只发一次，所在领域的时段也要留给别的主题）"
            fix = "添加更多该主题的内容、允许更多渠道（channels），或减少 coverage.times"
        name = TOPICS.get(topic, topic)
        out.append(Problem(f"主题 {topic}（{name}）要求至少出现 {cov.times} 次：{why}", cov.where, fix))
    return out


def check_pins(campaign: Campaign, library: Library) -> list[Problem]:
    return [
        Problem(f"固定的内容 {pin.item!r} 在内容库中不存在", pin.where, "检查 pins 中 item 的拼写")
        for pin in campaign.pins
        if library.get(pin.item) is None
    ]


def past_pins(campaign: Campaign, plan: Plan, kept: Mapping[str, Kept], today: dt.date) -> list[Problem]:
    """Pins to a day before today whose post the queue never held: they will not go out. Only while the
    campaign runs (a campaign that is over, such as an example from an earlier year, sends nothing)."""
    if not campaign.start <= today <= campaign.end:
        return []
    out = []
    for post in plan.posts:
        if post.reason != "pin" or post.slot.day >= today or post.id in kept:
            continue
        pin = pin_of(campaign, post)
        assert pin is not None  # the planner marks "pin" only the slot of a pin: its channel, on its date
        out.append(
            Problem(
                f"固定内容 {post.item.id} 的日期 {pin.date} 已经过去，这条固定不会再发出（{label_of(campaign, post.channel)}从今天起才排入发布队列）",
                pin.where,
                "把固定的 date 改到今天或以后，或删除这条固定",
            )
        )
    return out


def outside_period(campaign: Campaign, kept: Mapping[str, Kept], today: dt.date) -> str:
    """The queue's posts not out yet, from today on, on days outside the period (it was shortened since the
    last refresh): the next refresh cancels them (`publishing.dropped_slots`). "" when there are none."""
    days = sorted(
        when[0]
        for post_id, k in kept.items()
        if not k.out and (when := day_and_time(post_id)) is not None and when[0] >= today and not campaign.start <= when[0] <= campaign.end
    )
    if not days:
        return ""
    first, last = (f"{d.month}月{d.day}日" for d in (days[0], days[-1]))
    return (
        f"发布队列里有 {len(days)} 条还没有发出的内容在新的活动期（{campaign.start} 至 {campaign.end}）之外"
        f"（{first}{f'至{last}' if last != first else ''}），下次刷新队列（qm queue、审核台，或后台服务每天早上的刷新）时取消，不会发出；"
        "把活动期改回原样，它们回到队列（审核仍然有效的恢复为已审核）"
    )


def pin_of(campaign: Campaign, post: PlannedPost) -> Pin | None:
    """The pin in config.yaml that put the post in its slot (None: the planner chose the slot)."""
    if post.reason != "pin":
        return None
    return next((p for p in campaign.pins if p.item == post.item.id and p.channel == post.channel and p.date == post.slot.day), None)
