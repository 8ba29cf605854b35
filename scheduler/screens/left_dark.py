"""Screens a lifted pause leaves dark while a content file does not load, and what the daemon tells staff.

A pause empties the paused screens' playlists without a plan (`daily.paused_playlists`); filling them again
once it is lifted needs the plan, which a content file that does not load withholds (`work_ahead.held_back`).
Until the file is fixed those screens stay dark, while the others go on with their last playlist: the daemon's
notice of the failure (`daemon.routine`) names them instead of saying that the screens play on.
No drawing or database code: the daemon's side imports it.
"""

from __future__ import annotations

from ..support.errors import ContentError, Problem

PLAYS_ON = "【提前准备】海报或电子屏播放列表更新失败，屏幕继续播放上一份播放列表"


class HeldBack(ContentError):
    """A content file does not load: the work done ahead held back its items (`work_ahead.held_back`). `dark`:
    the screens (as staff call them) left dark by a pause lifted meanwhile, none when there are none."""

    def __init__(self, message: str, problems: list[Problem], dark: tuple[str, ...] = ()) -> None:
        super().__init__(message, problems)
        self.dark = dark


def headline(dark: tuple[str, ...]) -> str:
    """The notice's headline: the screens play on, or which of them stay dark and why."""
    if not dark:
        return PLAYS_ON
    return f"【提前准备】电子屏{'、'.join(dark)}的暂停已解除，但内容库有文件无法读取，排不出新的播放列表：这些屏幕在文件改好之前一直黑屏"


def advice(dark: tuple[str, ...]) -> tuple[str, ...]:
    """What to do, after the problems, when screens stay dark."""
    if not dark:
        return ()
    return ("改好前面指出的文件（qm check 检查通过）：后台服务的下一轮（5 分钟内）重新生成播放列表，这些屏幕恢复放映",)
