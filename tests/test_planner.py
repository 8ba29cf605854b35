from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign, Pin
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library
from scheduler.inputs.vocabulary import AREAS
from scheduler.planning.planner import LEAD_DAYS, Plan, make_plan
from scheduler.planning.slots import all_slots
from scheduler.support.errors import PlanError


def assignment(plan: Plan) -> dict[str, str]:
    return {p.id: p.item.id for p in plan.posts}


def test_every_slot_of_every_channel_gets_one_item(heihe: Campaign, heihe_plan: Plan) -> None:
    slots = all_slots(heihe)
    planned = Counter((p.channel, p.slot) for p in heihe_plan.posts)
    expected = {(ch, s) for ch, ss in slots.items() for s in ss}
    assert set(planned) == expected
    assert all(n == 1 for n in planned.values())
    days = {p.at.date() for p in heihe_plan.posts}
    assert days == set(heihe.days())


def test_no_item_repeats_on_a_channel(heihe_plan: Plan) -> None:
    by_channel = Counter((p.channel, p.item.id) for p in heihe_plan.posts)
    assert max(by_channel.values()) == 1


def test_launch_day_has_launch_content_on_every_channel(heihe: Campaign, heihe_plan: Plan) -> None:
    launch = heihe.key_dates.launch
    for channel in heihe.channels:
        posts = [p for p in heihe_plan.on(launch) if p.channel == channel.name]
        assert any(p.item.is_launch for p in posts), channel.name
    elsewhere = [p for p in heihe_plan.posts if p.item.is_launch and p.at.date() != launch]
    assert elsewhere and all(p.reason == "preview" and p.item.phase == "before" for p in elsewhere)
    assert all(0 < (launch - p.at.date()).days <= LEAD_DAYS for p in elsewhere)


def test_screens_get_extra_slots_on_launch_day(heihe: Campaign, heihe_plan: Plan) -> None:
    screen = heihe.screens[0]
    per_day = Counter(p.at.date() for p in heihe_plan.posts if p.channel == screen.name)
    assert per_day[heihe.key_dates.launch] == screen.per_slot + screen.launch_extra
    assert per_day[dt.date(2016, 9, 9)] == screen.per_slot


