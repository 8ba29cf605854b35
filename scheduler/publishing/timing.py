"""What to do with a post whose job fired: pure decisions that take `now`.

APScheduler would drop a job that fires later than its misfire_grace_time with only a log line.
Post jobs are therefore added with no grace limit, so a late job always runs, and this module
decides: publish (late, but before its deadline), or mark the post missed and tell someone. The
deadline is its channel kind's (`Kind.deadline`): the channel's grace minutes after the post was due,
or, for a screen, the end of the wall's on-hours that day. A post that was already tried keeps
retrying (with capped backoff, the last try at its deadline: `retry_at`) rather than being marked missed;
its job fired past the deadline (its channel paused, or the daemon stopped, meanwhile) it is not sent
either: it fails as when its retries ran out (`EXPIRED`), its notice saying to check the platform first
when the earlier attempt may have sent it. A WeChat mass send is also never repeated under the same
clientmsgid once WeChat would no longer recognise the repeat, whatever its deadline (`wechat.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

BACKOFF_FIRST = 30.0  # seconds; doubles each attempt
BACKOFF_MAX = 5 * 60.0  # capped, so a flaky platform is tried again often enough before the deadline
PAUSE_RECHECK = 15.0  # a paused post's job looks again this often, so resume takes effect at once
EARLY_TOLERANCE = 0.5  # a job may fire a hair early; closer than this counts as on time
LATE_RETRY = 60.0  # a retry scheduled at the deadline (`retry_at`) that fires this little late still runs


class Action(Enum):
    PUBLISH = "publish"
    WAIT = "wait"  # fired too early: fire again at `at`
    PAUSED = "paused"  # channel paused: look again at `at`
    MISSED = "missed"  # past its deadline, never tried
    EXPIRED = "expired"  # past its deadline, tried before: failed, as when its retries ran out


@dataclass(frozen=True)
class Decision:
    action: Action
    at: float | None = None


def decide(*, fire_at: float, attempts: int, deadline: float, paused: bool, now: float) -> Decision:
    if now + EARLY_TOLERANCE < fire_at:
        return Decision(Action.WAIT, fire_at)
    if attempts == 0 and now > deadline:
        return Decision(Action.MISSED)
    if attempts > 0 and now > deadline + LATE_RETRY:
        return Decision(Action.EXPIRED)
    if paused:
        return Decision(Action.PAUSED, now + PAUSE_RECHECK)
    return Decision(Action.PUBLISH)


def backoff(attempts: int) -> float:
    """Delay before retry number `attempts` (1-based) after a transient error."""
    return float(min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def retry_at(attempts: int, *, now: float, deadline: float) -> float | None:
    """When to try again after transient error number `attempts`: capped backoff, the last try at the
    deadline; None once it has passed (then the post fails and a person is told)."""
    if now + EARLY_TOLERANCE >= deadline:
        return None
    return min(now + backoff(attempts), deadline)


POLL_FIRST = 60.0  # seconds before an accepted post is asked about again, at first
POLL_MAX = 30 * 60.0  # the longest wait between two questions about one post


def poll_delay(waited: float) -> float:
    """How long to wait before asking the platform again about an accepted post that has waited
    `waited` seconds: a quarter of that, at least a minute, at most half an hour."""
    return min(max(POLL_FIRST, waited / 4), POLL_MAX)


POLL_LIMIT = 24 * 3600.0  # an accepted post still unconfirmed after a day goes to a person
