"""The units' plans and summaries in the work summary (only when `units:` is configured): per kind,
how many units, who sent on time, who late (by how many days), who not at all, whose files could not
be taken and why (in plain words: the document goes to the province; the operator's hints stay in
`qm units`) and who is not due yet, as `qm units` counts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from ..units.kinds import FOLDERS, LABELS
from ..units.submissions import LATE, MISSING, NOT_DUE, ON_TIME, TOO_LONG, UnitStatus

NAMED_ON_TIME = 3  # units that sent on time are named when this few (the late and the missing always are)


def sentences(statuses: Sequence[UnitStatus], day_label: Callable[[dt.date], str]) -> list[str]:
    out = []
    for kind in FOLDERS:
        mine = [s for s in statuses if s.kind == kind]
        if not mine:
            continue
        refused = [s for s in mine if s.state in (MISSING, NOT_DUE) and s.plain_note]  # sent something, none of it taken
        by = {state: [s for s in mine if s.state == state and s not in refused] for state in (ON_TIME, LATE, MISSING, NOT_DUE)}
        on_time = by[ON_TIME]
        named = "（" + "、".join(s.unit.name for s in on_time) + "）" if len(on_time) <= NAMED_ON_TIME else ""
        parts = [f"按时报送 {len(on_time)} 个{named}"] if on_time else []
        if by[LATE]:
            parts.append(f"迟交 {len(by[LATE])} 个（" + "、".join(f"{s.unit.name}迟 {s.late_days} 天" for s in by[LATE]) + "）")
        if len(by[MISSING]) == len(mine):
            parts.append("均未报送")
        elif by[MISSING]:
            parts.append(f"未报送 {len(by[MISSING])} 个（" + "、".join(s.unit.name for s in by[MISSING]) + "）")
        if refused:
            why = "；".join(f"{s.unit.name}：{s.plain_note}" + ("，未到截止日期" if s.state == NOT_DUE else "") for s in refused)
            parts.append(f"报送的文件未能收录 {len(refused)} 个（{why}）")
        if by[NOT_DUE]:
            parts.append(f"{len(by[NOT_DUE])} 个尚未报送（未到截止日期）")
        long = [s.unit.name for s in (*on_time, *by[LATE]) if s.too_long]  # counted, passed on as they are
        told = f"其中{'、'.join(long)}报送的{TOO_LONG}。" if long else ""
        out.append(f"{LABELS[kind]}（{day_label(mine[0].due)}截止）：共 {len(mine)} 个单位，" + "，".join(parts) + "。" + told)
    return out


def records(statuses: Sequence[UnitStatus], tz: dt.tzinfo) -> list[dict[str, Any]]:
    """One record per unit and kind, for the json and the xlsx sheet."""
    return [
        {
            "unit": s.unit.name,
            "kind": s.kind,
            "kind_label": LABELS[s.kind],
            "due": s.due.isoformat(),
            "state": s.state,
            "status": s.plain_label,  # for readers outside the office: `qm units` gives the operator's reasons
            "late_days": s.late_days,
            "first_arrived": f"{dt.datetime.fromtimestamp(s.first.arrived, tz):%Y-%m-%d %H:%M}" if s.first else "",
        }
        for s in statuses
    ]
