"""What staff are told about a pause in force (`qm pause`, the console's 紧急暂停): `qm status` and `qm queue` say
which channels, who paused them, since when, why and how to resume; every console page shows it in a banner."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping

from ..inputs.campaign import Campaign
from ..publishing import states as st

Pauses = Mapping[str, tuple[str, str, float]]  # channel ("*" for all) -> (reason, who, since): `review.paused`


def paused_what(channel: str, label: Callable[[str], str] | None = None) -> str:
    """The channel paused as people are told it: 全部渠道, its Chinese name (`label`), else (no label, or a channel
    config.yaml no longer has) `渠道 <name>`."""
    if channel == st.ALL_CHANNELS:
        return "全部渠道"
    named = label(channel) if label else channel
    return named if named != channel else f"渠道 {channel}"


def local_time(at: float, tz: dt.tzinfo) -> str:
    """A moment as `qm status` writes it: 2027-09-08 09:00:00."""
    return f"{dt.datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M:%S}"


def pause_lines(pauses: Pauses, tz: dt.tzinfo, label: Callable[[str], str] | None = None) -> list[str]:
    """One line a pause, for the terminal (`qm status`, `qm queue`), each channel by its Chinese name (`label`):
    with the command that resumes it."""
    lines = []
    for channel, (reason, who, at) in sorted(pauses.items()):
        how = "qm resume" if channel == st.ALL_CHANNELS else f"qm resume --channel {channel}"
        lines.append(f"已暂停：{paused_what(channel, label)}，{who} 于 {local_time(at, tz)}，原因：{reason}（恢复：{how}）")
    return lines


def held_by_all(pauses: Pauses, tz: dt.tzinfo) -> str:
    """What still holds every channel once one channel's own pause is lifted (or when it had none): the pause of
    all channels, who and when and why; "" when there is none."""
    if st.ALL_CHANNELS not in pauses:
        return ""
    reason, who, at = pauses[st.ALL_CHANNELS]
    return f"全部渠道仍暂停中（{who} 于 {local_time(at, tz)} 暂停，原因：{reason}）"


def banners(pauses: Pauses, campaign: Campaign) -> list[str]:
    """One line a pause, for the console's pages, each channel by its Chinese name: an admin resumes it on 运行状态."""
    from ..channels.kinds import label_of

    label, tz = functools.partial(label_of, campaign), campaign.timezone
    return [
        f"已暂停发布：{paused_what(channel, label)}，原因：{reason}，{who} 于 {local_time(at, tz)}；管理员可在“运行状态”恢复。"
        for channel, (reason, who, at) in sorted(pauses.items())
    ]


def paused_said(pauses: Pauses, label: Callable[[str], str]) -> str:
    """What the console says right after a pause: what is paused now, and until when."""
    what = "、".join(paused_what(channel, label) for channel in sorted(pauses))
    return f"已暂停发布：{what or '无'}。暂停一直有效，直到管理员在本页按“恢复”；暂停期间到点的内容不发出，恢复后在补发时限内补发。"
