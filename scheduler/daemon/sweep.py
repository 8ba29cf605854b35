"""Keeping the queue and the job store in agreement: the start-up reconcile and the heartbeat's sweep.

reconcile(now)  at start and on taking over the lease: drop jobs nothing needs any more, then
                catch up over the whole queue
catch_up(now)   sweep, then make sure every recurring job exists (also after the morning refresh
                and once a full disk has room again)
sweep(now)      schedule newly approved posts, re-add lost jobs of posts due soon, mark unreviewed
                ones missed, reconcile posts left in `publishing` by a crash, send early warnings and
                the notices fills recorded (`notices_due`)
"""

from __future__ import annotations

import datetime as dt
import functools

from .. import jobs
from ..publishing import states as st
from ..runtime import job_table
from ..support.logs import event
from .context import WHO, Shared, log
from .early_warnings import EarlyWarnings
from .notices_due import send_due
from .publishing import Publishing
from .recovery import Recovery
from .recurring import Recurring

SWEEP_HORIZON = 3600.0  # a heartbeat's sweep looks for missing publish jobs this far ahead; the start-up sweep looks at all


class Sweep:
    def __init__(self, shared: Shared, publishing: Publishing, recovery: Recovery, warnings: EarlyWarnings, recurring: Recurring) -> None:
        self.shared = shared
        self.publishing = publishing
        self.recovery = recovery
        self.warnings = warnings
        self.recurring = recurring

    def reconcile(self, now: float) -> None:
        """Drop jobs whose posts no longer need them (and recurring jobs this daemon does not run), then
        catch up over every waiting post, however far ahead."""
        queue = self.shared.queue
        wanted = {jobs.publish_id(p.id) for p in queue.find([st.SCHEDULED, st.APPROVED])}
        wanted |= {jobs.poll_id(p.id) for p in queue.find([st.ACCEPTED])}
        for job_id in self.shared.job_ids():
            if job_id.startswith(("post:", "poll:")) and job_id not in wanted:
                why = "这条内容已不再等待发布或平台确认"
            elif self.recurring.stray(job_id):
                why = "本服务没有启用这项定时任务"
            else:
                continue
            self.shared.change_jobs(functools.partial(self.shared.scheduler.remove_job, job_id))
            event(log, "job_removed", job=job_id, why=why)
        self.catch_up(now, horizon=None)

    def catch_up(self, now: float, horizon: float | None = SWEEP_HORIZON) -> None:
        self.sweep(now, horizon)
        self.recurring.ensure(now)

    def sweep(self, now: float, horizon: float | None = SWEEP_HORIZON) -> None:
        """Schedule what was approved, re-add missing jobs of posts due within `horizon` seconds
        (None: all of them), mark what was never reviewed as missed, recover orphaned publishes.
        A heartbeat's sweep reads only posts due soon, so its cost does not grow with the campaign."""
        s = self.shared
        if s.stopping.is_set():
            return
        for post in s.queue.find([st.APPROVED]):
            if s.queue.advance(post.id, st.APPROVED, st.SCHEDULED, WHO, "排入发布计划", now):  # False: withdrawn or edited meanwhile
                s.schedule(jobs.publish_id(post.id), jobs.PUBLISH, post.fire_at, post.id)
        waiting = s.queue.brief([st.SCHEDULED, st.ACCEPTED], end=None if horizon is None else now + horizon)
        wanted = [jobs.publish_id(b.id) if b.state == st.SCHEDULED else jobs.poll_id(b.id) for b in waiting]
        job_ids = s.job_ids(wanted)  # the table first, then the executor: a job moves from one to the other
        job_ids |= job_table.in_hand(s.scheduler, set(wanted) - job_ids)  # not lost: re-added, it would only be skipped
        for brief in waiting:
            if brief.state == st.SCHEDULED and jobs.publish_id(brief.id) not in job_ids:
                s.schedule(jobs.publish_id(brief.id), jobs.PUBLISH, brief.fire_at, brief.id)
            if brief.state == st.ACCEPTED and jobs.poll_id(brief.id) not in job_ids:
                s.schedule(jobs.poll_id(brief.id), jobs.POLL, now, brief.id)
        today = s.campaign.at(dt.datetime.fromtimestamp(now, s.campaign.timezone).date(), dt.time()).timestamp()
        for brief in s.queue.brief([st.PLANNED], end=now):  # a deadline is never before the slot
            if brief.channel not in s.channels and brief.at >= today and s.channel_set.source is not None:
                continue  # a channel config.yaml added (by its own grace, once taken up) or removed (the refresh cancels it)
            if now > s.deadline(brief).at.timestamp() and (unreviewed := s.queue.get(brief.id)) is not None:
                self.publishing.missed(unreviewed, "到发布时间仍未审核", now)
        for post in s.queue.find([st.PUBLISHING]):  # those this process is publishing: `recover` leaves them alone
            self.recovery.recover(post, now)
        self.warnings.warn(now)
        send_due(s, now)  # what fills recorded to tell staff, whoever filled
