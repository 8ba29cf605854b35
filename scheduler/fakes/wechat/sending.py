"""How the fake account's drafts reach readers: publishing (`freepublish/submit`, `freepublish/get`)
and mass sending (`message/mass/sendall`).

A submitted publish job reports status 1 (publishing) for `publish_delay` seconds, then its outcome
(0 unless `publish_outcomes` says otherwise). Mass sends keep the account type's quota
(subscription: 1 a day; service: 4 a month) and recognise a repeated `clientmsgid` within 24 hours
(45065, with the original msg_id). What reached readers is handed to `deliver` and becomes an
article of the statistics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..server import Answer, Request
from .answers import CST, Route, err, ok
from .library import Library
from .statistics import Statistics

REACHED_READERS = (0, 5, 6)  # final publish statuses of a job whose article went out (5 and 6 were taken down afterwards)


@dataclass
class Job:
    draft: str
    submitted: float
    outcome: int
    label: str


class Sending:
    def __init__(
        self,
        library: Library,
        statistics: Statistics,
        *,
        ids: Iterator[int],
        now: Callable[[], float],
        deliver: Callable[[str, str], None],
        account_type: str,
        publish_delay: float,
        label: Callable[[], str],
    ) -> None:
        self._library, self._statistics = library, statistics
        self._ids, self._now, self._deliver, self._label = ids, now, deliver, label
        self.account_type = account_type
        self.publish_delay = publish_delay
        self.jobs: dict[str, Job] = {}  # publish_id -> job
        self.publish_outcomes: list[int] = []  # final status of the next submitted jobs (default 0)
        self.mass: dict[str, tuple[str, float]] = {}  # clientmsgid -> (msg_id, sent at)
        self.mass_sent: list[float] = []

    def routes(self) -> dict[str, Route]:
        return {"submit": self._submit, "get": self._get, "sendall": self._sendall}

    def _went_out(self, kind: str, ident: str, media_id: str) -> None:
        self._deliver(kind, ident)
        self._statistics.add(int(ident) + 1, self._library.title(media_id), self._now())

    def _submit(self, request: Request) -> Answer:
        media_id = request.param("media_id")
        if media_id not in self._library.drafts:
            return err(40007, "invalid media_id")
        publish_id = str(next(self._ids) * 1000)
        outcome = self.publish_outcomes.pop(0) if self.publish_outcomes else 0
        self.jobs[publish_id] = Job(media_id, self._now(), outcome, self._label())
        if outcome in REACHED_READERS:
            self._went_out("publish", publish_id, media_id)
        return ok(publish_id=publish_id, msg_data_id=int(publish_id) + 1)

    def _get(self, request: Request) -> Answer:
        publish_id = request.param("publish_id")
        job = self.jobs.get(publish_id)
        if job is None:
            return err(40007, "invalid publish_id")
        if self._now() < job.submitted + self.publish_delay:
            return ok(publish_id=publish_id, publish_status=1)
        if job.outcome != 0:
            return ok(publish_id=publish_id, publish_status=job.outcome, fail_idx=[1])
        article_id = f"fake-article-{publish_id}"
        item = {"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/fake-{publish_id}"}
        return ok(publish_id=publish_id, publish_status=0, article_id=article_id, article_detail={"count": 1, "item": [item]})

    def _sendall(self, request: Request) -> Answer:
        now = self._now()
        client_id = str(request.json.get("clientmsgid", ""))
        if len(client_id.encode()) > 64:
            return err(40003, "clientmsgid too long")
        earlier = self.mass.get(client_id)
        if client_id and earlier and now - earlier[1] < 86400:
            answer = err(45065, "clientmsgid exist")
            answer[1]["msg_id"] = int(earlier[0])
            return answer
        media_id = str((request.json.get("mpnews") or {}).get("media_id", ""))
        if media_id not in self._library.drafts:
            return err(40007, "invalid media_id")
        if self._quota_used(now):
            return err(45028, "has no masssend quota")
        msg_id = str(next(self._ids) * 1000)
        self.mass[client_id] = (msg_id, now)
        self.mass_sent.append(now)
        self._went_out("mass", msg_id, media_id)
        return ok(msg_id=int(msg_id), msg_data_id=int(msg_id) + 1)

    def _quota_used(self, now: float) -> bool:
        """Subscription accounts: one mass send a day; service accounts: four a month."""
        today = dt.datetime.fromtimestamp(now, CST)
        if self.account_type == "subscription":
            return any(dt.datetime.fromtimestamp(t, CST).date() == today.date() for t in self.mass_sent)
        month = [t for t in self.mass_sent if dt.datetime.fromtimestamp(t, CST).strftime("%Y%m") == today.strftime("%Y%m")]
        return len(month) >= 4
