"""The fake WeChat account's server: its credentials and access tokens, and which part answers which call.

Tokens from `stable_token` last `TOKEN_TTL` seconds on the server's clock; the same token is returned
while valid; `invalidate_tokens` plays another system force-refreshing (old tokens answer 40001).
Every other call needs a valid token, then goes to the part that holds what it touches: the
`library` (images, drafts), `sending` (publishing, mass sends) or the `statistics`.

`deliveries` lists what really went out to readers: (kind, id, label, time); `label` is whatever the
test or simulation set in `current_label` when the call arrived.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable

from ..server import Answer, FakeServer, Request
from . import statistics
from .answers import Route, err
from .library import Library
from .sending import Sending
from .statistics import Statistics

TOKEN_TTL = 7200
OLD_TOKEN_GRACE = 300  # a force refresh leaves the previous token valid this long


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
        self.tokens: dict[str, float] = {}  # token -> expires at
        self.current = ""
        self.deliveries: list[tuple[str, str, str, float]] = []
        self._ids = itertools.count(1000)  # one counter: media, draft, publish and message ids never meet
        self.library = Library(self._ids, self._now, title_max)
        self.statistics = Statistics()
        self.sending = Sending(
            self.library,
            self.statistics,
            ids=self._ids,
            now=self._now,
            deliver=self._deliver,
            account_type=account_type,
            publish_delay=publish_delay,
            label=lambda: self.current_label,
        )
        self._routes: dict[str, Route] = {
            **self.library.routes(),
            **self.sending.routes(),
            **dict.fromkeys(statistics.CALLS, self._datacube),
        }

    def _now(self) -> float:
        return self.clock()

    def _datacube(self, request: Request) -> Answer:
        return self.statistics.answer(request, self.clock())

    def busy(self) -> Answer:
        return err(-1, "system error")

    def invalidate_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.current = ""

    def add_article(self, title: str) -> str:
        """An article that went out now by other means (the simulation's outbox); its msg_data_id."""
        with self.lock:
            return self.statistics.add(next(self._ids) * 1000 + 1, title, self.clock()).removesuffix("_1")

    def handle(self, request: Request) -> Answer:
        if request.call in ("stable_token", "token"):
            return self._token(request)
        problem = self._check_token(request.query.get("access_token", ""))
        if problem:
            return problem
        route = self._routes.get(request.call)
        return route(request) if route else (404, {"errcode": 404, "errmsg": "not found"})

    def _deliver(self, kind: str, ident: str) -> None:
        at = self.clock()
        self.deliveries.append((kind, ident, self.current_label, at))
        if self.on_delivery is not None:
            self.on_delivery(self.current_label, at)

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
