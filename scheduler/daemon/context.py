"""What the daemon's parts share: campaign, queue, clock, job store, notifications, the plan.

Each part (sweep, publishing, early warnings, recurring jobs, routine jobs) takes one `Shared`,
built by `lifecycle.Daemon`. Jobs are added here and looked up through `job_table`, the only reader
of APScheduler's table.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.engine import Engine

from ..channels.base import Channel
from ..channels.kinds import kind_of
from ..channels.timing import Deadline
from ..inputs.campaign import Campaign
from ..planning.planner import Plan
from ..planning.slots import Slot
from ..publishing import approvals_lost, review_rules
from ..publishing.approvals_lost import Lost
from ..publishing.queue import Brief, Post, Queue
from ..publishing.queue_sync import Filled, fill
from ..rendering.payloads import Renderer
from ..runtime import disk_full as diskfull
from ..runtime import job_table
from ..runtime.clock import Clock
from ..support.logs import event
from ..support.notify import APPROVAL, Notice, Notifications
from ..support.values import ImageRef
from .channel_set import Change, ChannelSet, ChannelSource, change_lines, net_change

log = logging.getLogger("qm.daemon")

WHO = "后台服务"  # who the audit log names for the daemon's own moves

Source = Callable[[], tuple[Plan, Renderer]]
BackupHook = Callable[[float], Path]  # takes a backup of the database now; the file written
AheadHook = Callable[[dt.datetime], object]  # prepares what is due after the given time (see `routine.work_ahead`)
# why a post's pictures (channel, approved payload, version, images) are not those of its version now, "" when they are
PictureCheck = Callable[[str, Mapping[str, Any], str, Sequence[ImageRef]], str]  # `PosterFiles.unapproved` (`as_approved`)
StatsHook = Callable[[dt.datetime], object]  # collects the statistics due by the given time (see `stats.daily`)


class Shared:
    def __init__(
        self,
        campaign: Campaign,
        engine: Engine,
        channels: dict[str, Channel],
        *,
        clock: Clock,
        scheduler: BaseScheduler,
        source: Source,
        notifications: Notifications | None,
        ahead: AheadHook | None,
        stats: StatsHook | None,
        backups: BackupHook | None,
        pictures: PictureCheck | None = None,
        channel_source: ChannelSource | None = None,
    ) -> None:
        self.campaign = campaign  # its channels are config.yaml's as last read (`take_up_channels`)
        self.queue = Queue(engine)
        self.channel_set = ChannelSet(channels, channel_source)
        self.clock = clock
        self.scheduler = scheduler
        self.source = source
        self.notifications = notifications
        self.ahead = ahead
        self.stats = stats
        self.backups = backups
        self.pictures = pictures
        self.stopping = threading.Event()
        self.began = 0.0  # when this process began publishing (start or takeover): what was due before, no service tried
        self._job_table = threading.Lock()  # held while changing APScheduler's job table, and to stop (`stop_changes`)
        self.disk = diskfull.Alarm(self.notify, campaign.paths.state)
        self._plan: Plan | None = None
        self._filled = Filled()  # the daily refresh renders only posts whose inputs changed since the last one
        self._noted: set[str] = set()  # the plan's notes and the posts auto-approval held, logged already (each once)
        self._untold: Campaign | None = None  # the channels staff last heard of, when a change since is not told yet

    @property
    def channels(self) -> dict[str, Channel]:
        """The channels the daemon runs (`ChannelSet.running`: changed in place when config.yaml's channels change)."""
        return self.channel_set.running

    def now(self) -> float:
        return self.clock.now().timestamp()

    def notify(self, notice: Notice) -> None:
        if self.notifications is not None:
            self.notifications.send(notice)

    def outlive_full_disk(self, during: str, job: Callable[..., None], *args: str) -> None:
        """Run a job; one that hits a full disk is reported and dropped: nothing it wrote is half done (one
        transaction per change), and the sweep puts the post or job back once writes succeed."""
        try:
            job(*args)
        except Exception as exc:
            if not diskfull.is_full(exc):
                raise
            self.disk.full(exc, self.now(), during)

    def record_review_rules(self, now: float, title: str = "【审核规则已改变】后台服务按新的审核规则启动") -> None:
        """Record this config's review rules as those the database is reviewed under (every approval checks
        them); rules other than those recorded are a change staff are told of."""
        mine = review_rules.of(self.campaign)
        with self.queue.engine.begin() as conn:
            before = review_rules.record(conn, mine, now)
        if before is None:
            return
        event(log, "review_rules_changed", logging.WARNING, before=before.description, now=mine.description)
        self.notify(Notice(APPROVAL, title, review_rules.changed_lines(before, mine)))

    def take_up_channels(self, now: float) -> Change | None:
        """Run the channels config.yaml has now (`ChannelSet.take_up`); called from jobs only, which run one at a
        time, or at start before any job, so never while a publish call is in flight. Channels' `auto_approve` are review rules: recorded anew."""
        before = self.campaign
        change = self.channel_set.take_up(before)
        if change is None:
            return None
        self.campaign = change.campaign
        event(
            log,
            "channels_changed",
            logging.WARNING,
            added=",".join(change.added),
            removed=",".join(change.removed),
            changed=",".join(change.changed),
        )
        if review_rules.of(before) != review_rules.of(self.campaign):
            self.record_review_rules(now, "【审核规则已改变】后台服务按 config.yaml 新的渠道设置审核")
        return change

    # -- the plan ----------------------------------------------------------------------------------

    def fill(self, now: float, told: frozenset[str] = frozenset()) -> None:
        """Render the plan into the queue (only posts whose inputs changed since the last fill); `told`: posts whose
        return to review the caller tells staff of itself (`queue_sync.sync`). A change of
        channels taken up is told after the first fill that succeeds from then on: it cancelled the posts of the
        channels removed. Several changes taken up while fills fail (a template mistake) are told as one."""
        plan, renderer = self.source()
        before = self.campaign
        if self.take_up_channels(now) is not None and self._untold is None:
            self._untold = before
        self._plan = plan
        result = fill(self.queue, self.campaign, plan, renderer, now, last=self._filled, told=told)
        if self._untold is not None:
            self._tell_channels(self._untold, result.cancelled, result.lost)
            self._untold = None
        today = dt.datetime.fromtimestamp(now, self.campaign.timezone).date()
        for note in plan.notes:
            if note.day >= today and note.text not in self._noted:
                self._noted.add(note.text)
                event(log, "slot_not_given", note=note.text)
        held = {i: why for i, why in result.held.items() if f"{i}：{why}" not in self._noted}
        if held:
            self._noted.update(f"{i}：{why}" for i, why in held.items())
            lines = "；".join(f"{i}（{why}）" for i, why in sorted(held.items()))
            said = f"{len(held)} 条自动审核渠道的内容 qm check 发现问题，未自动审核，留待人工审核：{lines}"
            event(log, "auto_approve_held", logging.WARNING, count=len(held), note=said)
        if result.added or result.back_to_review or result.cancelled or result.approved_again:
            event(
                log,
                "queue_filled",
                added=len(result.added),
                back_to_review=len(result.back_to_review),
                approved_again=len(result.approved_again),
                cancelled=len(result.cancelled),
            )

    def _tell_channels(self, before: Campaign, cancelled: Sequence[str], record: Lost | None) -> None:
        """Tell staff how the channels differ from those they last heard of (`before`), with the posts the fill
        cancelled of the channels removed, and the approved posts it cancelled of those changed, with the posts it
        put in for them (`record`: told in full by `approvals_lost`); nothing when the changes undid each other."""
        change = net_change(before, self.campaign)
        if change.added or change.removed or change.changed:
            gone = [p for p in map(self.queue.get, cancelled) if p is not None and p.channel in change.removed]
            lost = [p for p in map(self.queue.get, record.cancelled if record else ()) if p is not None and p.channel in change.changed]
            waiting = sum(b.channel in change.changed for b in record.waiting) if record else 0
            auto = [p for p in map(self.queue.get, record.auto if record else ()) if p is not None and p.channel in change.changed]
            said = change_lines(change, before, gone, lost, approvals_lost.put_in(waiting, len(auto)))
            self.notify(Notice(APPROVAL, "【发布渠道已更新】后台服务已按 config.yaml 改用新的渠道设置", said))

    def plan(self) -> Plan:
        if self._plan is None:
            self._plan, _ = self.source()
        return self._plan

    def deadline(self, post: Post | Brief) -> Deadline:
        """Until when the post may still go out late, as its channel's kind says (`Kind.deadline`); a
        channel no longer configured allows no lateness (sending then fails and says why)."""
        config = self.campaign.channel(post.channel)
        tz = self.campaign.timezone
        due = dt.datetime.fromtimestamp(post.due, tz)
        if config is None:
            return Deadline(due, "补发时限（0 分钟）")
        slot = Slot(dt.datetime.fromtimestamp(post.at, tz), post.channel)
        return kind_of(config).deadline(self.campaign, config, slot, due)

    # -- the job store -----------------------------------------------------------------------------

    def schedule(self, job_id: str, func: str, at: float, arg: str) -> None:
        """A one-off job at `at`, replacing one with the same id. No misfire grace: a late job always runs
        and `timing.decide` chooses publish-late or missed (by the post's `deadline`)."""
        when = dt.datetime.fromtimestamp(at, dt.UTC)
        self.change_jobs(
            lambda: self.scheduler.add_job(
                func, "date", run_date=when, args=[arg], id=job_id, replace_existing=True, misfire_grace_time=None, coalesce=True
            )
        )

    def change_jobs(self, change: Callable[[], object]) -> None:
        """Add or remove a job, unless the daemon is stopping (the next start makes the job table agree with
        the queue again). APScheduler's shutdown holds the job table's lock while it waits for running jobs:
        a job that changed the table then would wait for that lock, and the shutdown for it, for ever."""
        with self._job_table:
            if not self.stopping.is_set():
                change()

    def stop_changes(self) -> None:
        """From now on no job changes the job table (`change_jobs`); one changing it now finishes first."""
        with self._job_table:
            self.stopping.set()

    def job_ids(self, among: list[str] | None = None) -> set[str]:
        return job_table.job_ids(self.queue.engine, among)
