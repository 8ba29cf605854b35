"""What a month must cover and say: coverage of the plan's topics, items only while valid, the
campaign's own hotline everywhere, the launch told in order (announce, invite, report), alt text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.planning.launch import LEAD_DAYS, fits_launch_time, visible_window
from scheduler.planning.plan_checks import coverage_shortfalls
from scheduler.planning.planner import Plan, make_plan
from scheduler.rendering.lint import lint_post
from scheduler.rendering.payloads import RenderedPost, Renderer
from scheduler.support.errors import ConfigError, ContentError

from .conftest import DEFAULT, HEIHE, run_qm

HOTLINES = re.compile(r"(?<!\d)123(?:15|65|31|58|30)(?!\d)")
EXAMPLES = {"2027": DEFAULT, "heihe-2016": HEIHE}


@pytest.fixture(scope="module", params=list(EXAMPLES))
def month(request: pytest.FixtureRequest) -> tuple[Campaign, Library, Plan]:
    campaign = load_campaign(EXAMPLES[request.param])
    library = load_library(campaign.paths.content, campaign.text_values)
    return campaign, library, make_plan(campaign, library)


def _texts(post: RenderedPost) -> str:
    return "\n".join(str(v) for k, v in post.payload.items() if k not in ("image", "cover"))


# -- coverage ----------------------------------------------------------------------------------


def test_both_example_months_cover_every_topic_they_list(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, library, plan = month
    assert len(campaign.coverage.topics) >= 25  # the seed's ten goods, five rights categories and more
    counts = Counter(p.item.topic for p in plan.posts)
    assert {t: counts[t] for t in campaign.coverage.topics if counts[t] < campaign.coverage.times} == {}
    assert coverage_shortfalls(campaign, library, plan) == []


def test_coverage_is_spread_over_the_channels(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, _, plan = month
    per_channel = Counter(p.channel for p in plan.posts if p.reason == "coverage")
    assert set(per_channel) == {c.name for c in campaign.channels}
    assert max(per_channel.values()) - min(per_channel.values()) <= 1


def test_check_names_a_topic_the_content_cannot_cover(project: Callable[..., Path]) -> None:
    config = project(lambda text: text.replace("  times: 1\n  topics:\n", "  times: 3\n  topics:\n"))
    for item in (config.parent / "content").rglob("goods-coal*.md"):
        item.unlink()
    result = run_qm("check", "-c", config)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert re.search(r"config\.yaml:\d+：主题 goods-coal（煤炭）要求至少出现 3 次：内容库里没有这个主题的内容", result.stderr)
    assert re.search(r"）要求至少出现 3 次：只排进了 \d 次", result.stderr)  # a topic the month has no room for


def test_a_misspelt_coverage_topic_is_reported_with_its_line(project: Callable[..., Path]) -> None:
    config = project(lambda text: text.replace("    - goods-coal\n", "    - goods-col\n"))
    with pytest.raises(ConfigError) as info:
        load_campaign(config)
    problem = str(info.value.problems[0])
    assert re.search(r"config\.yaml:\d+", problem) and "'goods-col' 不是已知的主题" in problem and "goods-coal" in problem


# -- validity ----------------------------------------------------------------------------------


def test_no_item_is_planned_outside_its_validity(month: tuple[Campaign, Library, Plan]) -> None:
    _, _, plan = month
    assert [p.id for p in plan.posts if not p.item.valid_on(p.at.date())] == []


def _month_text(config: Path) -> tuple[Campaign, Library, Plan, str]:
    """An example's month: its campaign, library, plan and every word its posts say."""
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    plan = make_plan(campaign, library)
    renderer = Renderer(campaign)
    return campaign, library, plan, "\n".join(_texts(renderer.render(p)) for p in plan.posts)


