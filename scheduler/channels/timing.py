"""What a kind tells the planner and the daemon about time, whatever the kind: a post that must move to
a later slot, work to be done ahead of a time each day, and how late a post may still go out
(`Kind.postponements`, `Kind.preparation`, `Kind.deadline`).
Apart from the registry so that `qm plan` does not build these classes unless a kind uses them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Postponed:
    """A post its channel cannot take at its time (a quota is used up), and the next slot that can."""

    post_id: str
    at: dt.datetime
    next_free: dt.datetime | None  # the next slot time with room; None: none is left in the campaign
    message: str  # why, for staff: 订阅号每天只能群发 1 次……

    def moving(self, tz: dt.tzinfo) -> str:
        """What becomes of it when its time comes, for staff after its message: where it moves, or that it does not go out."""
        if self.next_free is None:
            return f"{NO_LATER_SLOT}，到时不发出，{NOT_SENT}"
        return f"到时将顺延到 {self.next_free.astimezone(tz):%Y-%m-%d %H:%M}"


NO_LATER_SLOT = "活动期内已没有可以顺延的时段"  # a post that must move, with no slot of its channel left to move to
NOT_SENT = "记为失败并通知"  # what the daemon does with a post that has no later slot (`Postponed.next_free` None)
# what staff may do instead with such a post, when it is to go out all the same (`.format(id=post id)`)
BY_HAND = "要发出的，可在平台上手工发出（公众号后台发表不占群发次数），发出后用 qm confirm {id} --url 链接 补记"


@dataclass(frozen=True)
class Preparation:
    """Work a channel needs done ahead each day (posters drawn, a screen's playlist built) before a time."""

    key: str  # names the daily job (`ahead:<key>`): unique among the campaign's channels
    before: dt.time  # the work is done shortly before this time (a screen switching on)
    label: str  # the job's name, for people


@dataclass(frozen=True)
class Deadline:
    """The last moment a post may still go out late (a daemon started late, a platform that kept failing);
    after it, a post never tried is missed, and one still failing has failed."""

    at: dt.datetime
    limit: str  # the limit, for staff: 补发时限（120 分钟）; messages say 已超过…, …内重试 3 次仍失败
