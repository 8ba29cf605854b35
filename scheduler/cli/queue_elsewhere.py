"""`qm queue --state 状态` that lists nothing: where the posts of that range are instead, by state, and for
已审核 that the daemon moves approved posts on to 待发布 (they are not lost: they wait for their time)."""

from __future__ import annotations

from collections import Counter

from ..publishing import states as st
from ..publishing.queue import Queue


def elsewhere(queue: Queue, state: str, start: float | None, end: float | None, options: str = "") -> str:
    """What the range holds in other states, and the command that shows the likeliest ones; "" when it is empty.
    `options`: the command's own (" --date 日 --db 文件"), repeated in the one suggested."""
    counts = Counter(p.state for p in queue.find([], start, end))
    if not counts:
        return ""
    held = "，".join(f"{st.label(s)} {counts[s]} 条" for s in st.STATES if s in counts)
    said = f"没有{st.label(state)}的内容；{'这一天' if start is not None else '队列中'}有：{held}。"
    if state == st.APPROVED and counts[st.SCHEDULED]:
        return (
            f"{said}审核通过的内容由后台服务排入“待发布”，等到时间发出：已审核的 {counts[st.SCHEDULED]} 条已排入待发布，"
            f"查看：qm queue{options} --state 待发布\n"
        )
    if state == st.SCHEDULED and counts[st.APPROVED]:
        return f"{said}已审核的 {counts[st.APPROVED]} 条在后台服务运行时排入待发布，查看：qm queue{options} --state 已审核\n"
    return f"{said}查看全部：qm queue{options}\n"