def test_the_2016_month_says_nothing_that_only_became_true_later() -> None:
    campaign, library, plan, text = _month_text(HEIHE)
    later = {i.id for i in library.items if i.valid_from and i.valid_from > campaign.end}
    assert {"publicity-law-consumer-regulations", "mechanism-quality-power-outline", "brand-gi-what", "food-drug-label-2025"} <= later
    assert {p.item.id for p in plan.posts} & later == set()
    assert "营养成分表" in text  # the food label of its day is told
    for anachronism in (
        "国六",
        "全国12315平台",
        "承诺达标合格证",
        "电子商务法",
        "饱和脂肪",
        "2019年",
        "2020年",
        "2022",
        "2023年",
        "2024",
        "2025",
    ):
        assert anachronism not in text, anachronism


def test_the_2027_month_says_nothing_that_was_no_longer_true() -> None:
    """Every item the 2027 month may use (plan, posters, print) tells the food labels of GB 7718-2025 and
    GB 28050-2025, in force from 2027-03-16, and no goal already past as one ahead."""
    campaign = load_campaign(DEFAULT)
    library = load_library(campaign.paths.content, campaign.text_values)
    ended = {i.id for i in library.items if i.valid_to and i.valid_to < campaign.start}
    assert {"food-drug-label", "anti-fake-sc-transition", "brand-cert-three-tiers"} <= ended
    assert {p.item.id for p in make_plan(campaign, library).posts} & ended == set()
    usable = [i for i in library.items if i.valid_on(campaign.start) or i.valid_on(campaign.end)]
    text = "\n".join(f"{i.title}\n{i.headline}\n{i.summary}\n{i.line}\n{i.body}" for i in usable)
    assert "饱和脂肪（酸）、碳水化合物、糖、钠" in text and "保质期到期日" in text and "GB 28050—2025" in text
    for stale in ("碳水化合物和钠", "到2025年", "新规", "无公害农产品认证"):
        assert stale not in text, stale


def test_a_pin_outside_the_items_validity_is_refused(project: Callable[..., Path]) -> None:
    config = project(
        lambda text: text.replace("2027", "2016").replace(
            "pins:\n", "pins:\n  - item: publicity-law-consumer-regulations\n    channel: wechat\n    date: 2016-09-20\n"
        )
    )
    result = run_qm("plan", "-c", config)
    assert result.returncode == 2
    assert "publicity-law-consumer-regulations 在 2016-09-20 不在有效期内（自 2024-07-01 起）" in result.stderr


# -- the campaign's own hotline ----------------------------------------------------------------


