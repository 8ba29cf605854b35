"""What a reviewer approved is what is published, pictures included: at publishing time the daemon sends a
post whose pictures the files no longer draw as approved back to review and never uploads them, and a
poster on disk drawn from other words is drawn again. Real project files, real SQLite, the real WeChat
channel over HTTP to the fake server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scheduler.channels.wechat.api import WeChatChannel
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan
from scheduler.poster import ensure
from scheduler.poster.files import PosterFiles
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer
from scheduler.support.values import poster_path

from .channel_helpers import SECRET, configured, posters, running, wechat_server, with_api
from .daemon_helpers import Harness, Recorder
from .test_picture_version import POST, harness_for, load_local, planned_post, replace_text

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
        h.channels["wechat"] = WeChatChannel(configured(campaign, "wechat"), SECRET, posters(campaign), h.clock)  # type: ignore[assignment]
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
    assert any("没有发布" in line for line in notice.lines) and any(why in line for line in notice.lines)
    assert h.approve(POST, "张科长")  # the new words and pictures reviewed: they go out, late within the grace
    h.run_until(AT + dt.timedelta(minutes=20))
    assert h.state(POST) in (st.ACCEPTED, st.PUBLISHED)
    uploaded = {hashlib.sha256(b).hexdigest() for b in server.library.materials.values()}  # type: ignore[attr-defined]
    assert hashlib.sha256(drawn[0].read_bytes()).hexdigest() in uploaded  # the cover drawn from the approved words


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
