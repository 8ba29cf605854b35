"""Pure decisions for a fired post job: publish, wait, paused, or missed."""

from __future__ import annotations

from scheduler.due import BACKOFF_MAX, MAX_ATTEMPTS, Action, backoff, decide, gives_up

GRACE = 7200.0


def test_on_time_and_late_inside_grace_publish() -> None:
    assert decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=False, now=1000).action is Action.PUBLISH
    assert decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=False, now=1000 + GRACE).action is Action.PUBLISH


def test_past_grace_is_missed_unless_already_tried() -> None:
    assert decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=False, now=1001 + GRACE).action is Action.MISSED
    retry = decide(due=1000, fire_at=1000 + GRACE, attempts=3, grace=GRACE, paused=False, now=1001 + GRACE)
    assert retry.action is Action.PUBLISH  # a retry in progress is bounded by attempts, not by grace


def test_early_jobs_wait_and_paused_channels_look_again_soon() -> None:
    early = decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=False, now=990)
    assert (early.action, early.at) == (Action.WAIT, 1000)
    paused = decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=True, now=1000)
    assert paused.action is Action.PAUSED and paused.at is not None and 1000 < paused.at <= 1030
    assert decide(due=1000, fire_at=1000, attempts=0, grace=GRACE, paused=True, now=1001 + GRACE).action is Action.MISSED


def test_backoff_doubles_and_is_bounded() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == BACKOFF_MAX
    assert not gives_up(MAX_ATTEMPTS - 1) and gives_up(MAX_ATTEMPTS)
