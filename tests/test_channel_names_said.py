"""Every message names a channel the one way (`channels.kinds.label_of`): what staff call it, with its name in
config.yaml where that alone would not tell which (two screens called the same, a screen with no name of its
own). The plan's notes, the review rules and a refused retry say it so too."""

from __future__ import annotations

import dataclasses
import datetime as dt

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import Library
from scheduler.planning.kept import Kept
from scheduler.planning.planner import make_plan
from scheduler.publishing.post_rows import Post
from scheduler.publishing.retry_window import late_advice
from scheduler.publishing.review_rules import auto_channels


def _two_screens(campaign: Campaign, **changes: object) -> Campaign:
    """A second screen called as the first (市中心户外大屏), as config.yaml may name two walls of one square."""
    center = campaign.channel("screen:center")
    assert center is not None
    station = dataclasses.replace(center, name="screen:station", **changes)
    return dataclasses.replace(campaign, channels=(*(dataclasses.replace(c, **changes) for c in campaign.channels), station))


def test_the_plans_note_names_which_of_two_screens_called_the_same(heihe: Campaign, library: Library) -> None:
    campaign = _two_screens(heihe)
    plan = make_plan(campaign, library)
    kept = {p.id: Kept(p.channel, p.item.id) for p in plan.posts}
    sent = next(p for p in plan.posts if p.channel == "screen:station" and p.slot.day == dt.date(2016, 9, 2))
    kept["20160902-screen-station-0630-1"] = Kept("screen:station", sent.item.id, out=True)  # a time since moved
    del kept[sent.id]
    notes = [n.text for n in make_plan(campaign, library, kept).notes]
    assert [n for n in notes if "不再另排" in n] == ["9月2日 市中心户外大屏（screen:station） 已在 06:30 发出，不再另排 07:00"], notes


def test_the_review_rules_name_a_screen_with_no_name_by_its_kind(heihe: Campaign) -> None:
    untitled = _two_screens(heihe, auto_approve=True)
    center = untitled.channel("screen:center")
    assert center is not None
    untitled = untitled.with_channels(dataclasses.replace(center, title=""))
    assert auto_channels(untitled)["screen:center"] == "户外电子屏（screen:center）"
    assert auto_channels(untitled)["screen:station"] == "市中心户外大屏"
    assert auto_channels(untitled)["weibo"] == "微博"


def test_a_refused_retry_names_which_of_two_screens_called_the_same(heihe: Campaign) -> None:
    campaign = _two_screens(heihe)
    at = dt.datetime(2016, 9, 2, 7, tzinfo=campaign.timezone)
    post = Post(
        id="20160902-screen-station-0700-1",
        channel="screen:station",
        at=at.timestamp(),
        due=at.timestamp(),
        next_try=None,
        item="x",
        area="publicity",
        state="missed",
        version="v",
        payload={},
        images=(),
        attempts=0,
        last_error="",
        receipt=None,
        approved_by="",
        approved_version="",
        published_at=None,
        updated=at.timestamp(),
    )
    why, _ = late_advice(campaign, (at + dt.timedelta(hours=15)).timestamp())(post)
    said = "20160902-screen-station-0700-1 不能重发：电子屏“市中心户外大屏（screen:station）”2016-09-02 07:00 的这条内容"
    assert why.startswith(said), why
