"""A channel's time moved in the config after the day's post went out: the day keeps what went out and is
not given one post more (a subscription account sends one article a day; Weibo keeps its day's count),
the days still to come move to the new time, and the plan says so. Real SQLite queue, a fixed clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.kept_posts import read_kept
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts
from scheduler.rendering.payloads import Renderer

from .conftest import run_qm

TZ = dt.timezone(dt.timedelta(hours=8))
MORNING = dt.datetime(2027, 9, 10, 8, 0, tzinfo=TZ).timestamp()  # the default config's campaign, 10 September
EVENING = dt.datetime(2027, 9, 10, 20, 5, tzinfo=TZ).timestamp()


def _fill(config: Path, queue: Queue, now: float, db: str) -> Plan:
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values), read_kept(db))
    fill(queue, campaign, plan, Renderer(campaign), now)
    return plan


def _states(queue: Queue) -> dict[str, str]:
    return {p.id: p.state for p in queue.find()}


def test_a_time_moved_after_the_days_post_went_out_gives_that_day_no_second_post(project: Callable[..., Path]) -> None:
    config = project()
    db = load_campaign(config).db_url  # the campaign's own queue: `qm plan` reads it too
    queue = Queue(open_db(db))
    _fill(config, queue, MORNING, db)
    with queue.engine.begin() as conn:
        for sent in ("20270910-wechat-2000", "20270910-weibo-0930"):
            conn.execute(posts.update().where(posts.c.id == sent).values(state=st.PUBLISHED))
    text = config.read_text(encoding="utf-8")
    assert 'times: ["20:00"]' in text and 'times: ["09:30", "17:30"]' in text
    text = text.replace('times: ["20:00"]', 'times: ["20:30"]').replace('times: ["09:30", "17:30"]', 'times: ["10:00", "17:30"]')
    text = text.replace('time: "20:00"', 'time: "20:30"')  # the launch pin (8 September) moves with its channel
    config.write_text(text, encoding="utf-8")

    plan = _fill(config, queue, EVENING, db)
    states = _states(queue)
    today = {i: s for i, s in states.items() if i.startswith("20270910-") and "screen" not in i and s != st.CANCELLED}
    assert today == {"20270910-wechat-2000": st.PUBLISHED, "20270910-weibo-0930": st.PUBLISHED, "20270910-weibo-1730": st.PLANNED}
    assert "20270910-wechat-2030" not in states and "20270910-weibo-1000" not in states
    # the days still to come move to the new times
    assert states["20270911-wechat-2000"] == st.CANCELLED and states["20270911-wechat-2030"] == st.PLANNED
    assert states["20270911-weibo-0930"] == st.CANCELLED and states["20270911-weibo-1000"] == st.PLANNED
    assert {n.text for n in plan.notes if n.day == dt.date(2027, 9, 10)} == {
        "9月10日 微信公众号 已在 20:00 发出，不再另排 20:30",
        "9月10日 微博 已在 09:30 发出，不再另排 10:00",
    }
    planned = run_qm("plan", "-c", config)
    assert planned.returncode == 0 and "注意：9月10日 微信公众号 已在 20:00 发出，不再另排 20:30" in planned.stderr
    again = _fill(config, queue, EVENING + 60, db)
    assert again.notes == plan.notes and _states(queue) == states  # a refresh again changes nothing


def test_a_time_moved_before_anything_went_out_keeps_each_days_words_and_moved_back_their_approval(project: Callable[..., Path]) -> None:
    """Staff move the WeChat article from 20:00 to 20:30 and the first Weibo post from 09:30 to 10:00: each day
    keeps its words at the new time (the plan is not drawn again for a new time of day), then moved back the
    approved article is approved again."""
    config = project()

    def queued() -> dict[str, tuple[str, str]]:
        done = run_qm("queue", "-c", config, "--json")
        assert done.returncode == 0, done.stderr
        return {p["id"]: (p["item"], p["state"]) for p in json.loads(done.stdout)}

    before = queued()
    assert run_qm("approve", "20270915-wechat-2000", "--by", "张科长", "-c", config).returncode == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"20:00"', '"20:30"').replace('"09:30", "17:30"', '"10:00", "17:30"'), encoding="utf-8")
    after = queued()
    for old, new in (("wechat-2000", "wechat-2030"), ("weibo-0930", "weibo-1000")):
        moved = {i: after[i[: -len(old)] + new] for i in before if i.endswith(old)}
        assert len(moved) == 30 and moved == {i: (before[i][0], st.PLANNED) for i in moved}  # the launch day's too
    assert all(after[i] == before[i] for i in before if i.endswith("weibo-1730"))
    config.write_text(text, encoding="utf-8")
    back = queued()
    assert back["20270915-wechat-2000"] == (before["20270915-wechat-2000"][0], st.APPROVED)
    assert {i: s for i, s in back.items() if s[1] != st.CANCELLED} == {**before, "20270915-wechat-2000": back["20270915-wechat-2000"]}
