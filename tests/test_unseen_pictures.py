"""A post whose poster was drawn before its words changed is not approved: the reviewer saw a picture of the
old words. The console says so in Chinese names (方图“知识卡片（知识单）”), shows no 通过 button for it and refuses
an approval sent anyway (a tab opened before the change), as `qm approve` does;
offers 重画海报, and the posters page marks the old picture."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.content import ContentItem
from scheduler.pages.site import Site
from scheduler.planning.planner import PlannedPost
from scheduler.poster import freshness
from scheduler.poster.files import PosterFiles
from scheduler.poster.fonts import FontFile
from scheduler.poster.freshness import is_current
from scheduler.poster.texts import PosterText
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.support.values import ImageRef
from tests.browser_helpers import CHROMIUM, chromium
from tests.conftest import TWO_STAGES, run_qm
from tests.test_poster_freshness import _correct_the_summary, _post_with_a_poster
from tests.test_web_repeat import approve_form, client, fields_of
from tests.web_helpers import Running, console_server, http_login, login

BULK_RE = re.compile(r'<form method="post" action="/day/[^"]+/approve" class="bulk">(.*?)</form>', re.S)


def _stale(config: Path) -> tuple[PlannedPost, ImageRef]:
    """A post whose knowledge card was drawn, then its summary corrected (the queue refilled by qm queue)."""
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    PosterFiles(ctx.campaign)(image)
    _correct_the_summary(ctx, post)
    assert run_qm("queue", "-c", config).returncode == 0
    return post, image


def test_qm_approve_refuses_a_post_whose_poster_shows_the_old_words(project: Callable[..., Path]) -> None:
    config = project()
    post, _ = _stale(config)
    refused = run_qm("approve", post.id, "--by", "王审核", "-c", config)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stdout
    assert (
        f"{post.id} 的海报方图“知识卡片" in refused.stderr and "还是改动前画的" in refused.stderr and "knowledge-card" not in refused.stderr
    )
    assert run_qm("posters", "-c", config).returncode == 0  # drawn again from the words now
    approved = run_qm("approve", post.id, "--by", "王审核", "-c", config)
    assert approved.returncode == 0 and "已审核通过 1 条" in approved.stdout, approved.stderr


@pytest.fixture
def console(project: Callable[..., Path]) -> Iterator[tuple[Running, PlannedPost, ImageRef]]:
    config = project(lambda text: text + TWO_STAGES)
    post, image = _stale(config)
    ctx = Context(config)
    with console_server(ctx.campaign) as r:
        r.add_user("李编辑", "editor")
        yield r, post, image


def test_the_console_refuses_to_approve_it_and_redraws_it_on_demand(console: tuple[Running, PlannedPost, ImageRef]) -> None:
    r, post, image = console
    day = post.at.date().isoformat()
    with client(r) as editor:
        http_login(editor, "李编辑")
        page = editor.get(f"/day/{day}").text
        assert "方图“知识卡片" in page and "还是改动前画的" in page and "knowledge-card（" not in page
        assert (
            f'action="/post/{post.id}/approve"' not in page
            and f'1 条的海报还是改动前画的（<a href="#post-{post.id}">{post.id}</a>），不在一次通过的按钮里' in page
        )
        bulk = BULK_RE.search(page)
        assert bulk is not None and not any(v.startswith(post.id) for v in fields_of(bulk[1])["post"])
        stored = r.queue.get(post.id)
        assert stored is not None
        seen = {"csrf": fields_of(bulk[1])["csrf"][0], "version": stored.version, "stage": "初审"}  # a tab opened before the edit
        refused = editor.post(f"/post/{post.id}/approve", data=seen)
        assert refused.status_code == 303 and f"{post.id} 的海报方图“知识卡片" in editor.get(refused.headers["location"]).text
        listed = {"csrf": seen["csrf"], "post": f"{post.id} {stored.version} 初审"}
        refused = editor.post(f"/day/{day}/approve", data=listed)
        assert "以下 1 条没有通过" in editor.get(refused.headers["location"]).text
        stored = r.queue.get(post.id)
        assert stored is not None and stored.state == st.PLANNED and "初审通过" not in r.queue.history(post.id)[-1].why

        posters = editor.get(f"/posters/{day[:7]}").text
        assert "改动前画的，要重画" in posters

        redrawn = editor.post(f"/post/{post.id}/redraw", data={"csrf": seen["csrf"], "back": f"/day/{day}"})
        assert redrawn.status_code == 303 and "done=redrawn" in redrawn.headers["location"]
        item = Context(r.console.campaign.config_path).library.get(post.item.id)
        assert item is not None and is_current(r.console.campaign, item, image)
        action, fields = approve_form(editor.get(f"/post/{post.id}").text)
        assert "done=stage" in editor.post(action, data=fields).headers["location"]


def test_the_console_judges_a_poster_once_for_the_day_the_posters_page_and_an_approval(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judging a poster reads its layout and words and the key kept beside it: the day page's flag, the posters
    page's mark and the approval's refusal take one answer, kept until the poster is drawn again."""
    config = project()
    post, image = _stale(config)
    ctx = Context(config)
    site = Site(ctx.campaign, Queue(open_db(ctx.campaign.db_url)))
    judged: list[str] = []
    judge = freshness.is_current

    def counted(campaign: Campaign, source: ContentItem | PosterText, image: ImageRef, fonts: Sequence[FontFile] | None = None) -> bool:
        judged.append(image.ref)
        return judge(campaign, source, image, fonts)

    monkeypatch.setattr(freshness, "is_current", counted)
    day, queued = post.at.date(), site.queue.get(post.id)
    assert queued is not None

    def looked() -> tuple[bool, bool, str]:
        (shown,) = [p for p in site.day_values(day)["page"].posts if p.entry.id == post.id]
        (card,) = [c for c in site.posters_values(day.replace(day=1), day)["cards"] if post.id in c.used_by and c.item == image.item]
        return shown.stale, card.stale, site.unseen_pictures(queued)

    for _ in range(2):
        stale, marked, unseen = looked()
        assert stale and marked and "还是改动前画的" in unseen
    assert judged.count(image.ref) == 1
    assert site.redraw(queued) == 1  # drawn again: judged anew
    assert looked() == (False, False, "")


