"""How long a reason written for 退回, 取消 or 暂停 may be: notices and the history carry it, so it is a
reason, not a document. The console's forms let no more through and check again on the server
(`web.pages.reason_refusal`); the actions themselves (`review.reject`, `cancel`, `pause`) refuse what
`refused` says, whoever calls them.

A reason is one line of visible words: it may hold no control character, nor the invisible ones content may
not hold (`hidden_chars`). A terminal printing it (`qm history`) would obey an escape sequence in it, and a
robot's notice would show a line break as a forged heading. The line breaks and tabs a person types into the
console's reason box are made spaces first (`one_line`): they are how the words were typed, not part of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..support.errors import InputError
from ..support.hidden_chars import described, hidden

REASON_MAX = 200  # characters: the console's reason fields' maxlength
_BREAKS = re.compile(r"[ \t]*[\r\n\t]+[ \t]*")


def one_line(reason: str) -> str:
    """The reason as one line: each line break or tab typed (with the spaces around it) becomes one space."""
    return _BREAKS.sub(" ", reason).strip()


def overlong(reason: str, act: str) -> str:
    """Why a reason for `act` (退回, 取消, 暂停) is refused for its length, "" when it is not:
    "暂停原因最多 200 字，这次写了 205 字，没有暂停" (the caller says how to write it again)."""
    if len(reason) <= REASON_MAX:
        return ""
    return f"{act}原因最多 {REASON_MAX} 字，这次写了 {len(reason)} 字，没有{act}"


def unseen(reason: str, act: str) -> str:
    """Why a reason for `act` is refused for a character a reader does not see, "" when it holds none:
    "退回原因里有看不见的字符 U+001B（控制字符）（在“措辞”之后），没有退回"."""
    found = [i for i, ch in enumerate(reason) if hidden(ch) or ch in "\t\n\r"]
    if not found:
        return ""
    return f"{act}原因里有看不见的字符 {described(reason, found)}，没有{act}"


def rejection_why(stage: str, reason: str, stages: int) -> str:
    """What a rejection's history line says (`review.reject`): "初审退回：原因" with several review stages, the bare
    reason with one (`rejection_said` reads it back)."""
    return f"{stage}退回：{reason}" if stages > 1 else reason


def rejection_said(why: str, stages: Sequence[str]) -> tuple[str, str]:
    """(the stage it was sent back at, "" when not said; the reason) of a rejection's history line, read as
    `rejection_why` wrote it under `stages` (the review stages' names). A stage is read only when there are several
    and it is one of them: with one stage the reason is bare, and one that holds "退回：" itself stays whole."""
    if len(stages) > 1:
        for name in stages:
            if why.startswith(head := f"{name}退回："):
                return name, why[len(head) :]
    return "", why


def refused(reason: str, act: str, *, required: bool) -> None:
    """InputError when a reason for `act` may not be recorded: blank (only spaces) where one is `required`
    (退回, 暂停: staff are told why), too long (`overlong`), or holding a character not seen (`unseen`)."""
    if required and not reason.strip():
        raise InputError(f"{act}时要写明原因（只有空格不算），没有{act}")
    if too_long := overlong(reason, act):
        raise InputError(f"{too_long}：请写简短些再试")
    if hidden_found := unseen(reason, act):
        raise InputError(f"{hidden_found}：请把原因写成一行字（不要换行、制表符或复制来的控制字符）再试")
