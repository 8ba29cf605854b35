"""The config keys named when a post goes back to review: a list with an entry inserted or commented
out is named once, single items in numeric order, and a long list is cut short."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.config_changes import changed_keys, listed
from scheduler.publishing.db import open_db
from scheduler.publishing.post_sources import ConfigAndTemplates
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.rendering.payloads import Renderer

BEFORE_2027 = 1_800_000_000.0  # 2027-01-15: the whole month of the default config lies ahead
NEW_PIN = """pins:
  - item: publicity-interaction-quiz
    channel: weibo
    date: 2027-09-10
    time: "09:30"
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _fill(config: Path, queue: Queue, now: float) -> None:
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    fill(queue, campaign, plan, Renderer(campaign), now)


def _config_keys(config: Path) -> dict[str, str]:
    return dict(ConfigAndTemplates(load_campaign(config)).snapshot.config)


def test_a_pin_inserted_and_a_topic_commented_out_name_the_two_lists(project: Callable[..., Path]) -> None:
    config = project()
    queue = Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))
    _fill(config, queue, BEFORE_2027)
    for post in queue.find():
        review.approve(queue, post.id, "张科长", BEFORE_2027)
    _edit(config, "pins:\n", NEW_PIN)  # a new first pin: the old one moves to pins[1]
    _edit(config, "    - goods-food-packaging\n", "    # - goods-food-packaging\n")  # every topic after it moves up
    _edit(config, 'hotline: "12315"', 'hotline: "12345"')  # new words for posts that keep their item
    _fill(config, queue, BEFORE_2027 + 60)

    reasons = queue.change_reasons(queue.find([st.PLANNED]))
    assert reasons["20270910-weibo-0930"].startswith("这个时段改排了另一条内容")  # the pinned slot says which item it has now
    named = {r.partition("配置 config.yaml: ")[2] for r in reasons.values() if "配置" in r}
    assert named == {"campaign.hotline、coverage.topics、pins"}
    kept = next(p for p, r in reasons.items() if "配置" in r)
    assert "改动了配置 config.yaml: campaign.hotline、coverage.topics、pins（版本" in queue.history(kept)[-1].why


def test_items_changed_in_place_are_named_by_index_in_numeric_order(project: Callable[..., Path]) -> None:
    config = project()
    before = _config_keys(config)
    _edit(config, "    - goods-fiber-uniform\n", "    - story\n")  # topics[1]
    _edit(config, "    - rights-building-materials\n", "    - interaction\n")  # topics[10]
    _edit(config, 'time: "20:00"', 'time: "20:30"')  # the pin's time
    _edit(config, '    times: ["09:30", "17:30"]', '    times: ["09:30", "18:00"]')  # a weibo time
    keys = changed_keys(before, _config_keys(config))
    assert keys == ["channels.weibo.times[1]", "coverage.topics[1]", "coverage.topics[10]", "pins[0].time"]
    assert changed_keys(before, _config_keys(config), lambda key: not key.startswith("channels.")) == keys[1:]


def test_a_long_list_of_changes_names_a_few_and_says_how_many() -> None:
    old = {f"brand.k{n}": "a" for n in range(12)}
    new = {**old, **{f"brand.k{n}": "b" for n in (1, 2, 3, 4, 5, 6, 7, 10)}}
    keys = changed_keys(old, new)
    assert keys == ["brand.k1", "brand.k2", "brand.k3", "brand.k4", "brand.k5", "brand.k6", "brand.k7", "brand.k10"]
    assert listed(keys) == "brand.k1、brand.k2、brand.k3、brand.k4、brand.k5 等 8 项"
    assert listed(keys[:2]) == "brand.k1、brand.k2"


def test_a_swap_approved_since_is_not_the_reason_for_a_later_edit(project: Callable[..., Path]) -> None:
    """The slot got other words, a person approved them, then the words were edited: the edit is named."""
    config = project()
    queue = Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))
    _fill(config, queue, BEFORE_2027)
    _edit(config, "pins:\n", NEW_PIN)
    _fill(config, queue, BEFORE_2027 + 60)
    post = queue.get("20270910-weibo-0930")
    assert post is not None and post.item == "publicity-interaction-quiz"
    review.approve(queue, post.id, "张科长", BEFORE_2027 + 120)
    _edit(config.parent / "content/publicity/publicity-interaction-quiz.md", "看看你能答对几题", "看看你能答对几道题")
    _fill(config, queue, BEFORE_2027 + 180)

    reason = queue.change_reasons(queue.find([st.PLANNED]))[post.id]
    assert reason == "改动了内容 content/publicity/publicity-interaction-quiz.md", reason
