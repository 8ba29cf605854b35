"""What a reviewer approved is what is published, pictures included: at publishing time the daemon sends a
post whose pictures the files no longer draw as approved back to review and never uploads them, and a
poster on disk drawn from other words is drawn again. Real project files, real SQLite, the real WeChat
channel over HTTP to the fake server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from scheduler.channels.base import Channel, OutgoingPost
from scheduler.channels.fake import FakePlatform, Ledger
from scheduler.channels.wechat.api import WeChatChannel
from scheduler.inputs.campaign import Campaign, ChannelConfig
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan
from scheduler.poster import ensure
from scheduler.poster.files import PosterFiles
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.rendering.payloads import Renderer
from scheduler.runtime.clock import Clock
from scheduler.simulation.replay import simulate
from scheduler.support.values import ImageRef, Receipt, poster_path

from .channel_helpers import SECRET, configured, posters, running, wechat_server, with_api
from .daemon_helpers import Harness, Recorder
from .test_picture_version import FAKE_LABEL, LABEL, LAYOUT, POST, harness_for, load_local, planned_post, replace_text

AT = dt.datetime(2027, 9, 1, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def wechat(project: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Harness, object]]:
    """A daemon with the real WeChat channel against the fake server, drawing posters from the project's files."""
    base = load_local(project(), tmp_path)
    h = harness_for(base)
    with running(wechat_server(h.clock)) as server:
        campaign = with_api(base, wechat=server.url)
        h.campaign = campaign
        files = PosterFiles(campaign)
        h.channels["wechat"] = WeChatChannel(configured(campaign, "wechat"), SECRET, posters(campaign, as_approved=True), h.clock)  # type: ignore[assignment]
        h.pictures = files.unapproved  # as `qm daemon` wires it

        def fresh() -> tuple[Plan, Renderer]:  # the daemon's refill reads the files again
            return Plan((planned_post(campaign),), ()), Renderer(campaign)

        h.source = fresh
        yield h, server
        h.close()


def _draw_now(campaign: Campaign) -> list[Path]:
    """The post's posters drawn from the files as they are now (as the daemon's work ahead does every few minutes)."""
    item = load_library(campaign.paths.content, campaign.text_values).get("brand-trademark-symbols")
    assert item is not None
    return [ensure(campaign, item, image) for image in Renderer(campaign).render(planned_post(campaign)).images]


def test_the_daemon_sends_a_post_back_to_review_instead_of_publishing_pictures_of_unapproved_words(
    wechat: tuple[Harness, object],
) -> None:
    h, server = wechat
    h.fill()
    assert h.approve(POST, "张科长")
    h.start()
    _draw_now(h.campaign)
    source = h.campaign.paths.content / "brand" / "brand-trademark-symbols.md"
    replace_text(source, "title: 商标旁的®和™有啥不同", "title: 未经审核的标题")  # edited after the approval, no refill
    drawn = _draw_now(h.campaign)  # the daemon redraws the posters from the edited words
    h.run_until(AT + dt.timedelta(minutes=5))
    post = h.queue.get(POST)
    assert post is not None and post.state == st.PLANNED and post.version != post.approved_version
    assert server.calls["add_material"] == 0 and server.calls["uploadimg"] == 0 and server.calls["submit"] == 0  # type: ignore[attr-defined]
    why = h.queue.history(POST)[-1].why
    assert "内容 content/brand/brand-trademark-symbols.md" in why and "需要重新审核" in why, why
    assert isinstance(h.notifications, Recorder)
    notice = next(n for n in h.notifications.sent if n.title == f"【回到待审核】{POST}")
    assert any("没有发布" in line for line in notice.lines) and f"改动：{why.partition('（版本')[0]}，需要重新审核" in notice.lines
    said = "".join(notice.lines)  # the channel as staff call it, and no version codes
    assert "渠道：微信公众号（wechat）" in notice.lines and post.version not in said and post.approved_version not in said, said
    assert h.approve(POST, "张科长")  # the new words and pictures reviewed: they go out, late within the grace
    h.run_until(AT + dt.timedelta(minutes=20))
    assert h.state(POST) in (st.ACCEPTED, st.PUBLISHED)
    uploaded = {hashlib.sha256(b).hexdigest() for b in server.library.materials.values()}  # type: ignore[attr-defined]
    assert hashlib.sha256(drawn[0].read_bytes()).hexdigest() in uploaded  # the cover drawn from the approved words
    assert [n for n in h.notifications.sent if n.title.startswith("【回到待审核】")] == [notice]  # not the refill's notice too


