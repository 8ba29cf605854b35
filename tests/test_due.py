"""Pure decisions for a fired post job: publish, wait, paused, or missed."""

from __future__ import annotations

from scheduler.publishing.timing import BACKOFF_MAX, POLL_FIRST, POLL_MAX, Action, backoff, decide, poll_delay, retry_at

GRACE = 7200.0
END = 1000 + GRACE  # a post due at 1000 with two hours' grace


def test_on_time_and_late_inside_grace_publish() -> None:
    assert decide(fire_at=1000, attempts=0, deadline=END, paused=False, now=1000).action is Action.PUBLISH
    assert decide(fire_at=1000, attempts=0, deadline=END, paused=False, now=1000 + GRACE).action is Action.PUBLISH


def test_past_grace_is_missed_unless_already_tried() -> None:
    assert decide(fire_at=1000, attempts=0, deadline=END, paused=False, now=1001 + GRACE).action is Action.MISSED
    retry = decide(fire_at=1000 + GRACE, attempts=3, deadline=END, paused=False, now=1001 + GRACE)
    assert retry.action is Action.PUBLISH  # the last retry, scheduled at the deadline (`retry_at`), fired a moment late


def test_a_retry_fired_well_past_grace_is_not_sent_paused_or_not() -> None:
    """Its channel paused for days, or the daemon stopped: sent now it would go out days late."""
    for paused in (False, True):
        late = decide(fire_at=1030, attempts=1, deadline=END, paused=paused, now=END + 3 * 86400)
        assert late.action is Action.EXPIRED
    assert decide(fire_at=1030, attempts=1, deadline=END, paused=False, now=END + 3600).action is Action.EXPIRED
    assert decide(fire_at=1030, attempts=1, deadline=END, paused=False, now=END - 1).action is Action.PUBLISH


def test_early_jobs_wait_and_paused_channels_look_again_soon() -> None:
    early = decide(fire_at=1000, attempts=0, deadline=END, paused=False, now=990)
    assert (early.action, early.at) == (Action.WAIT, 1000)
    paused = decide(fire_at=1000, attempts=0, deadline=END, paused=True, now=1000)
    assert paused.action is Action.PAUSED and paused.at is not None and 1000 < paused.at <= 1030
    assert decide(fire_at=1000, attempts=0, deadline=END, paused=True, now=1001 + GRACE).action is Action.MISSED


def test_backoff_doubles_and_is_bounded() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == BACKOFF_MAX


def test_retries_go_on_until_the_grace_window_closes_the_last_one_at_its_end() -> None:
    assert retry_at(1, now=1000, deadline=END) == 1030
    assert retry_at(40, now=5000, deadline=END) == 5000 + BACKOFF_MAX  # capped, however many tries
    assert retry_at(40, now=1000 + GRACE - 10, deadline=END) == 1000 + GRACE  # one last try at the end
    assert retry_at(41, now=1000 + GRACE, deadline=END) is None  # the window has closed: fail and tell
    assert retry_at(1, now=1000, deadline=1000) is None


def test_an_accepted_post_is_asked_about_again_after_a_quarter_of_its_wait_within_bounds() -> None:
    assert poll_delay(0) == POLL_FIRST == 60  # just accepted: a minute
    assert poll_delay(600) == 150  # waited ten minutes: ask again in two and a half
    assert poll_delay(4 * 3600) == POLL_MAX == 1800  # waited hours: every half hour, not less often
