"""A poster's own text (a layout's labels), the brand's colours and the logo count in a post's version like
its words; an upgrade that starts counting them keeps every approval, and a later change sends the post back.
Real project files and real SQLite.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, PlannedPost, make_plan
from scheduler.publishing import states as st
from scheduler.rendering import picture_look
from scheduler.rendering.payloads import Renderer

from .daemon_helpers import Harness, Recorder, local_campaign

POST = "20270901-wechat-2000"  # a WeChat article with a cover and a card, both knowledge-card posters
LABEL, FAKE_LABEL = "投诉举报电话：", "假冒热线，请拨打："
LAYOUT = "posters/sheet/knowledge-card.yaml"  # the brand area's family (config.yaml posters.families)


def load_local(config: Path, tmp_path: Path) -> Campaign:
    return local_campaign(load_campaign(config), tmp_path)


def planned_post(campaign: Campaign, post_id: str = POST) -> PlannedPost:
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    return next(p for p in plan.posts if p.id == post_id)


def _version(campaign: Campaign) -> str:
    return Renderer(campaign).render(planned_post(campaign)).version


def replace_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_layouts_own_text_the_brand_colours_and_the_logo_make_a_new_version(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    campaign = load_local(config, tmp_path)
    before = _version(campaign)
    assert before == _version(campaign)
    red = campaign.paths.templates / "posters" / "knowledge-card.yaml"
    replace_text(red, LABEL, FAKE_LABEL)  # another family's layout: not drawn for this item
    assert _version(campaign) == before
    layout = campaign.paths.templates / LAYOUT
    spaced = layout.read_text(encoding="utf-8").replace(": ", ":   ", 3)
    layout.write_text("# a comment\n" + spaced, encoding="utf-8")  # a comment and spaces: nothing drawn changes
    assert _version(campaign) == before
    replace_text(layout, LABEL, FAKE_LABEL)
    relabelled = _version(campaign)
    assert relabelled != before
    recoloured = dataclasses.replace(campaign, brand=dataclasses.replace(campaign.brand, primary="#00FF00"))
    assert _version(recoloured) not in (before, relabelled)
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG one logo")
    with_logo = dataclasses.replace(campaign, brand=dataclasses.replace(campaign.brand, logo=logo))
    first_logo = _version(with_logo)
    logo.write_bytes(b"\x89PNG another logo")  # the same file name, another picture
    assert _version(with_logo) != first_logo
    rendered = Renderer(campaign).render(planned_post(campaign, "20270901-weibo-0930"))
    assert rendered.images and rendered.earlier_version == "8eb4f891ac42df8f"  # what qm gave it before the look counted


def harness_for(campaign: Campaign, post_id: str = POST) -> Harness:
    planned = planned_post(campaign, post_id)
    return Harness(campaign, Plan((planned,), ()), Renderer(campaign), planned.at - dt.timedelta(hours=1), Recorder())


def test_an_upgrade_keeps_approvals_and_a_later_layout_edit_sends_the_post_back(
    project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = load_local(project(), tmp_path)
    with monkeypatch.context() as earlier_qm:  # the queue as a qm that did not count the look filled and approved it
        earlier_qm.setattr(picture_look.Looks, "of", lambda self, area, layouts: "")
        h = harness_for(campaign)
        h.fill()
        assert h.approve(POST, "张科长")
    try:
        old = h.queue.get(POST)
        assert old is not None and old.state == st.APPROVED
        history = len(h.queue.history(POST))
        h.renderer = Renderer(campaign)
        h.fill()  # the upgraded qm: a new version, the same approval, nothing audited
        now = h.queue.get(POST)
        assert now is not None and now.state == st.APPROVED and now.version != old.version
        assert now.approved_version == now.version and len(h.queue.history(POST)) == history
        replace_text(campaign.paths.templates / LAYOUT, LABEL, FAKE_LABEL)
        h.renderer = Renderer(campaign)
        h.fill()
        back = h.queue.get(POST)
        assert back is not None and back.state == st.PLANNED and back.approved_version == now.version
        why = h.queue.history(POST)[-1].why
        assert f"模板 templates/{LAYOUT}" in why and "需要重新审核" in why, why
    finally:
        h.close()


def test_an_edit_made_before_the_upgrade_and_undone_after_it_restores_the_approval(
    project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign = load_local(project(), tmp_path)
    source = campaign.paths.content / "brand" / "brand-trademark-symbols.md"
    approved_title, edited_title = "title: 商标旁的®和™有啥不同", "title: 商标旁的®和™有什么不同"
    with monkeypatch.context() as earlier_qm:  # approved, then edited, under a qm that did not count the look
        earlier_qm.setattr(picture_look.Looks, "of", lambda self, area, layouts: "")
        h = harness_for(campaign)
        h.fill()
        assert h.approve(POST, "张科长")
        replace_text(source, approved_title, edited_title)
        h.plan, h.renderer = Plan((planned_post(campaign),), ()), Renderer(campaign)
        h.fill()
    try:
        edited = h.queue.get(POST)
        assert edited is not None and edited.state == st.PLANNED and edited.approved_version not in ("", edited.version)
        h.renderer = Renderer(campaign)
        h.fill()  # the upgraded qm: the edited words under the new formula, still waiting for review
        replace_text(source, edited_title, approved_title)  # the edit undone: the approved words and pictures again
        h.plan, h.renderer = Plan((planned_post(campaign),), ()), Renderer(campaign)
        h.fill()
        back = h.queue.get(POST)
        assert back is not None and back.state == st.APPROVED and back.approved_version == back.version
        assert "内容改回了审核通过的版本" in h.queue.history(POST)[-1].why
    finally:
        h.close()


def test_a_logo_saved_with_other_bytes_is_named_in_the_history(project: Callable[..., Path], tmp_path: Path) -> None:
    base = load_local(project(), tmp_path)
    logo = base.config_path.parent / "logo.png"
    logo.write_bytes(b"\x89PNG one logo")
    campaign = dataclasses.replace(base, brand=dataclasses.replace(base.brand, logo=logo))
    h = harness_for(campaign)
    try:
        h.fill()
        assert h.approve(POST, "张科长")
        logo.write_bytes(b"\x89PNG another")  # the same file, another picture: nothing else changed
        h.renderer = Renderer(campaign)
        h.fill()
        post = h.queue.get(POST)
        assert post is not None and post.state == st.PLANNED
        why = h.queue.history(POST)[-1].why
        assert why.startswith("改动了标志图片 logo.png（版本") and "需要重新审核" in why, why
    finally:
        h.close()
