"""A poster drawn before its words changed never goes out, and reviewers are told it is old.

An editor corrects an item's summary: the post goes back to review, but the poster file on disk still
shows the old words until something draws it again. The channels get their files from `PosterFiles`,
the daemon's drawing child from `missing_posters`, reviewers see the day page: each must notice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.inputs.config import load_campaign
from scheduler.planning.planner import PlannedPost
from scheduler.poster.files import PosterFiles
from scheduler.poster.freshness import OUT_OF_DATE, is_current
from scheduler.poster.layout import family_folder
from scheduler.runtime.work_ahead import missing_posters
from scheduler.support.values import ImageRef, drawn_at, poster_path
from scheduler.views import day_preview
from tests.conftest import DEFAULT

NEW_SUMMARY = "更正后的摘要：这段文字是编辑在审核台改过的，海报上必须画出这一段，而不是改动之前的那一段文字。"


def _post_with_a_poster(ctx: Context) -> tuple[PlannedPost, ImageRef]:
    for post in ctx.plan.posts:
        images = ctx.renderer.render(post).images
        if images and images[0].layout == "knowledge-card" and post.item.summary:  # a card shows the summary
            return post, images[0]
    raise AssertionError("no post with a poster")


def _correct_the_summary(ctx: Context, post: PlannedPost) -> None:
    path = Path(post.item.source.rpartition(":")[0])
    text = path.read_text(encoding="utf-8")
    assert post.item.summary in text
    path.write_text(text.replace(post.item.summary, NEW_SUMMARY), encoding="utf-8")


def test_a_poster_drawn_before_its_words_changed_is_drawn_again_before_it_goes_out(project: Callable[..., Path]) -> None:
    config = project()
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    files = PosterFiles(ctx.campaign)
    first = files(image)  # drawn at publishing time: nobody ran qm posters
    old_pixels = first.read_bytes()
    assert is_current(ctx.campaign, post.item, image)
    assert files(image).read_bytes() == old_pixels  # unchanged inputs: the file as it is

    _correct_the_summary(ctx, post)
    now = Context(config)
    item = now.library.get(post.item.id)
    assert item is not None and item.summary == NEW_SUMMARY
    assert not is_current(now.campaign, item, image)  # the file on disk shows the old summary

    sent = files(image)  # what a channel would upload now
    assert sent == first and sent.read_bytes() != old_pixels
    assert is_current(now.campaign, item, image)


def test_a_hotline_changed_in_the_config_redraws_the_posters_that_show_it(project: Callable[..., Path]) -> None:
    config = project()
    ctx = Context(config)
    _, image = _post_with_a_poster(ctx)
    files = PosterFiles(ctx.campaign)  # made when the daemon started, with the hotline of that time
    old_pixels = files(image).read_bytes()
    text = config.read_text(encoding="utf-8")
    hotline = ctx.campaign.text_values["hotline"]
    config.write_text(text.replace(hotline, "12315-8"), encoding="utf-8")
    assert files(image).read_bytes() != old_pixels  # the config as it is now, not as the daemon started with


def test_the_daemon_redraws_ahead_the_posters_whose_words_changed(project: Callable[..., Path]) -> None:
    config = project()
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    before = post.at - dt.timedelta(hours=1)
    drawn = PosterFiles(ctx.campaign)(image)
    assert drawn not in [job.out for job in missing_posters(ctx.campaign, ctx.plan, ctx.renderer, before)]

    _correct_the_summary(ctx, post)
    now = Context(config)
    assert drawn in [job.out for job in missing_posters(now.campaign, now.plan, now.renderer, before)]


def test_the_day_page_says_a_poster_is_older_than_its_words(project: Callable[..., Path]) -> None:
    config = project()
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    PosterFiles(ctx.campaign)(image)
    day = post.at.date()
    preview = day_preview.build(ctx.campaign, ctx.plan, ctx.renderer, day)
    assert not any(OUT_OF_DATE in f.reason for f in preview.findings)

    _correct_the_summary(ctx, post)
    now = Context(config)
    preview = day_preview.build(now.campaign, now.plan, now.renderer, day)
    stale = [f for f in preview.findings if OUT_OF_DATE in f.reason]
    assert stale and all("“知识卡片" in f.reason and image.layout not in f.reason for f in stale if f.post_id == post.id)


def test_the_consoles_kept_verdict_clears_once_the_poster_is_drawn_again(project: Callable[..., Path]) -> None:
    """The console keeps each post version's findings; a poster redrawn afterwards (by qm posters or the
    daemon, the words unchanged) must not stay flagged as old until the console restarts."""
    from scheduler.pages.posts import Checks, entries

    config = project()
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    files = PosterFiles(ctx.campaign)
    files(image)
    _correct_the_summary(ctx, post)
    now = Context(config)
    checks = Checks(now.campaign, now.renderer)
    day = post.at.date()
    entry = next(e for e in entries(now.campaign, now.plan, now.library, [], day, day) if e.id == post.id)
    assert any(OUT_OF_DATE in reason for reason in checks.findings(entry))

    files(image)  # drawn again from the corrected words
    assert not any(OUT_OF_DATE in reason for reason in checks.findings(entry))


def test_the_consoles_kept_verdict_notices_a_layout_template_edited_while_it_runs(project: Callable[..., Path]) -> None:
    """A layout template edited while the console runs changes what the poster would look like: the console's
    kept findings of the post (same words, same poster file) flag the poster as out of date, and drawing it
    again clears the flag."""
    from scheduler.pages.posts import Checks, entries

    config = project()
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    files = PosterFiles(ctx.campaign)
    files(image)
    checks = Checks(ctx.campaign, ctx.renderer)
    day = post.at.date()
    entry = next(e for e in entries(ctx.campaign, ctx.plan, ctx.library, [], day, day) if e.id == post.id)
    assert not any(OUT_OF_DATE in reason for reason in checks.findings(entry))

    family = family_folder(ctx.campaign.paths.templates, ctx.campaign.posters.family_for(post.item.area))
    layout = family / f"{image.layout}.yaml"  # the one this poster is drawn from (a family's, by the item's area)
    assert layout.is_relative_to(config.parent)
    text = layout.read_text(encoding="utf-8")
    assert "weight: heavy" in text
    layout.write_text(text.replace("weight: heavy", "weight: bold", 1), encoding="utf-8")  # a lighter title
    assert any(OUT_OF_DATE in reason for reason in checks.findings(entry))

    files(image)  # drawn again from the edited layout
    assert not any(OUT_OF_DATE in reason for reason in checks.findings(entry))


def test_the_file_a_page_shows_is_the_one_whose_time_the_freshness_check_reads(tmp_path: Path) -> None:
    """A PNG, or a JPEG when too big for one: where a page finds a poster (`poster_file`) and when the console
    thinks it was drawn (`drawn_at`) are one answer, whatever is on disk (before, a folder named like the PNG
    gave its own time while the page showed the JPEG)."""
    campaign = load_campaign(DEFAULT)
    campaign = dataclasses.replace(campaign, paths=dataclasses.replace(campaign.paths, posters=tmp_path))
    image = ImageRef("qm-image:x", "goods-salt-iodised", "knowledge-card", "square")
    png = poster_path(tmp_path, image)
    jpg = png.with_suffix(".jpg")
    png.parent.mkdir(parents=True)

    def agree() -> Path | None:
        shown = day_preview.poster_file(campaign, image)
        assert drawn_at(tmp_path, image) == (shown.stat().st_mtime_ns if shown else 0), shown
        return shown

    assert agree() is None
    jpg.write_bytes(b"jpeg")
    assert agree() == jpg
    png.write_bytes(b"png")
    os.utime(png, ns=(10**18, 10**18))
    assert agree() == png  # the PNG drawn last; the JPEG beside it is stale
    png.unlink()
    png.mkdir()  # not a poster
    assert agree() == jpg


def _image_file(path: Path, colour: str) -> None:
    from PIL import Image

    Image.new("RGB", (64, 64), colour).save(path)


@pytest.mark.parametrize("touched", ["logo.png", "house.ttc"])
def test_a_logo_or_font_saved_again_unchanged_leaves_the_posters_current(
    project: Callable[..., Path], tmp_path: Path, touched: str
) -> None:
    """`touch logo.png` (or the same bytes saved again) changes no poster: none is flagged as old or drawn again.
    A logo with other pixels still is."""
    from scheduler.poster import fonts

    bundled = fonts.bundled_font()
    assert bundled is not None
    logo, font = tmp_path / "logo.png", tmp_path / "house.ttc"
    _image_file(logo, "#C8102E")
    font.write_bytes(bundled.path.read_bytes())  # a Noto CJK collection: its SC face, as the bundled one
    config = project(lambda t: t.replace("  accent:", "  logo: logo.png\n  font: house.ttc\n  accent:"))
    ctx = Context(config)
    post, image = _post_with_a_poster(ctx)
    drawn = PosterFiles(ctx.campaign)(image)
    stamp = drawn.stat().st_mtime_ns
    assert is_current(ctx.campaign, post.item, image)

    path = tmp_path / touched
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))  # another time, the same bytes
    if path == logo:
        logo.write_bytes(logo.read_bytes())  # and saved again
    now = Context(config)
    assert is_current(now.campaign, post.item, image)
    preview = day_preview.build(now.campaign, now.plan, now.renderer, post.at.date())
    assert not any(OUT_OF_DATE in f.reason for f in preview.findings)
    assert PosterFiles(now.campaign)(image).stat().st_mtime_ns == stamp  # not drawn again

    _image_file(logo, "#1F4E9D")  # another logo under the same name
    later = Context(config)
    assert not is_current(later.campaign, post.item, image)


def test_only_the_configured_font_is_read_for_a_posters_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The bundled and system fonts count by place, size and time: hashing them read every Chinese font on the
    machine (the bundled one alone is 30 MB) in each command that keys a poster."""
    from scheduler.poster import fonts
    from tests.conftest import calls

    bundled = fonts.bundled_font()
    assert bundled is not None
    house = tmp_path / "house.ttc"
    house.write_bytes(bundled.path.read_bytes())
    read = calls(monkeypatch, fonts, "file_digest", 0)
    keys = [f.identity for f in fonts.candidates(house)]
    assert read == [house] and len(keys) >= 2 and str(bundled.path) in keys[1]
