"""A post's page says when it went out: when qm handed it to the platform (发出时间, what lateness counts)
and when it was published (平台发布时间), late or not by the work summary's one-minute rule. The posts
are published by the daemon through the real WeChat and Weibo channels against the fake servers (real
SQLite), and their page is read over HTTP from the real console."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.tables import posts
from scheduler.support import http_client

from . import test_channels_e2e as e2e
from .channel_helpers import WECHAT_AT, WECHAT_POST, WEIBO_AT, WEIBO_POST
from .test_channels_e2e import NEXT_DAY, World
from .web_helpers import Running, console_server, http_login

world = e2e.world  # the fixture: the daemon with real WeChat and Weibo channels against the fake servers over HTTP

FACT = re.compile(r"<dt>([^<]+)</dt><dd[^>]*>([^<]*)</dd>")


def facts(r: Running, post_id: str) -> dict[str, str]:
    """The post page's facts (排期时间, 发出时间, 平台发布时间, ...) as a signed-in editor reads them; the whole page under ""."""
    with http_client.client(base_url=r.url, follow_redirects=False, timeout=10) as c:
        http_login(c, "王编辑")
        page = c.get(f"/post/{post_id}")
    assert page.status_code == 200, page.text
    return {name: html.unescape(value) for name, value in FACT.findall(page.text)} | {"": page.text}


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_wechat_publish_job_shows_when_it_was_submitted_and_when_qm_saw_it_published(world: World) -> None:
    h = world.harness
    h.start()
    h.approve_all()
    h.run_until(WECHAT_AT + dt.timedelta(seconds=30))  # submitted, not yet polled
    assert h.state(WECHAT_POST) == st.ACCEPTED
    with console_server(h.campaign) as r:
        r.add_user("王编辑", "editor")
        waiting = facts(r, WECHAT_POST)
        assert waiting["排期时间"] == "2016-09-02 20:00"
        assert waiting["发出时间"] == "2016-09-02 20:00:00（按时）"
        assert waiting["平台发布时间"] == "尚未发布（平台已接收，等待平台确认）"
        assert "晚于排期时间 1 分钟以上算迟发" in waiting[""] and "公众号提交发布后平台审核所用的时间不算迟发" in waiting[""]
        h.run_until(NEXT_DAY)
        post = h.queue.get(WECHAT_POST)
        assert post is not None and post.state == st.PUBLISHED and post.published_at is not None
        seen = dt.datetime.fromtimestamp(post.published_at, WECHAT_AT.tzinfo)
        assert seen > WECHAT_AT + dt.timedelta(minutes=1)  # the poll a minute on: the platform's answer carries no time
        done = facts(r, WECHAT_POST)
        assert done["发出时间"] == "2016-09-02 20:00:00（按时）"  # the platform's review is not qm's lateness
        assert done["平台发布时间"] == f"{seen:%Y-%m-%d %H:%M:%S}（qm 查询到已发布的时间：平台没有告知发布的确切时间，实际发布稍早于此）"
        weibo = facts(r, WEIBO_POST)  # Weibo's answer says when it was created: shown as it is
        assert weibo["发出时间"] == weibo["平台发布时间"] + "（按时）" and weibo["平台发布时间"].startswith(f"{WEIBO_AT:%Y-%m-%d %H:%M}")


@pytest.mark.parametrize("world", [("publish", "api")], indirect=True)
def test_a_late_post_says_by_how_much_and_one_confirmed_by_hand_is_not_counted(world: World) -> None:
    h = world.harness
    h.start()
    h.approve_all()
    refused = world.channel_posts("weibo")[-1]  # the platform refused it: it never went out
    h.queue.move(refused, st.SCHEDULED, "后台服务", "排入发布", h.now)
    assert h.queue.claim(refused, "后台服务", h.now) is not None
    h.queue.move(refused, st.FAILED, "后台服务", "微博拒绝发布", h.now, last_error="微博拒绝发布")
    h.run_until(NEXT_DAY)
    slot = WEIBO_AT.timestamp()
    with h.engine.begin() as conn:  # handed over 38 minutes 10 seconds after its slot
        conn.execute(posts.update().where(posts.c.id == WEIBO_POST).values(sent_at=slot + 38 * 60 + 10))
    with console_server(h.campaign) as r:
        r.add_user("王编辑", "editor")
        assert facts(r, WEIBO_POST)["发出时间"] == "2016-09-02 10:38:10（迟发：晚了 38 分钟）"
        failed = facts(r, refused)
        assert (failed["发出时间"], failed["平台发布时间"]) == ("没有记录（qm 没有收到平台接收的应答）", "没有发布记录")
        review.confirm(h.queue, refused, "王科长", "https://weibo.com/1/abc", slot + 3 * 3600)  # a person sent it by hand
        confirmed = facts(r, refused)
    assert confirmed["发出时间"] == "没有记录（人工确认发布，只记下了确认的时间）"
    assert confirmed["平台发布时间"] == "2016-09-02 13:00:00（人工确认发布，记录的是确认的时间）"
