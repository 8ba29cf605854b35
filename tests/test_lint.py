from __future__ import annotations

import dataclasses

import pytest

from scheduler.inputs.campaign import Campaign, LintConfig
from scheduler.planning.planner import Plan, PlannedPost
from scheduler.rendering.lint import lint_post
from scheduler.rendering.payloads import Renderer


def _post(plan: Plan, channel: str) -> PlannedPost:
    return next(p for p in plan.posts if p.channel == channel and not p.item.is_launch)


def _reasons(campaign: Campaign, post: PlannedPost, **changes: str) -> list[str]:
    post = dataclasses.replace(post, item=dataclasses.replace(post.item, **changes))
    return [f.reason for f in lint_post(campaign, Renderer(campaign).render(post))]


def test_the_whole_example_month_passes_lint(heihe: Campaign, heihe_plan: Plan) -> None:
    renderer = Renderer(heihe)
    findings = [f for p in heihe_plan.posts for f in lint_post(heihe, renderer.render(p))]
    assert findings == []


@pytest.mark.parametrize("term", ["最佳", "最好", "第一", "国家级", "顶级", "首选"])
def test_advertising_law_absolute_terms(heihe: Campaign, heihe_plan: Plan, term: str) -> None:
    reasons = _reasons(heihe, _post(heihe_plan, "weibo"), summary=f"本地木耳品质{term}，欢迎选购。")
    assert any(f"“{term}”" in r and "广告法" in r for r in reasons), reasons


@pytest.mark.parametrize("text", ["第一步，看标签。", "发现问题第一时间拨打热线。", "《产品质量法》第一条"])
def test_ordinal_first_is_not_an_absolute_term(heihe: Campaign, heihe_plan: Plan, text: str) -> None:
    assert _reasons(heihe, _post(heihe_plan, "weibo"), summary=text) == []


def test_absolute_terms_are_found_in_article_bodies(heihe: Campaign, heihe_plan: Plan) -> None:
    reasons = _reasons(heihe, _post(heihe_plan, "wechat"), body="### 标题\n\n这是国家级名牌。")
    assert any("国家级" in r for r in reasons)


def test_configured_sensitive_words(heihe: Campaign, heihe_plan: Plan) -> None:
    campaign = dataclasses.replace(heihe, lint=LintConfig(sensitive_words=("内部资料",), absolute_terms_extra=("王牌",)))
    reasons = _reasons(campaign, _post(heihe_plan, "weibo"), summary="这是内部资料，王牌产品。")
    assert "含有敏感词“内部资料”" in reasons
    assert any("王牌" in r for r in reasons)


def test_weibo_too_long(heihe: Campaign, heihe_plan: Plan) -> None:
    reasons = _reasons(heihe, _post(heihe_plan, "weibo"), summary="质" * 130)
    assert any("微博超过 140 字" in r for r in reasons)


def test_weibo_api_mode_forbids_topics(heihe: Campaign, heihe_plan: Plan) -> None:
    assert heihe.weibo is not None
    api = heihe.with_channels(dataclasses.replace(heihe.weibo, mode="api"))
    reasons = _reasons(api, _post(heihe_plan, "weibo"), summary="欢迎参与#质量月#话题讨论。")
    assert "接口发布的微博不能带 #话题#" in reasons


def test_weibo_needs_a_link(heihe: Campaign, heihe_plan: Plan) -> None:
    assert heihe.weibo is not None
    nolink = heihe.with_channels(dataclasses.replace(heihe.weibo, link=""))
    reasons = _reasons(nolink, _post(heihe_plan, "weibo"))
    assert any("微博正文必须带一个安全域名" in r for r in reasons), reasons


def test_wechat_title_limit_is_configurable(heihe: Campaign, heihe_plan: Plan) -> None:
    assert heihe.wechat is not None
    strict = heihe.with_channels(dataclasses.replace(heihe.wechat, title_max=5))
    reasons = _reasons(strict, _post(heihe_plan, "wechat"), title="这是一个超过五个字的标题")
    assert "标题超过 5 字（现为 12 字）" in reasons


def test_findings_name_post_and_channel(heihe: Campaign, heihe_plan: Plan) -> None:
    post = _post(heihe_plan, "screen:center")
    bad = dataclasses.replace(post, item=dataclasses.replace(post.item, line="这一行文字实在是太长了以至于电子屏上放不下了"))
    findings = lint_post(heihe, Renderer(heihe).render(bad))
    assert [f.told(heihe) for f in findings] == [f"{post.id}（市中心户外大屏）：电子屏文字超过 20 字"]
