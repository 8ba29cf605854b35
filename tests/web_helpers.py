"""The review console on loopback for tests: the real application on uvicorn, a real SQLite queue, real accounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from scheduler.inputs.campaign import Campaign, ReviewConfig, Stage
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.rendering.payloads import Renderer
from scheduler.web.accounts import Accounts
from scheduler.web.app import Console, create_app
from scheduler.web.server import Server
from tests.conftest import ROOT

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
def console_server(campaign: Campaign, plan: Plan | None = None, now: dt.datetime = BEFORE, host: str = "127.0.0.1") -> Iterator[Running]:
    """The console over `campaign` (its queue filled from `plan` as of `now`), serving on <host>:<free port>."""
    engine = open_db(campaign.db_url)
    if plan is not None:
        fill(Queue(engine), campaign, plan, Renderer(campaign), now.timestamp())
    console = Console(campaign, engine)
    server = Server(create_app(console), host, 0)  # as `qm web` starts it
    server.start()
    try:
        yield Running(console, server)
    finally:
        server.shutdown()
        engine.dispose()


@contextmanager
def one_stage_example(config: Path, tmp_path: Path, *roles: tuple[str, str]) -> Iterator[tuple[Running, Plan]]:
    """The console over the example campaign at `config` (one review stage, state in `tmp_path`), its queue filled
    and its clock at BEFORE, with accounts (name, role) for `roles`; and the plan it was filled from."""
    campaign = local(load_campaign(config), tmp_path, review=ReviewConfig())
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    with console_server(campaign, plan) as running:
        running.console.clock = BEFORE.timestamp
        for name, role in roles:
            running.add_user(name, role)
        yield running, plan


@contextmanager
def signed_in_editor(campaign: Campaign, plan: Plan | None = None) -> Iterator[tuple[Running, httpx.Client]]:
    """The console over `campaign`, and an HTTP client signed in as its editor 王编辑. With a `plan`, its
    queue holds the plan's posts and its clock stands at BEFORE, as the queue was filled."""
    with console_server(campaign, plan) as running, httpx.Client(base_url=running.url) as client:
        if plan is not None:
            running.console.clock = BEFORE.timestamp
        running.add_user("王编辑", "editor")
        http_login(client, "王编辑")
        yield running, client


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def http_login(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the login form like a browser: GET the form, POST it with its token."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"})


def login(page: Any, base_url: str, name: str, password: str = PASSWORD, *, ok: bool = True) -> None:
    """Sign in with Playwright through the login form; with `ok`, fail unless it worked."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if ok:
        assert "/login" not in page.url, page.inner_text("main")


def _zone() -> ZoneInfo:
    """Asia/Shanghai, unless it is just after midnight there (the slots must lie earlier today)."""
    for name in ("Asia/Shanghai", "UTC"):
        zone = ZoneInfo(name)
        now = dt.datetime.now(zone)
        if now.hour >= 1 and now.hour < 23:
            return zone
    raise AssertionError("unreachable: Shanghai and UTC are 8 hours apart")


def today_config(folder: Path, slots: int, public_url: str = "http://127.0.0.1:9") -> Path:
    """A one-day campaign for today: Weibo to the outbox at `slots` minutes from 40 minutes ago, two review stages."""
    zone = _zone()
    now = dt.datetime.now(zone)
    today = now.date()
    times = [f"{(now - dt.timedelta(minutes=40 - i)):%H:%M}" for i in range(slots)]
    config = f"""
campaign:
  name: 测试“质量月”活动
  organizer: 市市场监督管理局
  theme: 提升质量水平，建设质量强市
  start: {today}
  end: {today}
  timezone: {zone.key}
  hotline: "12315"
key_dates:
  launch: {today}
  launch_time: "09:00"
  county_plans_due: {today}
  summary_due: {today + dt.timedelta(days=10)}
channels:
  weibo:
    publisher: outbox
    mode: api
    link: https://www.example.gov.cn/zlyue
    times: {json.dumps(times)}
    grace_minutes: 120
review:
  stages:
    - {{name: 初审, role: editor}}
    - {{name: 终审, role: reviewer}}
web:
  public_url: {public_url}
paths:
  content: {ROOT / "content"}
  templates: {ROOT / "templates"}
  posters: posters
  state: state
"""
    path = folder / "config.yaml"
    path.write_text(config, encoding="utf-8")
    return path


# The console's own scripts (the font test in <head>, the forms' draft keeper): files of the console, not content.
OWN_SCRIPTS = ('<script src="/static/cjk-font.js"></script>', '<script src="/static/form-drafts.js" defer></script>')


def scripts_from_elsewhere(html: str) -> bool:
    """Whether a page holds a <script> other than the console's own (content written as a script, unescaped)."""
    for own in OWN_SCRIPTS:
        html = html.replace(own, "")
    return "<script" in html.lower()
