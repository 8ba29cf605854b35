"""The daemon's after-the-campaign duties, run hourly: statistics (the sources a campaign has,
asked for what is due), and units' submissions (new files recorded, reminders sent before and after
each deadline, see `units.reminders`).

Each channel's kind says where its figures come from (`Kind.stats_source`): WeChat and Weibo need
the API (`publisher: api`, and for Weibo `mode: api`) and its credentials, since posts that went
out through the outbox or by hand have no platform ids to match; screens are counted from proof of
play whatever the publisher.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping

from sqlalchemy.engine import Engine

from ..channels.kinds import kind_of
from ..inputs.campaign import Campaign
from ..runtime.clock import Clock
from ..support.logs import event
from ..support.notify import Notice, Notifications
from .collect import Collector, RunResult
from .sources import Source

log = logging.getLogger("qm.stats")


def campaign_sources(campaign: Campaign, clock: Clock | None = None, env: Mapping[str, str] | None = None) -> list[Source]:
    env = os.environ if env is None else env
    made = (kind_of(c).stats_source(campaign, c, env, clock) for c in campaign.channels)
    return [source for source in made if source is not None]


class StatsJob:
    """Called by the daemon (hourly from 08:40, and at start); sources are made fresh each run."""

    def __init__(
        self,
        campaign: Campaign,
        engine: Engine,
        notify: Callable[[Notice], object] | None = None,
        sources: Callable[[], list[Source]] | None = None,
        office: Notifications | None = None,
    ) -> None:
        self.campaign = campaign
        self.office = office  # the office's notifications; also carries the HTTP client units' robots use
        self.collector = Collector(campaign, engine, notify)
        self.sources = sources or (lambda: campaign_sources(campaign))

    def __call__(self, now: dt.datetime) -> RunResult:
        made = self.sources()
        try:
            result = self.collector.run(made, now)
        finally:
            for source in made:
                source.close()
        if self.office is not None and self.campaign.units:
            self._units(now, self.office)
        return result

    def _units(self, now: dt.datetime, office: Notifications) -> None:
        from ..units.reminders import send_due
        from ..units.scanning import scan
        from ..units.submissions import recorded, statuses
        from ..units.unrecorded import refused_files

        engine = self.collector.engine
        try:
            for problem in scan(self.campaign, engine, now.timestamp()):
                event(log, "submission_problem", logging.WARNING, where=problem.where, problem=problem.message)
        except Exception:  # the folder out of reach, say: the reminders go out by what was recorded before
            log.exception("submissions_scan_failed")
        today = now.astimezone(self.campaign.timezone).date()
        found = statuses(self.campaign, recorded(self.campaign, engine), today, refused_files(self.campaign))
        for key in send_due(self.campaign, engine, found, now, office):
            event(log, "unit_reminder", key=key)