def test_every_post_quotes_its_campaigns_hotline(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, _, plan = month
    renderer = Renderer(campaign)
    numbers = Counter(n for p in plan.posts for n in HOTLINES.findall(_texts(renderer.render(p))))
    assert set(numbers) == {campaign.hotline}, numbers
    assert numbers[campaign.hotline] > len(plan.posts) // 4  # the content really does quote it


def test_check_flags_a_hotline_written_into_the_content(heihe: Campaign, heihe_plan: Plan) -> None:
    post = next(p for p in heihe_plan.posts if p.channel == "wechat" and not p.item.is_launch)
    wrong = dataclasses.replace(post, item=dataclasses.replace(post.item, body=post.item.body + "\n\n投诉请拨12331。"))
    reasons = [f.reason for f in lint_post(heihe, Renderer(heihe).render(wrong))]
    assert any("写了热线“12331”" in r and "12365" in r and "{{ hotline }}" in r for r in reasons), reasons


def test_the_national_12315_is_never_told_to_be_replaced_by_a_local_hotline(project: Callable[..., Path]) -> None:
    # "全国12315平台" stays right under any campaign hotline: replacing it by {{ hotline }} would print "全国0456-8221234平台"
    local = project(lambda t: t.replace('hotline: "12315"', 'hotline: "0456-8221234"'))
    result = run_qm("check", "-c", local)
    assert "12315" not in result.stderr, result.stderr
    campaign = load_campaign(local)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    post = next(p for p in plan.posts if p.channel == "wechat" and not p.item.is_launch)
    stale = dataclasses.replace(post, item=dataclasses.replace(post.item, body=post.item.body + "\n\n登录全国12315平台，或拨打12365。"))
    reasons = [f.reason for f in lint_post(campaign, Renderer(campaign).render(stale))]
    assert [r for r in reasons if "写了热线" in r] == [
        "写了热线“12365”，但本活动的投诉举报热线是 0456-8221234（把内容里的号码改成 {{ hotline }}，由配置统一填写）"
    ], reasons


def test_placeholders_are_filled_and_unknown_ones_reported_with_their_line(tmp_path: Path) -> None:
    item = """---
id: test-item
area: rights
topic: goods-salt
title: 买盐有问题，请拨{{ hotline }}
headline: 买盐看标识
summary: 食盐是人人都要吃的东西，买的时候要看清包装上的生产日期和生产者，发现问题请拨打{{hotline}}投诉举报，维护自身权益。
line: 买盐看清标识
---
### 怎么买

拨打{{ hotline }}。
第二行有 {{ hot_line }}。
"""
    (tmp_path / "a.md").write_text(item, encoding="utf-8")
    values = {"hotline": "12365"}
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, values)
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1 and f"{tmp_path / 'a.md'}:13" in problems[0] and "未知的占位符 {{ hot_line }}" in problems[0]
    (tmp_path / "a.md").write_text(item.replace("{{ hot_line }}", "热线"), encoding="utf-8")
    loaded = load_library(tmp_path, values).items[0]
    assert loaded.title == "买盐有问题，请拨12365" and "12365投诉举报" in loaded.summary and "拨打12365。" in loaded.body
    # Limits count the words published: a long campaign name does not fit a 20-character title.
    (tmp_path / "a.md").write_text(item.replace("{{ hot_line }}", "").replace("请拨{{ hotline }}", "{{ campaign }}"), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_library(tmp_path, {**values, "campaign": "2027年黑河市“质量月”系列宣传活动"})
    assert "超过 20 字" in str(info.value.problems[0])


# -- the launch, in order ----------------------------------------------------------------------


def test_launch_posts_invite_before_the_event_and_report_after(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, _, plan = month
    start = campaign.launch_start
    launch_posts = [p for p in plan.posts if p.item.is_launch]
    for post in launch_posts:
        first, last = visible_window(campaign, campaign.channel(post.channel), post.slot)  # type: ignore[arg-type]
        if post.item.phase == "before":
            assert last < start, post.id
        if post.item.phase == "after":
            assert first >= start, post.id
    previews = [p for p in launch_posts if p.reason == "preview"]
    assert {p.channel for p in previews} == {c.name for c in campaign.channels}  # every channel announces it
    assert all(0 < (campaign.key_dates.launch - p.at.date()).days <= LEAD_DAYS for p in previews)
    evening = next(p for p in plan.posts if p.channel == "wechat" and p.at.date() == campaign.key_dates.launch)
    assert evening.item.phase == "after"  # the 20:00 article reports the morning's event


def test_launch_texts_name_the_date_time_and_venue(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, library, _ = month
    preview = library.get("publicity-launch-preview")
    assert preview is not None
    values = campaign.text_values
    assert values["launch_date"] in preview.summary and campaign.key_dates.launch_venue in preview.summary
    assert f"{campaign.key_dates.launch_time:%H:%M}" in preview.summary
    report = library.get("publicity-launch-announcement")
    assert report is not None and f"在{campaign.key_dates.launch_venue}举行" in report.summary


def test_check_flags_wording_that_does_not_fit_the_time_of_the_event(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    renderer = Renderer(heihe)
    evening = next(p for p in heihe_plan.posts if p.channel == "wechat" and p.at.date() == heihe.key_dates.launch)
    invitation = library.get("publicity-launch-invitation")
    report = library.get("publicity-launch-announcement")
    assert invitation is not None and report is not None
    late = dataclasses.replace(evening, item=invitation, reason="pin")
    assert not fits_launch_time(heihe, heihe.channel("wechat"), late.slot, invitation)  # type: ignore[arg-type]
    reasons = [f.reason for f in lint_post(heihe, renderer.render(late))]
    assert any("已经开始，文案还在预告或邀请" in r for r in reasons), reasons
    morning = next(p for p in heihe_plan.posts if p.channel == "wechat" and p.at.date() == heihe.key_dates.launch - dt.timedelta(days=1))
    early = dataclasses.replace(morning, item=report, reason="pin")
    reasons = [f.reason for f in lint_post(heihe, renderer.render(early))]
    assert any("还没开始，文案却写成已经举行" in r for r in reasons), reasons
    assert lint_post(heihe, renderer.render(dataclasses.replace(evening, item=report))) == []


# -- alt text ----------------------------------------------------------------------------------


def test_every_picture_has_alt_text_from_its_content(month: tuple[Campaign, Library, Plan]) -> None:
    campaign, _, plan = month
    renderer = Renderer(campaign)
    for post in plan.posts:
        rendered = renderer.render(post)
        if post.channel == "wechat":
            alts = re.findall(r'<img [^>]*alt="([^"]*)"', rendered.payload["content"])
            assert alts and all(a.startswith(post.item.title) and len(a) > len(post.item.title) for a in alts), post.id
        if post.channel == "weibo":
            assert rendered.payload["image_alt"] == post.item.alt and post.item.title in post.item.alt


def test_check_flags_a_picture_without_alt_text(heihe: Campaign, heihe_plan: Plan) -> None:
    renderer = Renderer(heihe)
    article = renderer.render(next(p for p in heihe_plan.posts if p.channel == "wechat"))
    bare = dataclasses.replace(article, payload={**article.payload, "content": re.sub(r' alt="[^"]*"', "", article.payload["content"])})
    assert any("没有替代文字（alt）" in f.reason for f in lint_post(heihe, bare))
    weibo = renderer.render(next(p for p in heihe_plan.posts if p.channel == "weibo"))
    blank = dataclasses.replace(weibo, payload={**weibo.payload, "image_alt": " "})
    assert any("没有替代文字（image_alt）" in f.reason for f in lint_post(heihe, blank))


def test_weibo_alt_text_ends_as_a_sentence_where_the_summary_is_cut(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    renderer = Renderer(heihe)
    weibo = next(p for p in heihe_plan.posts if p.channel == "weibo")

    def alt(item_id: str, **change: str) -> str:
        item = dataclasses.replace(library.by_id[item_id], **change)
        return str(renderer.render(dataclasses.replace(weibo, item=item)).payload["image_alt"])

    # Its summary's first part ends at ；: read aloud, the alt text stops there with a full stop.
    marks = library.by_id["brand-trademark-symbols"]
    assert marks.summary.startswith("®表示注册商标，只有核准注册后才能标注；")
    assert alt(marks.id) == f"{marks.title}：®表示注册商标，只有核准注册后才能标注。"
    # A summary that is one sentence without its mark, or stops at a comma, gets one full stop.
    assert alt(marks.id, summary="®表示注册商标") == f"{marks.title}：®表示注册商标。"
    assert alt(marks.id, summary="®表示注册商标，") == f"{marks.title}：®表示注册商标。"
    # Ending marks are kept, not doubled, and closing quotes stay after them.
    assert alt(marks.id, summary="认准®了吗？再买。") == f"{marks.title}：认准®了吗？"
    assert alt(marks.id, summary="记住“先协商。”再投诉。") == f"{marks.title}：记住“先协商。”"
    every = [alt(item.id) for item in library.items if item.allows("weibo")]
    assert all(a.endswith(("。", "？", "！", "。”")) and "。。" not in a and not a.endswith("；") for a in every), every
