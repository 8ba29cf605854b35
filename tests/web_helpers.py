"""The review console on loopback for tests: the real application on uvicorn, a real SQLite queue, real accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from scheduler.accounts import Accounts
from scheduler.campaign import Campaign, ReviewConfig, Stage
from scheduler.db import open_db
from scheduler.planner import Plan
from scheduler.queue import Queue, fill
from scheduler.render import Renderer
from scheduler.web.app import Console, create_app
from scheduler.web.server import Server

PASSWORD = "correct-horse-battery"
TWO_STAGES = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))
BEFORE = dt.datetime.fromisoformat("2016-09-01T06:00:00+08:00")  # the 2016 example seen from its first morning
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Running:
    console: Console
    server: Server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def queue(self) -> Queue:
        return self.console.queue

    def add_user(self, name: str, role: str, password: str = PASSWORD) -> None:
        Accounts(self.console.engine).add(name, role, password, self.console.now())


def local(campaign: Campaign, tmp_path: Path, review: ReviewConfig = TWO_STAGES) -> Campaign:
    paths = dataclasses.replace(campaign.paths, state=tmp_path / "state", posters=tmp_path / "posters")
    return dataclasses.replace(campaign, paths=paths, database_url="", review=review)


@contextmanager
def console_server(campaign: Campaign, plan: Plan | None = None, now: dt.datetime = BEFORE) -> Iterator[Running]:
    """The console over `campaign` (its queue filled from `plan` as of `now`), serving on 127.0.0.1:<free port>."""
    engine = open_db(campaign.db_url)
    if plan is not None:
        fill(Queue(engine), campaign, plan, Renderer(campaign), now.timestamp())
    console = Console(campaign, engine)
    server = Server(create_app(console), "127.0.0.1", 0)
    server.start()
    try:
        yield Running(console, server)
    finally:
        server.shutdown()
        engine.dispose()


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def http_login(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the login form like a browser: GET the form, POST it with its token."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"})


def login(page: Any, base_url: str, name: str, password: str = PASSWORD) -> None:
    """Sign in with Playwright through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
