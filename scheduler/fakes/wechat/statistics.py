"""The fake account's statistics (`datacube/getbizsummary`, `getarticleread`, `getarticleshare`,
`getarticletotaldetail`) over the articles that went out.

Articles are keyed by datacube msgid "<msg_data_id>_1"; their reads fall by half each day after
publication. `end_date` must be before today (61501) and dates well-formed (61500); a day's figures
exist from 08:00 the next day (`ready_after`), before that the answer is an empty list with
`is_delay: true` ("no data yet"); days in `delayed` answer their figures with `is_delay: true`;
`datacube_allowed = False` answers 48001 (api unauthorized).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..server import Answer, Request
from .answers import CST, err, ok

CALLS = ("getbizsummary", "getarticleread", "getarticleshare", "getarticletotaldetail")
DATA_SINCE = dt.date(2014, 12, 1)  # the platform keeps figures from this day on


@dataclass(frozen=True)
class Article:
    title: str
    published: dt.date
    base: int  # reads on the first day


class Statistics:
    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}  # datacube msgid -> article
        self.ready_after = dt.time(8, 0)
        self.delayed: set[dt.date] = set()
        self.datacube_allowed = True

    def add(self, msg_data_id: int, title: str, at: float) -> str:
        """An article that went out at `at`; its datacube msgid."""
        msgid = f"{msg_data_id}_1"
        published = dt.datetime.fromtimestamp(at, CST).date()
        self.articles[msgid] = Article(title, published, 200 + (msg_data_id // 1000) * 7919 % 800)
        return msgid

    def reads(self, msgid: str, day: dt.date) -> int:
        article = self.articles[msgid]
        age = (day - article.published).days
        return article.base >> age if 0 <= age < 8 else 0

    def answer(self, request: Request, at: float) -> Answer:
        """The answer to a datacube call arriving at `at`."""
        if not self.datacube_allowed:
            return err(48001, "api unauthorized")
        try:
            begin = dt.date.fromisoformat(str(request.json.get("begin_date", "")))
            end = dt.date.fromisoformat(str(request.json.get("end_date", "")))
        except ValueError:
            return err(61500, "date format error")
        now = dt.datetime.fromtimestamp(at, CST)
        if begin > end or end >= now.date() or begin < DATA_SINCE:
            return err(61501, "date range error")
        days = [begin + dt.timedelta(days=i) for i in range((end - begin).days + 1)]
        ready = [d for d in days if now >= dt.datetime.combine(d + dt.timedelta(days=1), self.ready_after, tzinfo=CST)]
        if len(ready) < len(days):
            return ok(list=[], is_delay=True)
        rows = [row for d in days for row in self._rows(request.call, d)]
        return ok(list=rows, is_delay=any(d in self.delayed for d in days))

    def _rows(self, call: str, day: dt.date) -> list[dict[str, Any]]:
        reads = {m: self.reads(m, day) for m in self.articles}
        read = {m: n for m, n in reads.items() if n}
        ref = day.isoformat()
        if call == "getbizsummary":
            total = sum(read.values())
            figures = {"read_user": total, "share_user": total // 12, "like_user": total // 30, "zaikan_user": total // 50}
            return [{"ref_date": ref, **figures, "comment_count": total // 100}]
        if call == "getarticleread":
            return [{"ref_date": ref, "msgid": m, "detail": {"read_user": n}} for m, n in read.items()]
        if call == "getarticleshare":
            return [{"ref_date": ref, "msgid": m, "detail": {"share_user": n // 12}} for m, n in read.items()]
        published = [m for m, a in self.articles.items() if a.published == day]
        return [
            {"ref_date": ref, "msgid": m, "publish_type": 0, "detail_list": [{"stat_date": ref, "read_user": reads[m]}]} for m in published
        ]
