"""A fake WeChat Official Account API following the documented contract (see the channel facts).

Errors come back as HTTP 200 with `{"errcode", "errmsg"}`. Tokens from `stable_token` last
`TOKEN_TTL` seconds on the server's clock; the same token is returned while valid; `invalidate_tokens`
plays another system force-refreshing (old tokens answer 40001). Uploaded images and drafts are
checked against the documented limits; `material/del_material` deletes a permanent image (a draft
that names it is then refused with 40007). A submitted publish job reports status 1 (publishing) for
`publish_delay` seconds, then its outcome (0 unless `publish_outcomes` says otherwise). Mass sends
keep the account type's quota (subscription: 1 a day; service: 4 a month) and recognise a repeated
`clientmsgid` within 24 hours (45065, with the original msg_id).

Statistics (`datacube/getbizsummary`, `getarticleread`, `getarticleshare`, `getarticletotaldetail`)
cover the articles that went out (`articles`, keyed by datacube msgid "<msg_data_id>_1"), with
reads that fall by half each day after publication. `end_date` must be before today (61501) and
dates well-formed (61500); a day's figures exist from 08:00 the next day (`ready_after`), before
that the answer is an empty list with `is_delay: true` ("no data yet"); days in `delayed` answer
their figures with `is_delay: true`; `datacube_allowed = False` answers 48001 (api unauthorized).

`deliveries` lists what really went out to readers: (kind, id, label, time); `label` is whatever the
test or simulation set in `current_label` when the call arrived.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .server import Answer, FakeServer, Request

TOKEN_TTL = 7200
OLD_TOKEN_GRACE = 300  # a force refresh leaves the previous token valid this long
MB = 1024 * 1024
CST = ZoneInfo("Asia/Shanghai")


def ok(**fields: Any) -> Answer:
    return 200, {"errcode": 0, "errmsg": "ok", **fields}


def err(code: int, message: str) -> Answer:
    return 200, {"errcode": code, "errmsg": f"{message} rid: fake-{secrets.token_hex(4)}"}


DATA_SINCE = dt.date(2014, 12, 1)  # the platform keeps figures from this day on


@dataclass(frozen=True)
class Article:
    title: str
    published: dt.date
    base: int  # reads on the first day


@dataclass
class Job:
    draft: str
    submitted: float
    outcome: int
    label: str


class FakeWeChat(FakeServer):
    def __init__(
        self,
        app_id: str = "wx-fake-app",
        secret: str = "",
        *,
        account_type: str = "subscription",
        clock: Callable[[], float] = time.time,
        publish_delay: float = 90.0,
        title_max: int = 32,
        fault_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(clock, fault_rate, seed)
        self.app_id, self.secret = app_id, secret or secrets.token_hex(16)
        self.account_type = account_type
        self.publish_delay = publish_delay
        self.title_max = title_max
        self.tokens: dict[str, float] = {}  # token -> expires at
        self.current = ""
        self.materials: dict[str, bytes] = {}
        self.image_urls: set[str] = set()
        self.drafts: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, Job] = {}
        self.publish_outcomes: list[int] = []  # final status of the next submitted jobs (default 0)
        self.mass: dict[str, tuple[str, float]] = {}  # clientmsgid -> (msg_id, sent at)
        self.mass_sent: list[float] = []
        self.deliveries: list[tuple[str, str, str, float]] = []
        self._ids = itertools.count(1000)
        self.articles: dict[str, Article] = {}
        self.ready_after = dt.time(8, 0)
        self.delayed: set[dt.date] = set()
        self.datacube_allowed = True

    def busy(self) -> Answer:
        return err(-1, "system error")

    def invalidate_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.current = ""

    # -- routing -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        if request.call in ("stable_token", "token"):
            return self._token(request)
        problem = self._check_token(request.query.get("access_token", ""))
        if problem:
            return problem
        routes: dict[str, Callable[[Request], Answer]] = {
            "add_material": self._add_material,
            "del_material": self._del_material,
            "uploadimg": self._uploadimg,
            "add": self._draft_add,
            "submit": self._submit,
            "get": self._get,
            "sendall": self._sendall,
            **dict.fromkeys(("getbizsummary", "getarticleread", "getarticleshare", "getarticletotaldetail"), self._datacube),
        }
        route = routes.get(request.call)
        return route(request) if route else (404, {"errcode": 404, "errmsg": "not found"})

    def _token(self, request: Request) -> Answer:
        appid, secret = request.param("appid"), request.param("secret")
        if not secret:
            return err(41004, "appsecret missing")
        if appid != self.app_id:
            return err(40013, "invalid appid")
        if secret != self.secret:
            return err(40125, "invalid appsecret")
        now = self.clock()
        force = bool(request.json.get("force_refresh"))
        if force or not self.current or self.tokens.get(self.current, 0) <= now:
            if force and self.current:
                self.tokens[self.current] = min(self.tokens[self.current], now + OLD_TOKEN_GRACE)
            self.current = secrets.token_urlsafe(24)
            self.tokens[self.current] = now + TOKEN_TTL
        return 200, {"access_token": self.current, "expires_in": int(self.tokens[self.current] - now)}

    def _check_token(self, token: str) -> Answer | None:
        if not token:
            return err(41001, "access_token missing")
        if token not in self.tokens:
            return err(40001, "invalid credential, access_token is invalid or not latest")
        if self.tokens[token] <= self.clock():
            return err(42001, "access_token expired")
        return None

    # -- images and drafts ---------------------------------------------------------------------

    def _image(self, request: Request, kinds: tuple[bytes, ...], limit: int) -> tuple[bytes, Answer | None]:
        if "media" not in request.files:
            return b"", err(41005, "media data missing")
        content = request.files["media"][1]
        if not content.startswith(kinds):
            return content, err(40005, "invalid file type")
        if len(content) > limit:
            return content, err(40009, "invalid image size")
        return content, None

    def _add_material(self, request: Request) -> Answer:
        if request.query.get("type") != "image":
            return err(40004, "invalid media type")
        content, problem = self._image(request, (b"\x89PNG", b"\xff\xd8", b"GIF8", b"BM"), 10 * MB)
        if problem:
            return problem
        media_id = f"fake-media-{next(self._ids)}"
        self.materials[media_id] = content
        return ok(media_id=media_id, url=f"http://mmbiz.qpic.cn/fake/{media_id}/0")

    def _del_material(self, request: Request) -> Answer:
        """A permanent material deleted from the library (by staff in the web console, or this API)."""
        if self.materials.pop(request.param("media_id"), None) is None:
            return err(40007, "invalid media_id")
        return ok()

    def _uploadimg(self, request: Request) -> Answer:
        _content, problem = self._image(request, (b"\x89PNG", b"\xff\xd8"), MB - 1)
        if problem:
            return problem
        url = f"http://mmbiz.qpic.cn/fake/img-{next(self._ids)}/0"
        self.image_urls.add(url)
        return ok(url=url)

    def _draft_add(self, request: Request) -> Answer:
        articles = request.json.get("articles") or []
        if not articles:
            return err(44003, "empty news data")
        for a in articles:
            problem = self._article_problem(a)
            if problem:
                return problem
        media_id = f"fake-draft-{next(self._ids)}"
        self.drafts[media_id] = {"articles": articles, "at": self.clock()}
        return ok(media_id=media_id)

    def _article_problem(self, a: dict[str, Any]) -> Answer | None:
        content = str(a.get("content", ""))
        checks = (
            (len(str(a.get("title", ""))) > self.title_max, 45003, "title size out of limit"),
            (len(str(a.get("author", ""))) > 16, 45110, "author size out of limit"),
            (len(str(a.get("digest", ""))) > 128, 45004, "description size out of limit"),
            (len(content) >= 20000 or len(content.encode()) >= MB, 45002, "content size out of limit"),
            (a.get("thumb_media_id") not in self.materials, 40007, "invalid media_id"),
        )
        return next((err(code, message) for failed, code, message in checks if failed), None)

    # -- publishing ----------------------------------------------------------------------------

    def _deliver(self, kind: str, ident: str) -> None:
        at = self.clock()
        self.deliveries.append((kind, ident, self.current_label, at))
        if self.on_delivery is not None:
            self.on_delivery(self.current_label, at)

    def _submit(self, request: Request) -> Answer:
        media_id = request.param("media_id")
        if media_id not in self.drafts:
            return err(40007, "invalid media_id")
        publish_id = str(next(self._ids) * 1000)
        outcome = self.publish_outcomes.pop(0) if self.publish_outcomes else 0
        self.jobs[publish_id] = Job(media_id, self.clock(), outcome, self.current_label)
        if outcome in (0, 5, 6):  # these reached readers (5 and 6 were taken down afterwards)
            self._deliver("publish", publish_id)
            self._add_article(int(publish_id) + 1, self._title(media_id))
        return ok(publish_id=publish_id, msg_data_id=int(publish_id) + 1)

    def _get(self, request: Request) -> Answer:
        job = self.jobs.get(request.param("publish_id"))
        if job is None:
            return err(40007, "invalid publish_id")
        publish_id = request.param("publish_id")
        if self.clock() < job.submitted + self.publish_delay:
            return ok(publish_id=publish_id, publish_status=1)
        if job.outcome != 0:
            return ok(publish_id=publish_id, publish_status=job.outcome, fail_idx=[1])
        article_id = f"fake-article-{publish_id}"
        item = {"idx": 1, "article_url": f"https://mp.weixin.qq.com/s/fake-{publish_id}"}
        return ok(publish_id=publish_id, publish_status=0, article_id=article_id, article_detail={"count": 1, "item": [item]})

    def _sendall(self, request: Request) -> Answer:
        now = self.clock()
        client_id = str(request.json.get("clientmsgid", ""))
        if len(client_id.encode()) > 64:
            return err(40003, "clientmsgid too long")
        earlier = self.mass.get(client_id)
        if client_id and earlier and now - earlier[1] < 86400:
            answer = err(45065, "clientmsgid exist")
            answer[1]["msg_id"] = int(earlier[0])
            return answer
        media_id = str((request.json.get("mpnews") or {}).get("media_id", ""))
        if media_id not in self.drafts:
            return err(40007, "invalid media_id")
        if self._quota_used(now):
            return err(45028, "has no masssend quota")
        msg_id = str(next(self._ids) * 1000)
        self.mass[client_id] = (msg_id, now)
        self.mass_sent.append(now)
        self._deliver("mass", msg_id)
        self._add_article(int(msg_id) + 1, self._title(media_id))
        return ok(msg_id=int(msg_id), msg_data_id=int(msg_id) + 1)

    def _quota_used(self, now: float) -> bool:
        """Subscription accounts: one mass send a day; service accounts: four a month."""
        today = dt.datetime.fromtimestamp(now, CST)
        if self.account_type == "subscription":
            return any(dt.datetime.fromtimestamp(t, CST).date() == today.date() for t in self.mass_sent)
        month = [t for t in self.mass_sent if dt.datetime.fromtimestamp(t, CST).strftime("%Y%m") == today.strftime("%Y%m")]
        return len(month) >= 4

    # -- statistics (datacube) -----------------------------------------------------------------

    def _title(self, media_id: str) -> str:
        return str(self.drafts[media_id]["articles"][0].get("title", ""))

    def _add_article(self, msg_data_id: int, title: str) -> str:
        msgid = f"{msg_data_id}_1"
        published = dt.datetime.fromtimestamp(self.clock(), CST).date()
        self.articles[msgid] = Article(title, published, 200 + (msg_data_id // 1000) * 7919 % 800)
        return msgid

    def add_article(self, title: str) -> str:
        """An article that went out now by other means (the simulation's outbox); its msg_data_id."""
        with self.lock:
            return self._add_article(next(self._ids) * 1000 + 1, title).removesuffix("_1")

    def reads(self, msgid: str, day: dt.date) -> int:
        article = self.articles[msgid]
        age = (day - article.published).days
        return article.base >> age if 0 <= age < 8 else 0

    def _datacube(self, request: Request) -> Answer:
        if not self.datacube_allowed:
            return err(48001, "api unauthorized")
        try:
            begin = dt.date.fromisoformat(str(request.json.get("begin_date", "")))
            end = dt.date.fromisoformat(str(request.json.get("end_date", "")))
        except ValueError:
            return err(61500, "date format error")
        now = dt.datetime.fromtimestamp(self.clock(), CST)
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