def test_five_areas_are_balanced(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    for channel in heihe.channels:
        posts = [p for p in heihe_plan.posts if p.channel == channel.name and p.reason in ("coverage", "area", "fill")]
        counts = Counter(p.item.area for p in posts)
        assert set(counts) == set(AREAS), channel.name
        # Areas whose items were not all used get an equal share, give or take one.
        available = Counter(i.area for i in library.items if i.allows(channel.kind) and not i.is_launch)
        unsaturated = [counts[a] for a in AREAS if counts[a] < available[a]]
        if unsaturated:
            assert max(unsaturated) - min(unsaturated) <= 1, (channel.name, counts)
            assert all(counts[a] <= max(unsaturated) for a in AREAS)


def test_areas_are_spread_through_the_month(heihe_plan: Plan) -> None:
    weibo = [p for p in heihe_plan.posts if p.channel == "weibo"]
    first_half = {p.item.area for p in weibo if p.at.day <= 15}
    second_half = {p.item.area for p in weibo if p.at.day > 15}
    assert first_half == second_half == set(AREAS)


def test_plan_is_deterministic(heihe: Campaign, library: Library) -> None:
    shuffled = Library(tuple(reversed(library.items)))
    assert assignment(make_plan(heihe, library)) == assignment(make_plan(heihe, shuffled))


def test_editing_an_item_text_changes_nothing(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    items = list(library.items)
    items[7] = dataclasses.replace(items[7], title="改过的标题", summary="改过的摘要" * 8, body="改过的正文")
    assert assignment(make_plan(heihe, Library(tuple(items)))) == assignment(heihe_plan)


@pytest.mark.parametrize("area", list(AREAS))
def test_adding_an_item_moves_few_others(heihe: Campaign, library: Library, heihe_plan: Plan, area: str) -> None:
    template = next(i for i in library.items if i.area == area and not i.is_launch and not i.is_slogan)
    new = dataclasses.replace(template, id=f"zz-new-{area}", title="新增的内容")
    after = assignment(make_plan(heihe, Library((*library.items, new))))
    before = assignment(heihe_plan)
    changed = [k for k in before if before[k] != after[k]]
    # The new item takes at most one slot per channel and displaces a short chain, not the month.
    assert len(changed) <= 3 * len(heihe.channels), changed
    assert len(changed) < len(before) * 0.1


def test_removing_an_item_moves_few_others(heihe: Campaign, library: Library, heihe_plan: Plan) -> None:
    used = {p.item.id for p in heihe_plan.posts if p.channel == "wechat" and p.reason == "area"}
    victim = sorted(used)[0]
    after = assignment(make_plan(heihe, Library(tuple(i for i in library.items if i.id != victim))))
    before = assignment(heihe_plan)
    changed = [k for k in before if before[k] != after[k]]
    assert len(changed) < len(before) * 0.1, changed


def test_pins_hold(heihe: Campaign, library: Library) -> None:
    item = next(i for i in library.items if i.area == "mechanism" and not i.is_slogan)
    pins = (*heihe.pins, Pin(item.id, "weibo", dt.date(2016, 9, 20), dt.time(18, 0), "test"))
    plan = make_plan(dataclasses.replace(heihe, pins=pins), library)
    pinned = [p for p in plan.posts if p.reason == "pin"]
    assert {(p.channel, p.at.isoformat(), p.item.id) for p in pinned} == {
        ("wechat", "2016-09-08T20:00:00+08:00", "publicity-launch-announcement"),
        ("weibo", "2016-09-20T18:00:00+08:00", item.id),
    }
    assert sum(1 for p in plan.posts if p.channel == "weibo" and p.item.id == item.id) == 1


def test_pin_to_a_slot_that_does_not_exist(heihe: Campaign, library: Library) -> None:
    pins = (Pin(library.items[0].id, "weibo", dt.date(2016, 9, 20), dt.time(3, 0), "config.yaml:99"),)
    with pytest.raises(PlanError) as info:
        make_plan(dataclasses.replace(heihe, pins=pins), library)
    assert "config.yaml:99" in str(info.value.problems[0])


def test_a_pin_outside_the_campaign_says_so_with_no_space_after_the_channel(heihe: Campaign, library: Library) -> None:
    item = library.items[0].id
    pins = (
        Pin(item, "wechat", dt.date(2016, 10, 8), dt.time(20, 0), "config.yaml:98"),
        Pin(item, "weibo", dt.date(2016, 9, 20), dt.time(3, 0), "config.yaml:99"),
    )
    with pytest.raises(PlanError) as info:
        make_plan(dataclasses.replace(heihe, pins=pins), library)
    outside, no_slot = (str(p) for p in info.value.problems[:2])
    assert outside.startswith(
        f"config.yaml:98：渠道 wechat（微信公众号）固定 {item} 的 2016-10-08 20:00 不在活动期 2016-09-01 至 2016-09-30 内"
    )
    assert "没有空闲时段" not in outside and "把固定日期改到活动期内" in outside
    assert no_slot.startswith(f"config.yaml:99：渠道 weibo（微博）在 2016-09-20 03:00 没有空闲时段可固定 {item}")


def test_not_enough_content_says_how_many_are_missing(heihe: Campaign, library: Library) -> None:
    small = Library(tuple(i for i in library.items if i.is_launch or i.area == "brand"))
    with pytest.raises(PlanError) as info:
        make_plan(heihe, small)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "渠道 wechat" in text and "还缺" in text


def test_items_respect_valid_dates_and_channels(heihe: Campaign, library: Library) -> None:
    items = list(library.items)
    limited = next(i for i in items if i.area == "rights" and not i.is_slogan)
    items[items.index(limited)] = dataclasses.replace(limited, valid_from=dt.date(2016, 9, 25))
    plan = make_plan(heihe, Library(tuple(items)))
    assert all(p.at.date() >= dt.date(2016, 9, 25) for p in plan.posts if p.item.id == limited.id)
    assert not any(p.item.is_slogan for p in plan.posts if p.channel == "wechat")


def test_deadline_reminders_are_planned_for_staff(heihe_plan: Plan) -> None:
    keys = {(r.key, r.at.date()) for r in heihe_plan.reminders}
    assert ("county_plans_due", dt.date(2016, 9, 10)) in keys
    assert ("county_plans_due", dt.date(2016, 9, 7)) in keys
    assert ("summary_due", dt.date(2016, 10, 10)) in keys
    assert ("launch", dt.date(2016, 9, 7)) in keys
    assert all(r.at.utcoffset() == dt.timedelta(hours=8) for r in heihe_plan.reminders)
    launch = next(r for r in heihe_plan.reminders if r.key == "launch" and r.at.date() < r.due)
    # dates as written in Chinese (9月8日, not 09月08日); no 全市 (the organizer may be a county's)
    assert launch.message == f"【提醒】“质量月”启动暨集中宣传活动：还有 {(launch.due - launch.at.date()).days} 天（9月8日）。"


def test_default_campaign_plans_too(project: Callable[..., Path]) -> None:
    campaign = load_campaign(project())
    from scheduler.inputs.content import load_library

    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    assert len(plan.posts) == sum(len(s) for s in all_slots(campaign).values())
