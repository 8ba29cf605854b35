"""How long a reason written for 退回, 取消 or 暂停 may be: notices and the history carry it, so it is a
reason, not a document. The console's forms let no more through and check again on the server
(`web.pages.reason_refusal`); `qm pause` refuses the same."""

from __future__ import annotations

REASON_MAX = 200  # characters: the console's reason fields' maxlength


def overlong(reason: str, act: str) -> str:
    """Why a reason for `act` (退回, 取消, 暂停) is refused for its length, "" when it is not:
    "暂停原因最多 200 字，这次写了 205 字，没有暂停" (the caller says how to write it again)."""
    if len(reason) <= REASON_MAX:
        return ""
    return f"{act}原因最多 {REASON_MAX} 字，这次写了 {len(reason)} 字，没有{act}"