def test_a_poster_on_disk_drawn_from_other_words_is_drawn_again_before_it_goes_out(wechat: tuple[Harness, object]) -> None:
    h, server = wechat
    h.fill()
    assert h.approve(POST, "张科长")
    source = h.campaign.paths.content / "brand" / "brand-trademark-symbols.md"
    approved = _draw_now(h.campaign)[0].read_bytes()
    replace_text(source, "title: 商标旁的®和™有啥不同", "title: 未经审核的标题")
    stale = _draw_now(h.campaign)[0].read_bytes()  # drawn while the edit stood
    replace_text(source, "title: 未经审核的标题", "title: 商标旁的®和™有啥不同")  # undone: the approved words again
    assert poster_path(h.campaign.paths.posters, Renderer(h.campaign).render(planned_post(h.campaign)).images[0]).read_bytes() == stale
    h.start()
    h.run_until(AT + dt.timedelta(minutes=5))
    assert h.state(POST) in (st.ACCEPTED, st.PUBLISHED)
    uploaded = {hashlib.sha256(b).hexdigest() for b in server.library.materials.values()}  # type: ignore[attr-defined]
    assert hashlib.sha256(approved).hexdigest() in uploaded and hashlib.sha256(stale).hexdigest() not in uploaded


def test_a_layout_edit_saved_just_after_the_check_is_not_uploaded(wechat: tuple[Harness, object]) -> None:
    h, server = wechat
    h.fill()
    assert h.approve(POST, "张科长")
    check = h.pictures
    assert check is not None
    layout = h.campaign.paths.templates / LAYOUT

    def then_edited(channel: str, payload: Mapping[str, Any], version: str, images: Sequence[ImageRef]) -> str:
        why = check(channel, payload, version, images)
        if not why and LABEL in layout.read_text(encoding="utf-8"):  # saved in the moment after the check passed
            replace_text(layout, LABEL, FAKE_LABEL)
        return why

    h.pictures = then_edited
    h.start()
    h.run_until(AT + dt.timedelta(minutes=5))
    assert server.calls["add_material"] == 0 and server.calls["uploadimg"] == 0 and server.calls["submit"] == 0  # type: ignore[attr-defined]
    post = h.queue.get(POST)
    assert post is not None and post.state == st.PLANNED and post.version != post.approved_version
    why = h.queue.history(POST)[-1].why
    assert "需要重新审核" in why, why
    assert isinstance(h.notifications, Recorder)
    notice = next(n for n in h.notifications.sent if n.title == f"【回到待审核】{POST}")
    assert any("没有发布" in line for line in notice.lines)
    assert h.approve(POST, "张科长")  # the new label reviewed: it goes out, its cover drawn with it
    h.run_until(AT + dt.timedelta(minutes=20))
    assert h.state(POST) in (st.ACCEPTED, st.PUBLISHED)
    drawn = _draw_now(h.campaign)[0].read_bytes()
    uploaded = {hashlib.sha256(b).hexdigest() for b in server.library.materials.values()}  # type: ignore[attr-defined]
    assert hashlib.sha256(drawn).hexdigest() in uploaded


def test_a_poster_file_written_over_after_drawing_is_drawn_again_before_it_goes_out(wechat: tuple[Harness, object]) -> None:
    h, server = wechat
    h.fill()
    assert h.approve(POST, "张科长")
    cover, card = _draw_now(h.campaign)[:2]
    drawn = cover.read_bytes()
    cover.write_bytes(card.read_bytes())  # another picture under the cover's name, its key left as it was
    h.start()
    h.run_until(AT + dt.timedelta(minutes=5))
    assert h.state(POST) in (st.ACCEPTED, st.PUBLISHED)
    uploaded = {hashlib.sha256(b).hexdigest() for b in server.library.materials.values()}  # type: ignore[attr-defined]
    assert hashlib.sha256(drawn).hexdigest() in uploaded and cover.read_bytes() == drawn


def test_qm_simulate_checks_the_pictures_as_the_daemon_does(project: Callable[..., Path], tmp_path: Path) -> None:
    campaign = load_local(project(), tmp_path)
    plan = Plan((planned_post(campaign, "20270901-weibo-0930"), planned_post(campaign)), ())  # the morning's post, then the article
    layout = campaign.paths.templates / LAYOUT

    class EditedAfterTheFirst(FakePlatform):  # staff edit a layout's label once the morning's post is out
        def publish(self, post: OutgoingPost) -> Receipt:
            receipt = super().publish(post)
            if LABEL in layout.read_text(encoding="utf-8"):
                replace_text(layout, LABEL, FAKE_LABEL)
            return receipt

    def platform(config: ChannelConfig, ledger: Ledger, clock: Clock) -> Channel:
        return EditedAfterTheFirst(config.name, ledger, clock)

    library, kept = load_library(campaign.paths.content, campaign.text_values), tmp_path / "kept"
    report = simulate(campaign, plan, Renderer(campaign), faults=0.0, restarts=0, platform=platform, library=library, keep_in=kept)
    assert FAKE_LABEL in layout.read_text(encoding="utf-8")
    assert (report.planned, report.published, report.failed, report.lost) == (2, 1, 1, 0), report  # the article held back, staff told
    # as in the daemon, the article went back to review at its new version (not failed), then nobody approved it in time
    engine = open_db(f"sqlite:///{kept / 'qm.sqlite3'}")
    try:
        queue = Queue(engine)
        article = queue.get(POST)
        states = [h.to_state for h in queue.history(POST)]
    finally:
        engine.dispose()
    assert article is not None and article.state == st.MISSED and st.FAILED not in states, states
    assert states[-2:] == [st.PLANNED, st.MISSED], states
