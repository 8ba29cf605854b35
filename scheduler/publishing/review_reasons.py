"""How long a reason written for 退回, 取消 or 暂停 may be: notices and the history carry it, so it is a
reason, not a document. The console's forms let no more through and check again on the server
(`web.pages.reason_refusal`); the actions themselves (`review.reject`, `cancel`, `pause`) refuse what
`refused` says, whoever calls them."""

from __future__ import annotations

from ..support.errors import InputError

REASON_MAX = 200  # characters: the console's reason fields' maxlength


def overlong(reason: str, act: str) -> str:
    """Why a reason for `act` (退回, 取消, 暂停) is refused for its length, "" when it is not:
    "暂停原因最多 200 字，这次写了 205 字，没有暂停" (the caller says how to write it again)."""
    if len(reason) <= REASON_MAX:
        return ""
    return f"{act}原因最多 {REASON_MAX} 字，这次写了 {len(reason)} 字，没有{act}"


def refused(reason: str, act: str, *, required: bool) -> None:
    """InputError when a reason for `act` may not be recorded: blank (only spaces) where one is `required`
    (退回, 暂停: staff are told why), or too long (`overlong`)."""
    if required and not reason.strip():
        raise InputError(f"{act}时要写明原因（只有空格不算），没有{act}")
    if too_long := overlong(reason, act):
        raise InputError(f"{too_long}：请写简短些再试")
