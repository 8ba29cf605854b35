"""A fake Weibo API: `POST /2/statuses/share.json` as documented (see the channel facts).

Form or multipart fields `access_token`, `status`, `rip`, `pic`. Errors are HTTP 400/403 with
`{"request", "error_code", "error"}` (error_code a string, as Weibo often sends it). Tokens expire
at a time on the server's clock (`expire_token`/`revoke_token`); the text must hold a URL on a safe
domain, no `#topic#`, at most 140 characters by Weibo's count; pictures are JPEG/GIF/PNG under 5 MB;
the same text twice within a day is refused as repeated content; `hourly_limit` posts an hour.

`GET /2/statuses/count.json?ids=a,b` (at most 100 ids) answers each known status's reposts,
comments and attitudes, growing over its first days; `count_allowed = False` answers 10014 (the
app lacks the permission), as most apps are.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from ..rendering.text_measures import URL_RE, has_weibo_topic, weibo_length
from .server import Answer, FakeServer, Request

MB = 1024 * 1024


def fail(code: int, error: str, status: int = 400) -> Answer:
    return status, {"request": "/2/statuses/share.json", "error_code": str(code), "error": error}


class FakeWeibo(FakeServer):
    def __init__(
        self,
        token: str = "",
        *,
        safe_domains: tuple[str, ...] = ("www.example.gov.cn",),
        clock: Callable[[], float] = time.time,
        token_expires: float | None = None,
        hourly_limit: int = 30,
        fault_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(clock, fault_rate, seed)
        self.token = token or secrets.token_hex(16)
        self.token_expires = token_expires if token_expires is not None else clock() + 365 * 86400
        self.revoked = False
        self.safe_domains = safe_domains
        self.hourly_limit = hourly_limit
        self.statuses: list[dict[str, Any]] = []
        self.deliveries: list[tuple[str, str, str, float]] = []
        self._ids = itertools.count(4_800_000_000_000_000)
        self.count_allowed = True

    def busy(self) -> Answer:
        return fail(10023, "User requests out of rate limit!", 403)

    def handle(self, request: Request) -> Answer:
        if request.call not in ("share", "count") or (request.call == "count" and not self.count_allowed):
            return fail(10014, "Insufficient app permissions!", 403)
        token = request.param("access_token")
        if token != self.token or self.revoked:
            return fail(21332, "invalid_access_token", 401)
        now = self.clock()
        if now >= self.token_expires:
            return fail(21327, "expired_token", 401)
        if request.call == "count":
            return self._count(request.param("ids"), now)
        problem = self._text_problem(request.form.get("status", ""), request.form.get("rip", ""), now)
        if problem is None and "pic" in request.files:
            problem = self._pic_problem(request.files["pic"][1])
        if problem is not None:
            return problem
        return 200, self._post(request, now)

    def _text_problem(self, text: str, rip: str, now: float) -> Answer | None:
        hosts = [urllib.parse.urlsplit(u).hostname or "" for u in URL_RE.findall(text)]
        recent = [s for s in self.statuses if now - s["_at"] < 3600]
        checks = (
            (not text, 10016, "miss required parameter (status)"),
            (not rip, 10016, "miss required parameter (rip)"),
            (weibo_length(text) > 140, 20012, "Text too long, please input text less than 140 characters!"),
            (not any(h in self.safe_domains for h in hosts), 10017, "text not find domain!"),
            (has_weibo_topic(text), 20021, "content is illegal!"),
            (any(s["text"] == text and now - s["_at"] < 86400 for s in self.statuses), 20019, "repeat content!"),
            (len(recent) >= self.hourly_limit, 10024, "User requests for (statuses/share) out of rate limit!"),
        )
        return next((fail(code, error, 403 if code == 10024 else 400) for failed, code, error in checks if failed), None)

    def _pic_problem(self, content: bytes) -> Answer | None:
        if not content.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8")):
            return fail(20005, "Unsupported image type, only suport JPG, GIF, PNG!")
        if len(content) >= 5 * MB:
            return fail(20006, "Image size too large.")
        return None

    def _post(self, request: Request, now: float) -> dict[str, Any]:
        ident = next(self._ids)
        created = dt.datetime.fromtimestamp(now, dt.timezone(dt.timedelta(hours=8))).strftime("%a %b %d %H:%M:%S +0800 %Y")
        status: dict[str, Any] = {
            "id": ident,
            "idstr": str(ident),
            "created_at": created,
            "text": request.form["status"],
            "user": {"id": 1234567890, "idstr": "1234567890"},
        }
        if "pic" in request.files:
            status["original_pic"] = f"https://wx1.sinaimg.cn/large/fake{ident}.jpg"
        self.statuses.append({**status, "_at": now})
        self.deliveries.append(("status", str(ident), self.current_label, now))
        if self.on_delivery is not None:
            self.on_delivery(self.current_label, now)
        return status

    # -- counts ----------------------------------------------------------------------------------

    def add_status(self, text: str) -> str:
        """A status posted now by other means (the simulation's outbox); its id."""
        with self.lock:
            ident = next(self._ids)
            self.statuses.append({"id": ident, "idstr": str(ident), "text": text, "_at": self.clock()})
            return str(ident)

    def counts(self, status: dict[str, Any], now: float) -> dict[str, Any]:
        days = min(int((now - status["_at"]) // 86400) + 1, 4)
        seed = int(status["id"]) % 97
        return {"id": status["id"], "reposts": seed % 13 * days, "comments": seed % 7 * days, "attitudes": (seed % 29 + 3) * days}

    def _count(self, ids: str, now: float) -> Answer:
        wanted = [i for i in ids.split(",") if i]
        if not wanted or len(wanted) > 100:
            return fail(10008, "param error, see doc for more info", 400)
        known = {s["idstr"]: s for s in self.statuses}
        return 200, [self.counts(known[i], now) for i in wanted if i in known]  # type: ignore[return-value]
