"""What `qm preview`'s page says about a post around it: how a Weibo post really goes out, and the header's
theme without a separator left hanging."""

from __future__ import annotations

import dataclasses
import re

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.planning.planner import Plan
from scheduler.rendering.payloads import Renderer
from scheduler.views.day_preview import render_block


@pytest.mark.parametrize(
    ("publisher", "mode", "said"), [("outbox", "api", "写入发件箱"), ("api", "api", "接口发布"), ("api", "assisted", "人工发布")]
)
def test_a_weibo_card_says_how_the_post_goes_out(heihe: Campaign, heihe_plan: Plan, publisher: str, mode: str, said: str) -> None:
    """publisher: outbox writes it into the outbox, whatever rules (mode) its words follow (before: 接口发布)."""
    weibo = heihe.channel("weibo")
    assert weibo is not None
    campaign = heihe.with_channels(dataclasses.replace(weibo, publisher=publisher, mode=mode))
    post = next(p for p in heihe_plan.posts if p.channel == "weibo")
    html = render_block(campaign, post, Renderer(campaign).render(post), [], lambda image: "")
    meta = re.search(r'<div class="meta">(.*?)</div>', html)
    assert meta is not None and meta.group(1).endswith(f"｜{said}"), html
