"""Posts whose slot had passed when the report was made but that never went out: still 待审核, 已审核 or
待发布 (no daemon was running, or nobody reviewed them in time). They are not failed or missed in the
queue yet, but nothing went out in their slot, so the report counts them and never says nothing went wrong."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence

from ..publishing import states as st
from .post_rows import PostRow

LABEL = "时间已过仍未发出"


def brief(overdue: Sequence[PostRow]) -> str:
    """For part 一, after the totals: 发布队列中排期时间已过仍未发出的有 N 条，见第五部分。"""
    return f"发布队列中排期时间已过仍未发出的有 {len(overdue)} 条，见第五部分。" if overdue else ""


def sentence(overdue: Sequence[PostRow], day_label: Callable[[dt.date], str], order: Sequence[str] = ()) -> str:
    """For part 五: how many, on which channels (in config.yaml's `order`, as part 一 lists them) and days, in
    which state, and what to check."""
    rank = {channel: n for n, channel in enumerate(order)}
    by_channel = Counter(p.channel_name for p in sorted(overdue, key=lambda p: rank.get(p.channel, len(rank))))
    channels = "，".join(f"{name} {n} 条" for name, n in by_channel.items())
    states = Counter(st.label(p.state) for p in overdue)
    first, last = overdue[0].at.date(), overdue[-1].at.date()
    span = day_label(first) + (f"至{day_label(last)}" if last != first else "")
    return (
        f"{LABEL} {len(overdue)} 条（{channels}）：排期时间在{span}，到本报告生成时仍为"
        + "、".join(f"{label} {n} 条" for label, n in states.items())
        + "，没有发出，也没有发布记录。请核实原因（如发布服务没有运行、内容没有及时审核），需要时补发。"
    )
