"""`qm screen push` is recorded (when, which playlist, whether it went through and why not) and the console's
电子屏 page says it: when each screen's playlist was last pushed to Anthias, a failure and its reason, and a
playlist built since that the wall's server does not have. Real command line, fake Anthias over loopback, real console."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import httpx
import pytest

from scheduler.cli.context import Context
from scheduler.fakes.anthias import FakeAnthias
from scheduler.publishing import review

from .conftest import run_qm
from .test_web_screens import DAY, REHEARSAL, build, console, screen_posts, section, written


@pytest.fixture
def config(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QM_NOW", REHEARSAL)
    small = {"1920x1080": "480x270", "1080x1920": "270x480"}  # quick to draw

    def edit(text: str) -> str:
        text = re.sub(r"size: (1920x1080|1080x1920)", lambda m: f"size: {small[m[1]]}", text)
        return text.replace("      launch_extra: 2\n", "      launch_extra: 2\n      anthias: http://127.0.0.1:9\n", 1)  # center

    return project(edit)


def push(config: Path, url: str) -> str:
    done = run_qm("screen", "push", "center", "--date", DAY.isoformat(), "--url", url, "-c", config, env={**os.environ})
    return done.stderr if done.returncode else ""


def said(client: httpx.Client, screen: str = "center") -> str:
    return unescape(re.sub(r"<[^>]+>", "", section(client.get(f"/screens/{DAY}").text, screen)))


def test_the_page_says_when_each_screen_was_last_pushed_and_why_a_push_failed(config: Path) -> None:
    ctx = Context(config)
    queue = ctx.filled_queue()
    build(config)
    first = written(ctx)["version"]
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (_, client):
        assert "还没有推送过播放列表（生成后运行 qm screen push center）" in said(client)
        assert "推送" not in said(client, "station")  # no Anthias, never pushed to
        with FakeAnthias() as fake:
            assert push(config, fake.url) == ""
        with FakeAnthias(auth=("pi", "raspberry")) as locked:
            assert "需要登录" in push(config, locked.url)
        page = said(client)
        failed = f"最近一次推送到 Anthias（{locked.url}）失败：2027-06-01 09:00，9月3日的播放列表，版本 {first}；原因：Anthias 播放服务器"
        assert failed in page and "需要登录（在环境变量 QM_ANTHIAS_AUTH 中写 用户名:密码）" in page
        assert f"上次成功推送：2027-06-01 09:00，9月3日的播放列表，版本 {first}" in page and "没有这一版" not in page
        assert client.get("/screen/center/.pushes.jsonl").status_code == 404  # the record is not served to players

        review.approve(queue, screen_posts(ctx)[0], "审核员甲", ctx.clock())
        build(config)  # a new version the wall's server has not had
        second = written(ctx)["version"]
        assert second != first
        assert f"Anthias 播放服务器上没有这一版（版本 {second}）：运行 qm screen push center 推送" in said(client)
        with FakeAnthias() as fake:
            assert push(config, fake.url) == ""
        page = said(client)
    assert f"最近一次推送到 Anthias（{fake.url}）：2027-06-01 09:00 成功，9月3日的播放列表，版本 {second}；上传" in page
    assert "失败" not in page and "没有这一版" not in page


@pytest.mark.parametrize("width", [375, 1280])
def test_a_failed_push_reads_on_a_phone_and_a_desk(config: Path, tmp_path: Path, width: int) -> None:
    from scheduler.screens.build import screens_root
    from scheduler.screens.pushes import Push, record
    from tests.browser_helpers import chromium, need_chromium
    from tests.web_helpers import login

    need_chromium()
    ctx = Context(config)
    ctx.filled_queue()
    build(config)
    version, server = written(ctx)["version"], "http://signage-center.example.gov.cn:8080"
    at = ctx.campaign.at(dt.date(2027, 6, 1), dt.time(9, 0)).timestamp()  # a worker's rehearsal clock has run on
    record(
        screens_root(ctx.campaign),
        "center",
        Push(at - 3600, str(DAY), version, server, True, "上传 5 张，已存在 0 张，删除旧画面 0 张"),
    )
    why = f"无法连接 Anthias 播放服务器 {server}：连接超时（检查地址、网络和服务器是否开机）"
    record(screens_root(ctx.campaign), "center", Push(at, str(DAY), version, server, False, why))
    shots = Path(os.environ.get("QM_TEST_SHOTS") or tmp_path)  # set it to keep the pictures and look at them
    with console(config, ctx.campaign.at(DAY, dt.time(9, 0))) as (running, _), chromium(width, 800) as browser:
        page = browser.new_page()
        login(page, running.url, "王编辑")
        page.goto(f"{running.url}/screens/{DAY}")
        note = page.locator("#screen-center p.note.bad", has_text="最近一次推送到 Anthias")
        assert "连接超时" in note.inner_text() and "上次成功推送：2027-06-01 08:00" in note.inner_text()
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"screens-pushed-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the long address wraps
