"""The status page: whether the daemon runs, pauses, notices waiting to be sent, the queue's counts, next jobs,
recent failures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..publishing import states as st
from ..support.moments import moment
from ..views import notices_waiting
from ..views.daemon_status import Status, daemon_text, other_daemons, overdue_note, upcoming
from .posts import state_label


@dataclass(frozen=True)
class Pause:
    channel: str  # "*" for every channel
    what: str
    who: str
    since: str
    reason: str


@dataclass(frozen=True)
class StatusPage:
    alive: bool
    daemon: str
    others: tuple[str, ...]  # standby daemons (PostgreSQL)
    heartbeat_age: int | None  # seconds since the last heartbeat, while it runs
    pauses: tuple[Pause, ...]
    counts: tuple[tuple[str, str, int], ...]  # state, label, count
    next_jobs: tuple[tuple[str, str, bool], ...]  # when, what, overdue (its time passed while the daemon is stopped)
    failures: tuple[tuple[str, str, str, str], ...]  # post id, state label, reason, when
    channels: tuple[tuple[str, str], ...]  # what a pause may name: (channel, label)
    notices: tuple[str, ...] = ()  # notices waiting to be sent, a sentence for each topic
    notices_waiting: int = 0  # how many
    notices_given_up: tuple[str, ...] = ()  # those the daemon gave up, a sentence for each topic
    notices_advice: tuple[str, ...] = ()  # what to do about them
    leased: bool = False  # not beating, yet holding the lease (PostgreSQL): stuck, or its clock runs behind
    overdue_note: str = ""  # why a job whose time passed did not run


def status_view(status: Status, tz: dt.tzinfo, channels: list[tuple[str, str]], names: dict[str, str], year: int) -> StatusPage:
    """`names`: what people call the jobs (`job_names`); `year`: the campaign's (other years are shown)."""

    def local(t: float) -> str:
        return moment(t, tz, year)

    d = status.daemon
    found = status.notices
    return StatusPage(
        alive=status.alive,
        daemon=daemon_text(status, tz),
        others=tuple(other_daemons(status, tz)),
        heartbeat_age=int(status.now - d.heartbeat) if d is not None and status.alive else None,
        pauses=tuple(
            Pause(ch, "全部渠道" if ch == "*" else dict(channels).get(ch, ch), who, local(at), reason)
            for ch, (reason, who, at) in sorted(status.pauses.items())
        ),
        counts=tuple((s, state_label(s), status.counts[s]) for s in st.STATES if status.counts.get(s)),
        next_jobs=tuple(upcoming(status, tz, names, year)),
        failures=tuple((pid, state_label(state), why, local(at)) for pid, state, why, at in status.failures),
        channels=tuple(channels),
        notices=tuple(notices_waiting.line(g, tz) for g in found if g.given_up is None),
        notices_waiting=sum(g.count for g in found if g.given_up is None),
        notices_given_up=tuple(notices_waiting.line(g, tz) for g in found if g.given_up is not None),
        notices_advice=tuple(notices_waiting.advice(found, status.alive or status.leased)),
        leased=status.leased,
        overdue_note=overdue_note(status),
    )
