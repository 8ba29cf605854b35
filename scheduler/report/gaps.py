"""Part 五's sentences on the days whose statistics are not complete: which channel (by the name staff
gave it), what is missing (a screen's figures are its player's play records, the others' the
platform's data) and what happens next, so the reader knows whether to wait or act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# state -> what is missing, as a sentence says it after "有 N 天" (a screen's nodata: its own wording)
MISSING = {"delay": "尚未最终确定", "nodata": "平台还没有数据", "error": "没有取到", "denied": "没有权限取得"}
SCREEN_NODATA = "没有播放记录"
# (kind, state) -> what comes next; the daemon asks again on its own unless the account lacks the permission
NEXT = {
    ("screen", "delay"): "播放电脑断网时会事后补报，该日结束后的第二天后台服务再统计一次，之后重新生成本报告即可",
    ("screen", "nodata"): "播放电脑还没有报来这天的播放记录，检查播放电脑是否开机联网",
    ("wechat", "delay"): "微信尚未给出最终数字，后台服务每小时再取一次，确定后重新生成本报告即可",
    ("wechat", "nodata"): "微信还没有这天的数据，后台服务会再取",
    ("weibo", "nodata"): "微博还没有这天的数据，后台服务会再取",
}


def missing(source: str, state: str) -> str:
    """What is wrong with a day's figures: 尚未最终确定, 没有取到…"""
    if state == "nodata" and source.startswith("screen:"):
        return SCREEN_NODATA
    return MISSING.get(state, state)


def subject(source: str) -> str:
    """What the statistics of a source are: a screen's are its play records, the others' the platform's data."""
    return "播放记录" if source.startswith("screen:") else "统计数据"


def sentences(gaps: Sequence[dict[str, Any]]) -> list[str]:
    """One sentence per channel and kind of gap, naming the days (the first five) and what to do."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for g in gaps:
        groups.setdefault((g["source_id"], g["source"], g["state_key"]), []).append(g)
    out = []
    for (source_id, name, state), days in groups.items():
        listed = "、".join(g["day"] for g in days[:5]) + ("等" if len(days) > 5 else "")
        notes = list(dict.fromkeys(g["note"] for g in days if g["note"]))
        why = "；".join([*notes[:2], *filter(None, [NEXT.get((source_id.partition(":")[0], state))])])
        text = f"{name}的{subject(source_id)}有 {len(days)} 天{missing(source_id, state)}（{listed}）"
        out.append(f"{text}：{why}。" if why else f"{text}。")
    return out
