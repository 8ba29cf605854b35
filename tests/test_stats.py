"""The statistics job against the fake WeChat / Weibo servers over loopback, and proof of play on disk."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from scheduler.channels.screen.stats import ScreenStats
from scheduler.channels.wechat.stats import WeChatStats
from scheduler.channels.weibo.stats import WeiboStats
from scheduler.fakes.wechat import FakeWeChat
from scheduler.fakes.weibo import FakeWeibo
from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts, stat_days, stat_values
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import FakeClock
from scheduler.stats.collect import Collector
from scheduler.stats.sources import Source
from scheduler.support.notify import Notice
from scheduler.support.values import Receipt

from .channel_helpers import SECRET, WEIBO_TOKEN, local, running, wechat_server, weibo_server, with_api

TZ = dt.timezone(dt.timedelta(hours=8))
DAYS = [dt.date(2016, 9, d) for d in range(1, 6)]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


class World:
    """A campaign whose WeChat and Weibo posts of 1–5 September went out on the fake platforms."""

    def __init__(self, campaign: Campaign, plan: Plan, clock: FakeClock, wechat: FakeWeChat, weibo: FakeWeibo) -> None:
        self.campaign, self.clock, self.wechat, self.weibo = campaign, clock, wechat, weibo
        self.engine = open_db(campaign.db_url)
        self.notices: list[Notice] = []
        days = Plan(tuple(p for p in plan.posts if p.slot.day in DAYS and p.channel in ("wechat", "weibo")), ())
        fill(Queue(self.engine), campaign, days, Renderer(campaign), at(DAYS[0], 0).timestamp())
        self.msgids: dict[str, str] = {}
        for post in sorted(days.posts, key=lambda p: p.at):
            clock.set(post.at)
            if post.channel == "wechat":
                msg_data_id = wechat.add_article(post.item.title)
                self.msgids[post.id] = f"{msg_data_id}_1"
                receipt = Receipt("published", msg_data_id, data={"msg_data_id": msg_data_id})
            else:
                ident = weibo.add_status(post.id)
                receipt = Receipt("published", ident, data={"idstr": ident})
            with self.engine.begin() as conn:
                values = {"state": st.PUBLISHED, "receipt": json.dumps(receipt.to_json()), "published_at": post.at.timestamp()}
                conn.execute(posts.update().where(posts.c.id == post.id).values(**values))

    def sources(self) -> list[Source]:
        assert self.campaign.wechat and self.campaign.weibo
        return [
            WeChatStats(self.campaign.wechat, SECRET, TZ, self.clock),
            WeiboStats(self.campaign.weibo, WEIBO_TOKEN, TZ, self.clock),
        ]

    def run(self, when: dt.datetime) -> dict[str, list[dt.date]]:
        """One run of the job, by a fresh collector (as after a restart)."""
        self.clock.set(when)
        made = self.sources()
        try:
            return Collector(self.campaign, self.engine, self.notices.append).run(made, when).asked
        finally:
            for source in made:
                source.close()

    def values(self, source: str = "wechat") -> list[sa.Row[tuple[str, str, str, float, str]]]:
        with self.engine.connect() as conn:
            query = sa.select(stat_values.c.day, stat_values.c.subject, stat_values.c.metric, stat_values.c.value, stat_values.c.post_id)
            return list(conn.execute(query.where(stat_values.c.source == source).order_by(stat_values.c.day, stat_values.c.subject)))

    def days(self, source: str = "wechat") -> dict[str, tuple[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(stat_days).where(stat_days.c.source == source))
            return {r.day: (r.state, r.note) for r in rows}


@pytest.fixture
def world(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> Iterator[World]:
    clock = FakeClock(at(DAYS[0], 0))
    with running(wechat_server(clock)) as wechat, running(weibo_server(clock, safe_domains=("www.example.gov.cn",))) as weibo:
        campaign = with_api(local(heihe, tmp_path), wechat=wechat.url, weibo=weibo.url)
        made = World(campaign, heihe_plan, clock, wechat, weibo)
        yield made
        made.engine.dispose()


def test_reads_are_matched_to_posts_by_receipt_and_missed_days_are_caught_up(world: World) -> None:
    assert world.run(at(dt.date(2016, 9, 6), 9))["wechat"] == DAYS
    # the daemon is down for three days; the next run asks exactly the three days it missed
    asked = world.run(at(dt.date(2016, 9, 9), 9))
    assert asked["wechat"] == [dt.date(2016, 9, 6), dt.date(2016, 9, 7), dt.date(2016, 9, 8)]
    reads = {(r.day, r.post_id): r.value for r in world.values() if r.metric == "read_user" and r.post_id}
    for post_id, msgid in world.msgids.items():
        for day in [*DAYS, dt.date(2016, 9, 6)]:
            expected = world.wechat.statistics.reads(msgid, day)
            assert reads.get((day.isoformat(), post_id), 0) == expected
    account = {r.day: r.value for r in world.values() if r.subject == "account" and r.metric == "read_user"}
    assert account["2016-09-03"] == sum(world.wechat.statistics.reads(m, dt.date(2016, 9, 3)) for m in world.msgids.values())
    assert all(state == "final" for state, _ in world.days().values())


def test_no_duplicate_rows_after_a_restart_or_a_second_ask(world: World) -> None:
    world.run(at(dt.date(2016, 9, 6), 9))
    first = world.values()
    assert world.run(at(dt.date(2016, 9, 6), 9, 40))["wechat"] == []  # final days are not asked again
    world.wechat.statistics.delayed = {dt.date(2016, 9, 6)}
    world.run(at(dt.date(2016, 9, 7), 9))
    assert world.days()["2016-09-06"][0] == "delay"
    again = world.run(at(dt.date(2016, 9, 7), 10))  # asked again while not final; rows replaced, not added
    assert again["wechat"] == [dt.date(2016, 9, 6)]
    world.wechat.statistics.delayed = set()
    world.run(at(dt.date(2016, 9, 7), 11))
    assert world.days()["2016-09-06"][0] == "final"
    rows = world.values()
    keys = [(r.day, r.subject, r.metric) for r in rows]
    assert len(keys) == len(set(keys))
    assert [r for r in rows if r.day <= "2016-09-05"] == first


def test_no_data_yet_is_asked_again_later(world: World) -> None:
    world.wechat.statistics.ready_after = dt.time(10, 0)  # the platform is late computing the day
    world.run(at(dt.date(2016, 9, 2), 9))
    assert world.days()["2016-09-01"][0] == "nodata"
    assert "尚未算出" in world.days()["2016-09-01"][1]
    assert world.values() == []
    assert world.run(at(dt.date(2016, 9, 2), 10, 40))["wechat"] == [dt.date(2016, 9, 1)]
    assert world.days()["2016-09-01"][0] == "final"
    assert world.values()


def test_an_error_answer_stops_the_source_for_this_run_and_is_caught_up(world: World) -> None:
    world.wechat.fail_next("getarticleread", body={"errcode": -1, "errmsg": "system error"})
    asked = world.run(at(dt.date(2016, 9, 4), 9))
    assert asked["wechat"] == []
    states = world.days()
    assert states.keys() == {"2016-09-01"} and states["2016-09-01"][0] == "error"
    assert "getarticleread" in states["2016-09-01"][1] and "-1" in states["2016-09-01"][1]
    assert asked["weibo"]  # one bad source never stops the others
    world.run(at(dt.date(2016, 9, 4), 10))
    assert {d for d, (s, _) in world.days().items() if s == "final"} == {"2016-09-01", "2016-09-02", "2016-09-03"}


def test_missing_permission_is_told_once(world: World) -> None:
    world.wechat.statistics.datacube_allowed = False
    world.weibo.count_allowed = False
    world.run(at(dt.date(2016, 9, 3), 9))
    world.run(at(dt.date(2016, 9, 4), 9))
    titles = [n.title for n in world.notices]
    assert titles == ["【统计数据】公众号无法取得统计数据", "【统计数据】微博无法取得统计数据"]
    assert "48001" in world.notices[0].lines[0]
    assert "statuses/count 的权限" in world.notices[1].lines[0]
    assert world.days("weibo")["2016-09-01"][0] == "denied"  # the first day asked; the rest wait for the next run


def test_weibo_counts_follow_the_posts(world: World) -> None:
    world.run(at(dt.date(2016, 9, 6), 9))
    rows = world.values("weibo")
    latest = {(r.post_id, r.metric): r.value for r in rows if r.day == "2016-09-05"}
    statuses = {s["idstr"]: s for s in world.weibo.statuses}
    post_ids = {r.post_id for r in rows}
    assert post_ids and all(pid.startswith("2016090") for pid in post_ids)
    some = next(r for r in rows if r.day == "2016-09-05" and r.metric == "likes")
    expected = world.weibo.counts(statuses[some.subject], at(dt.date(2016, 9, 6), 0).timestamp() - 1)
    assert latest[(some.post_id, "likes")] == expected["attitudes"]


def test_the_fake_refuses_today_and_bad_dates(world: World) -> None:
    world.clock.set(at(dt.date(2016, 9, 6), 9))
    token = httpx.post(f"{world.wechat.url}/cgi-bin/stable_token", json={"appid": world.wechat.app_id, "secret": SECRET}).json()
    url = f"{world.wechat.url}/datacube/getarticleread"
    today = {"begin_date": "2016-09-06", "end_date": "2016-09-06"}
    assert httpx.post(url, params=token, json=today).json()["errcode"] == 61501
    assert httpx.post(url, params=token, json={"begin_date": "9月1日", "end_date": "2016-09-01"}).json()["errcode"] == 61500


def test_screen_plays_from_proof_of_play(heihe: Campaign, tmp_path: Path) -> None:
    campaign = local(heihe, tmp_path)
    screen = campaign.screens[0]
    log = tmp_path / "state" / "proof-of-play" / f"{screen.id}.jsonl"
    log.parent.mkdir(parents=True)
    lines = [
        {
            "screen": screen.id,
            "item": "goods-salt-iodised",
            "post": "20160902-screen-center-0700",
            "duration": 10,
            "shown_at": "2016-09-02T07:00:00+08:00",
        },
        {
            "screen": screen.id,
            "item": "goods-salt-iodised",
            "post": "20160902-screen-center-0700",
            "duration": 10,
            "shown_at": "2016-09-02T07:01:00+08:00",
        },
        {"screen": screen.id, "item": "", "file": "theme.png", "duration": 20, "shown_at": "2016-09-02T07:00:10+08:00"},
        {"screen": screen.id, "item": "slogan-a", "duration": 10, "shown_at": "2016-09-01T23:59:59Z"},  # 2 September in Heihe
    ]
    forged = [{"screen": screen.id, "item": "x", "duration": d, "shown_at": "2016-09-02T08:00:00+08:00"} for d in (10**300, -1)]
    lines += forged  # written before reports were checked against the playlists: no slide lasts that long
    log.write_text("".join(json.dumps(x) + "\n" for x in lines) + "{not json\n", encoding="utf-8")
    clock = FakeClock(at(dt.date(2016, 9, 3), 1))
    got = ScreenStats(screen, campaign.paths.state, TZ, clock).collect(dt.date(2016, 9, 2), [])
    figures = {(f.subject, f.metric): f.value for f in got.figures}
    assert figures[(screen.id, "plays")] == 4
    assert figures[(screen.id, "items")] == 3  # salt, the theme slide, the slogan
    assert figures[(screen.id, "seconds")] == 50
    assert figures[("20160902-screen-center-0700", "plays")] == 2
    assert not got.final  # late reports may still come in
    assert "3 行无法识别" in got.note


def test_the_daemon_runs_the_job_at_start_and_after_a_restart_without_doubling(heihe: Campaign, heihe_plan: Plan, tmp_path: Path) -> None:
    from scheduler import jobs
    from scheduler.stats.daily import StatsJob

    from .daemon_helpers import Harness, one_day

    campaign = local(heihe, tmp_path)
    screen = campaign.screens[0]
    log = tmp_path / "state" / "proof-of-play" / f"{screen.id}.jsonl"
    log.parent.mkdir(parents=True)
    shown = [at(dt.date(2016, 9, d), 8) + dt.timedelta(seconds=10 * i) for d in (1, 2, 3) for i in range(30)]
    log.write_text("".join(json.dumps({"item": "x", "duration": 10, "shown_at": t.isoformat()}) + "\n" for t in shown), encoding="utf-8")
    harness = Harness(campaign, one_day(heihe_plan, dt.date(2016, 9, 5)), Renderer(campaign), at(dt.date(2016, 9, 3), 9))
    harness.stats = StatsJob(campaign, harness.engine, sources=lambda: [ScreenStats(screen, campaign.paths.state, TZ, harness.clock)])
    try:
        daemon = harness.start()
        assert jobs.STATS_ID in {j.id for j in daemon.scheduler.get_jobs()}
        harness.step_at(at(dt.date(2016, 9, 3), 9))
        with harness.engine.connect() as conn:
            first = sorted(conn.execute(sa.select(stat_values.c.day, stat_values.c.metric, stat_values.c.value)))
        assert ("2016-09-01", "plays", 30.0) in first and ("2016-09-02", "seconds", 300.0) in first
        assert not any(day == "2016-09-03" for day, _, _ in first)  # today is not over
        harness.crash()
        harness.start()
        harness.step_at(at(dt.date(2016, 9, 4), 9, 40))
        with harness.engine.connect() as conn:
            after = sorted(conn.execute(sa.select(stat_values.c.day, stat_values.c.metric, stat_values.c.value)))
        assert [r for r in after if r[0] < "2016-09-03"] == first  # the same rows, not twice
        assert ("2016-09-03", "plays", 30.0) in after
    finally:
        harness.close()
