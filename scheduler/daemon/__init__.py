"""The daemon: publishes each approved post at its time, once, and says so when it cannot.

One module per part, each with one owner:

    lifecycle.py       `Daemon`: start or wait as a standby, beat, stop; runs the jobs' methods
    sweep.py           queue and job store in agreement: the start-up reconcile, the heartbeat's sweep
    publishing.py      the publish and poll jobs: claim, send, retry, recover, record the outcome
    as_approved.py     before a claim (and when the channel reading them refuses): the post's pictures are still
                       those of its approved version, else back to review
    early_warnings.py  token and quota warnings, deadline reminders, the reviewers' morning list
    notices_due.py     the notices any process's fill recorded for staff, sent at each sweep
    recurring.py       the recurring jobs (refresh, backup, work ahead, statistics, reminders)
    routine.py         what the refresh, work-ahead, statistics and backup jobs do
    context.py         what the parts share (campaign, queue, clock, job store, notifications)
    channel_set.py     the channels it publishes to, kept in step with config.yaml while it runs

The job store holds references to `scheduler.jobs:…` only (see `jobs.py`), never to these modules,
so how the daemon is split up does not matter to jobs stored by an earlier release.
"""

from .channel_set import ChannelSource
from .context import WHO, AheadHook, BackupHook, Source, StatsHook
from .lifecycle import STANDBY_POLL, Daemon

__all__ = ["STANDBY_POLL", "WHO", "AheadHook", "BackupHook", "ChannelSource", "Daemon", "Source", "StatsHook"]
