"""The review console's pages: server time of the calendar and a day for the 2016 example's month, and idle memory.

On a copy of the 2016 example (its queue filled as of the campaign's first morning, one account), signs
in and measures each page twice: in process (the whole application, routing, session, CSRF, page and
template, called through Starlette's test client without a socket: the server time) and over HTTP on
loopback against the real `qm web` process (what a browser on the same machine waits for):
  first     the first request of each page after start (the library, plan and check results are made then)
  warm      median and 90th percentile of `--repeat` further requests (what a reviewer waits for)
  baseline  the same for the login page, a page of the same application that reads nothing: the ratio
            page / baseline says what the page itself costs beyond the HTTP stack
  RSS       resident memory of `qm web` (Linux /proc) when idle after start, and idle after serving the pages;
            side by side, a baseline process: the same interpreter importing the console's modules, then sleeping
Over loopback, a keep-alive request used to wait about 40 ms more (a delayed ACK between the response's
headers and body): the server now turns Nagle's algorithm off, see benchmarks/README.md.

    .venv/bin/python -m benchmarks.console              # 30 requests per page
    .venv/bin/python -m benchmarks.console --repeat 10  # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from benchmarks.daemon import rss_mb

ROOT = Path(__file__).resolve().parent.parent
BEFORE = dt.datetime.fromisoformat("2016-09-01T06:00:00+08:00")
PASSWORD = "benchmark-password-1"
PAGES = {"月历 /month/2016-09": "/month/2016-09", "某一天 /day/2016-09-08": "/day/2016-09-08"}
BASELINE_IMPORTS = (
    "import time, scheduler.cli.main, scheduler.web.app, scheduler.web.pages, scheduler.pages.site, uvicorn; "
    "print('ready', flush=True); time.sleep(3600)"
)


def make_project(folder: Path) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, folder / name)
    text = (ROOT / "examples/heihe-2016/config.yaml").read_text(encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(text.replace("../../content", "content").replace("../../templates", "templates"), encoding="utf-8")
    return config


def fill_queue(config: Path) -> None:
    """The queue as the console finds it on the campaign's first morning (every post of the month in it)."""
    from scheduler.inputs.config import load_campaign
    from scheduler.inputs.content import load_library
    from scheduler.planning.planner import make_plan
    from scheduler.publishing.db import open_db
    from scheduler.publishing.queue import Queue
    from scheduler.publishing.queue_sync import fill
    from scheduler.rendering.payloads import Renderer

    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    engine = open_db(campaign.db_url)
    fill(Queue(engine), campaign, plan, Renderer(campaign), BEFORE.timestamp())
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(client: httpx.Client | TestClient, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return elapsed


def sign_in(client: httpx.Client | TestClient) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    answer = client.post("/login", data={"name": "基准", "password": PASSWORD, "csrf": token.group(1), "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"login failed: HTTP {answer.status_code}")


def measure(client: httpx.Client | TestClient, repeat: int) -> list[tuple[str, float, float, float]]:
    """(page, first, median, 90th percentile) for the pages and the baseline, signed in."""
    sign_in(client)
    rows = []
    for label, path in {**PAGES, "基线：登录页 /login": "/login"}.items():
        first = timed(client, path)
        warm = sorted(timed(client, path) for _ in range(repeat))
        rows.append((label, first, statistics.median(warm), warm[max(0, int(len(warm) * 0.9) - 1)]))
    return rows


def in_process(config: Path, repeat: int) -> list[tuple[str, float, float, float]]:
    from scheduler.inputs.config import load_campaign
    from scheduler.publishing.db import open_db
    from scheduler.web.app import Console, create_app

    campaign = load_campaign(config)
    engine = open_db(campaign.db_url)
    with TestClient(create_app(Console(campaign, engine)), follow_redirects=False) as client:
        rows = measure(client, repeat)
    engine.dispose()
    return rows


def report(title: str, rows: list[tuple[str, float, float, float]]) -> None:
    base = rows[-1][2]
    print(title)
    print(f"  {'页面':<24}{'首次':>10}{'中位数':>12}{'90%':>12}{'与基线之比':>10}")
    for label, first, median, p90 in rows:
        print(f"  {label:<24}{ms(first):>10}{ms(median):>12}{ms(p90):>12}{median / base:>10.1f}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    qm = [sys.executable, "-m", "scheduler"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = make_project(folder)
        fill_queue(config)
        subprocess.run([*qm, "user", "add", "基准", "--role", "admin", "-c", str(config)], input=PASSWORD + "\n", text=True, check=True)
        port = free_port()
        log = (folder / "web.log").open("w")
        web = subprocess.Popen([*qm, "web", "-c", str(config), "--port", str(port)], cwd=folder, stdout=log, stderr=log)
        baseline = subprocess.Popen([sys.executable, "-c", BASELINE_IMPORTS], stdout=subprocess.PIPE, text=True)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False)
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise SystemExit("qm web did not start: " + (folder / "web.log").read_text()) from None
                    time.sleep(0.2)
            assert baseline.stdout is not None and baseline.stdout.readline().strip() == "ready"
            time.sleep(2)
            idle_start, base_rss = rss_mb(web.pid), rss_mb(baseline.pid)
            client.follow_redirects = False
            loopback = measure(client, args.repeat)
            time.sleep(5)
            idle_after = rss_mb(web.pid)
        finally:
            web.terminate()
            baseline.terminate()
            web.wait(10)
            baseline.wait(10)
            log.close()
        server = in_process(config, args.repeat)
    report("服务器处理时间（进程内，整个应用，不经过网络）", server)
    report("经本机回环网络请求 qm web", loopback)
    print(
        f"qm web 常驻内存：启动后空闲 {idle_start:.1f} MB，显示过页面后空闲 {idle_after:.1f} MB；对照进程 {base_rss:.1f} MB（比值 {idle_after / base_rss:.2f}）"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
