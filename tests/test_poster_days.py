"""The 海报 page files a poster under the day it is next used: one used on a day gone by and again today or later is
still to draw (counted, not "没有生成（这天已过去）"), and only the coming days' posters drawn before a change are counted."""

from __future__ import annotations

import datetime as dt

from scheduler.pages.media import PosterCard
from scheduler.pages.poster_days import by_day

TODAY = dt.date(2016, 9, 20)


def _card(item: str, *days: int, drawn: bool = False, stale: bool = False) -> PosterCard:
    used = tuple((f"201609{d:02}-weibo-0930", dt.datetime(2016, 9, d, 9, 30), "weibo") for d in days)
    ids = tuple(i for i, _, _ in used)
    return PosterCard(item, item, "知识卡片", "微博", "", 0, f"{item}.png" if drawn else "", ids, stale, used[0][1].date(), used)


def test_a_poster_used_before_and_again_from_today_is_filed_under_its_next_use() -> None:
    days = by_day([_card("again", 1, 25), _card("gone", 2, 3, stale=True), _card("today", 20, stale=True)], TODAY)
    assert [(d.day.day, [c.item for c in d.cards]) for d in days.coming] == [(20, ["today"]), (25, ["again"])]
    assert [(d.day.day, [c.item for c in d.cards]) for d in days.past] == [(3, ["gone"])]  # its last use
    assert (days.coming_cards, days.to_draw, days.stale) == (2, 2, 1)  # the stale poster of a day gone by is not counted
    again = days.coming[1].cards[0]
    assert again.uses == (("20160901-weibo-0930", "9月1日 09:30", "weibo"), ("20160925-weibo-0930", "09:30", "weibo"))
