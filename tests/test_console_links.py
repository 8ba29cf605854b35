"""Notices link to the console page of the day or the post; review from the command line follows the stages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.channels.base import PermanentError
from scheduler.inputs.campaign import Campaign, Notifier, WebConfig
from scheduler.inputs.config import load_campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.review_notices import TOLD_LATER
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer
from scheduler.support import http_client
from scheduler.support.notify import Notifications
from tests.conftest import run_qm, unused_port
from tests.daemon_helpers import Harness, local_campaign, one_day, robot_server
from tests.test_daemon import EARLY, WEIBO, WEIBO_AT, Recorder, sent
from tests.web_helpers import console_server, csrf_of, http_login, local, today_config

REAL_CLOCK = True  # its daemons run on the real time: no rehearsal clock (conftest)

URL = "http://192.168.1.20:8080"


@pytest.fixture
def linked(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> Iterator[Harness]:
    campaign = dataclasses.replace(local_campaign(heihe, tmp_path), web=WebConfig(public_url=URL))
    h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), EARLY, Recorder())
    yield h
    h.close()


def test_failure_and_review_notices_carry_the_console_address(linked: Harness) -> None:
    h = linked
    h.start()
    h.step_at(dt.datetime(2016, 9, 2, 6, 0, tzinfo=WEIBO_AT.tzinfo))  # the morning refresh reminds reviewers
    waiting = [n for n in sent(h) if n.kind == "approval"]
    assert waiting and f"{URL}/day/2016-09-02" in waiting[-1].markdown()
    h.approve_all()
    h.channels["weibo"].fail_with = [PermanentError("内容违规（20021）", "weibo")]  # type: ignore[attr-defined]
    h.step_at(WEIBO_AT + dt.timedelta(minutes=1))
    failed = [n for n in sent(h) if n.title == f"【发布失败】{WEIBO}"]
    assert failed and f"在控制台处理：[{URL}/post/{WEIBO}]({URL}/post/{WEIBO})" in failed[0].lines
    assert "渠道：微博（weibo）" in failed[0].lines, failed[0].lines  # what staff call it, then its name in config.yaml


def test_without_a_public_address_notices_have_no_link(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    campaign = local_campaign(heihe, tmp_path)
    h = Harness(campaign, one_day(heihe_plan), Renderer(campaign), EARLY, Recorder())
    try:
        h.start()
        h.approve_all()
        h.channels["weibo"].fail_with = [PermanentError("内容违规（20021）", "weibo")]  # type: ignore[attr-defined]
        h.step_at(WEIBO_AT + dt.timedelta(minutes=1))
        assert sent(h) and not any("控制台" in n.markdown() for n in sent(h))
    finally:
        h.close()


def test_a_rejection_in_the_console_is_told_by_the_daemon_with_its_reason_and_link(
    heihe: Campaign, heihe_plan: Plan, tmp_path: Path
) -> None:
    """The console needs no robot address: the rejection records its notice, the page says no daemon runs to
    send it yet, and the next daemon to start sends it (once: not again after a restart)."""
    robots = (Notifier("审核群", "wecom", "QM_TEST_ROBOT"),)
    campaign = dataclasses.replace(local(heihe, tmp_path), web=WebConfig(public_url=URL), notifiers=robots)
    with console_server(campaign, heihe_plan) as r, http_client.client(base_url=r.url) as c:
        r.add_user("李科长", "reviewer")
        http_login(c, "李科长")
        post = r.queue.find([st.PLANNED])[0].id
        token = csrf_of(c.get(f"/post/{post}").text)
        done = c.post(f"/post/{post}/reject", data={"csrf": token, "reason": "配图与主题不符"}, follow_redirects=True)
        assert done.history[0].status_code == 303 and f"已退回。{TOLD_LATER}" in done.text
    with robot_server() as (robot, received):
        h = Harness(campaign, heihe_plan, Renderer(campaign), EARLY, Notifications(robots, env={"QM_TEST_ROBOT": robot}))
        h.start()
        h.crash()
        h.start()
        h.step_at(EARLY + dt.timedelta(minutes=5))
        h.close()
    (message,) = [m["body"]["markdown"]["content"] for m in received if "【退回】" in str(m["body"])]
    assert f"【退回】{post}" in message and "原因：配图与主题不符" in message and "初审，李科长（web）" in message
    assert f"{URL}/post/{post}" in message


def test_a_post_the_daemon_is_publishing_cannot_be_approved_or_rejected_from_the_page(
    heihe: Campaign, heihe_plan: Plan, tmp_path: Path
) -> None:
    with console_server(local(heihe, tmp_path), heihe_plan) as r, http_client.client(base_url=r.url) as c:
        r.add_user("李科长", "reviewer")
        http_login(c, "李科长")
        post = r.queue.find([st.PLANNED])[0].id
        token = csrf_of(c.get(f"/post/{post}").text)
        with r.console.engine.begin() as conn:  # the daemon claims it meanwhile
            conn.execute(posts.update().where(posts.c.id == post).values(state=st.PUBLISHING))
        for action, data in (("reject", {"reason": "改一下"}), ("approve", {})):
            answer = c.post(f"/post/{post}/{action}", data={"csrf": token, **data}, follow_redirects=True)
            assert answer.history[0].status_code == 303 and answer.url.path == f"/post/{post}"  # refused: back to its page
            assert answer.status_code == 200 and "发布中" in answer.text
        assert r.queue.get(post).state == st.PUBLISHING  # type: ignore[union-attr]
        with r.console.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(posts).where(posts.c.state == st.PUBLISHING)).scalar() == 1


def test_qm_approve_follows_the_stages(tmp_path: Path) -> None:
    config = today_config(tmp_path, 3)
    queue = run_qm("queue", "--json", "-c", config)
    assert queue.returncode == 0, queue.stderr
    first, second, third = (p["id"] for p in json.loads(queue.stdout))
    passed = run_qm("approve", first, "--by", "王编辑", "-c", config)
    assert passed.returncode == 0 and "初审通过 1 条（等待下一阶段）" in passed.stdout
    same = run_qm("approve", first, "--by", "王编辑", "-c", config)
    assert same.returncode == 2 and "同一人不能再通过终审" in same.stderr
    repeat = run_qm("approve", first, "--stage", "初审", "--by", "王编辑", "-c", config)  # the same stage again: nothing done
    assert repeat.returncode == 0 and "1 条此前已通过" in repeat.stdout and "初审通过" not in repeat.stdout, repeat.stderr
    early = run_qm("approve", second, "--stage", "终审", "--by", "李科长", "-c", config)
    assert early.returncode == 2 and "还没有通过初审" in early.stderr
    unknown = run_qm("approve", second, "--stage", "复审", "--by", "李科长", "-c", config)
    assert unknown.returncode == 2 and "没有名为 复审 的审核阶段（配置的阶段：初审、终审）" in unknown.stderr
    done = run_qm("approve", first, "--stage", "终审", "--by", "李科长", "-c", config)
    assert done.returncode == 0 and "已审核通过 1 条" in done.stdout
    both = run_qm("approve", first, second, "--by", "王编辑", "-c", config)  # the first is approved; the second passes 初审
    assert both.returncode == 0 and "初审通过 1 条" in both.stdout and "1 条此前已通过" in both.stdout
    again = run_qm("approve", "--date", listed_day(config), "--by", "王编辑", "-c", config)
    assert again.returncode == 2 and "初审通过 1 条" in again.stdout  # the third; the second is refused, the rest carried on
    assert f"王编辑 已经通过了 {second} 的初审" in again.stderr
    rejected = run_qm("reject", second, "--reason", "错别字", "--by", "李科长", "-c", config)
    assert rejected.returncode == 0 and "（终审）：错别字" in rejected.stdout
    listed = json.loads(run_qm("queue", "--json", "-c", config).stdout)
    states = {p["id"]: (p["state"], p["approved_by"], p["last_error"]) for p in listed}
    assert states[first] == (st.APPROVED, "王编辑、李科长", "")
    assert states[third][0] == st.PLANNED
    assert states[second] == (st.REJECTED, "", "终审退回：错别字（李科长）")


def listed_day(config: Path) -> str:
    return str(load_campaign(config).start)


def test_review_stages_in_the_config_are_checked(project: Callable[..., Path]) -> None:
    stages = "\nreview:\n  stages:\n    - {name: 初审, role: boss}\n    - {name: 终审, role: editor}\n    - {name: 终审, role: admin}\n"
    result = run_qm("check", "-c", project(lambda text: text + stages))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "review.stages[0].role 的值 'boss' 不可用" in result.stderr and "审核阶段 终审 重复" in result.stderr
    url = run_qm("check", "-c", project(lambda text: text + "\nweb:\n  public_url: 192.168.1.20\n"))
    assert url.returncode == 2 and "web.public_url 不是网址" in url.stderr


def test_qm_web_starts_serves_and_stops_cleanly(tmp_path: Path) -> None:
    config = today_config(tmp_path, 1)
    port = unused_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "web", "-c", str(config), "--port", str(port), "--public-url", "http://192.168.1.20:8080/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert web.stdout is not None
        first = web.stdout.readline()
        assert first.startswith(f"审核台已启动：http://127.0.0.1:{port}/"), first + (web.stderr.read() if web.poll() is not None else "")
        assert web.stdout.readline().strip() == "通知中的链接：http://192.168.1.20:8080/"
        with http_client.client(base_url=f"http://127.0.0.1:{port}") as c:
            assert c.get("/login").status_code == 200
            assert c.get("/").status_code == 303
            assert c.get("/static/console.css").status_code == 200
        taken = run_qm("web", "-c", config, "--port", port)
        assert taken.returncode == 2 and f"端口 {port} 已被占用（换一个端口，如 --port {int(port) + 1}" in taken.stderr
    finally:
        web.send_signal(signal.SIGTERM)
        out, err = web.communicate(timeout=30)
    assert web.returncode == 0 and "审核台已停止。" in out and "Traceback" not in err
    bad = run_qm("web", "-c", config, "--public-url", "192.168.1.20")
    assert bad.returncode == 2 and "--public-url 192.168.1.20 不是网址" in bad.stderr


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("999.1.1.1", "--host 999.1.1.1 不是有效的地址"),  # not an address at all (the system says "Name or service not known")
        ("192.0.2.1", "--host 192.0.2.1 不是这台电脑的地址"),  # an address, of some other machine ("Cannot assign requested address")
    ],
)
def test_a_host_the_console_cannot_listen_on_is_explained_in_chinese(tmp_path: Path, host: str, words: str) -> None:
    result = run_qm("web", "-c", today_config(tmp_path, 1), "--host", host)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert words in result.stderr and "127.0.0.1 只有本机能访问，0.0.0.0 办公室局域网里的电脑都能访问" in result.stderr, result.stderr
    assert not any(english in result.stderr for english in ("Name or service", "Cannot assign", "Errno"))