GALLERY_RE = re.compile(r'<ul class="gallery">(.*?)</ul>', re.S)


def test_the_posters_page_counts_the_old_pictures_at_the_top_and_shows_only_them(
    console: tuple[Running, PlannedPost, ImageRef], tmp_path: Path
) -> None:
    """Among a month's many posters the old pictures are counted at the top, with a link showing only them;
    each links to a post that uses it, where 重画海报 is."""
    r, post, _ = console
    month = post.at.strftime("%Y-%m")
    with client(r) as editor:
        http_login(editor, "李编辑")
        page = editor.get(f"/posters/{month}").text
        gallery = GALLERY_RE.search(page)
        assert gallery is not None and gallery[1].count("<li>") > 1
        assert "1 张是改动前画的" in page and 'href="?stale=1">只看这 1 张</a>' in page
        only = editor.get(f"/posters/{month}?stale=1").text
        gallery = GALLERY_RE.search(only)
        assert gallery is not None and gallery[1].count("<li>") == 1 and "改动前画的，要重画" in gallery[1]
        assert f'href="/post/{post.id}">到发布 {post.id} 按“重画海报”</a>' in gallery[1] and 'href="?">显示全部' in only
        assert f'action="/post/{post.id}/redraw"' in editor.get(f"/post/{post.id}").text

    if not CHROMIUM.exists():
        return
    with chromium(375, 800) as browser:  # on a phone: the count is the first thing under the heading, nothing scrolls sideways
        phone: Any = browser.new_page()
        login(phone, r.url, "李编辑")
        phone.goto(f"{r.url}/posters/{month}")
        phone.click("text=只看这 1 张")
        phone.wait_for_url("**?stale=1")
        phone.screenshot(path=str(tmp_path / "posters-stale-375.png"), full_page=True)
        assert phone.locator(".gallery li").count() == 1 and phone.locator(".stale-count").is_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.click(f"text=到发布 {post.id}")
        assert phone.locator(f"form[action='/post/{post.id}/redraw'] button").is_visible()
