"""What staff are told once the campaign is over: nothing more will be published, and what to change
for next year's (a config left at last year's dates plans only days that have passed)."""

from __future__ import annotations

import datetime as dt

from ..inputs.campaign import Campaign


def over(campaign: Campaign, today: dt.date) -> str | None:
    """The note, after the campaign's last day; None until then."""
    if today <= campaign.end:
        return None
    return (
        f"活动已于 {campaign.end:%Y-%m-%d} 结束，没有要发布的内容了。"
        "准备新一年的活动：修改配置文件里 campaign 的 start、end 和 launch，再运行 qm check。"
    )
