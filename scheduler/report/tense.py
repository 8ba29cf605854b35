"""Where the report's day stands in the campaign window, and the words that follow from it: a report
made before the campaign begins tells what will be done and that nothing has gone out yet, one made
during it tells what has gone out so far, one made after it (or on a simulation, which played the whole
campaign) tells what was done. A part with nothing to show says so in one plain sentence."""

from __future__ import annotations

import datetime as dt

from ..inputs.campaign import Campaign

BEFORE, DURING, AFTER = "before", "during", "after"
NOTHING_YET = {BEFORE: "活动尚未开始，", DURING: "截至本报告生成时，", AFTER: "本期"}  # begins "…还没有…" / "…没有…"


def phase(campaign: Campaign, now: dt.datetime, simulated: bool = False) -> str:
    if simulated or now >= campaign.at(campaign.end + dt.timedelta(days=1), dt.time()):
        return AFTER
    return BEFORE if now < campaign.at(campaign.start, dt.time()) else DURING


def nothing(when: str, what: str) -> str:
    """One sentence for a part with no data: 活动尚未开始，还没有发布数据。 / 本期没有发布数据。"""
    return f"{NOTHING_YET[when]}{'没有' if when == AFTER else '还没有'}{what}。"


def overview(campaign: Campaign, when: str, window: str, organisers: str, published: int, by_channel: str) -> str:
    """The first sentence of part 一: who holds the campaign and when, and what has gone out, in its tense."""
    theme = f"围绕“{campaign.theme}”主题开展{campaign.name}"
    if when == BEFORE:
        head = f"{organisers}将于{window}{theme}。"
    elif when == DURING:
        head = f"{window}，{organisers}{theme}，活动正在进行。"
    else:
        head = f"{window}，{organisers}{theme}。"
    if not published:
        return head + nothing(when, "发布宣传内容")
    so_far = "截至本报告生成时，" if when == DURING else "期间"
    return head + f"{so_far}各渠道共发布宣传内容 {published} 条（{by_channel}）。"
