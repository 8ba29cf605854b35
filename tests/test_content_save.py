"""Saving an edit: the checks of `qm check` first (messages per field), then an atomic write and review again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.inputs.content_save import EditRejected, Saved, StaleEdit, item_path, open_form, refresh, save
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.rendering.payloads import Renderer

from .conftest import HEIHE

NOW = 1_472_700_000.0  # 2016-09-01, before the 2016 campaign's posts


@dataclass
class World:
    campaign: Campaign
    library: Library
    plan: Plan
    renderer: Renderer
    queue: Queue

    def item_with(self, channel: str) -> str:
        """A content item that has a post on `channel` (and so a file the test may change)."""
        return next(p.item.id for p in self.plan.posts if p.channel == channel and not p.item.is_launch)


@pytest.fixture
def world(project: Callable[..., Path]) -> World:
    campaign = load_campaign(project(lambda text: text + "\nlint:\n  sensitive_words: [内部资料]\n", config=HEIHE))
    library = load_library(campaign.paths.content, campaign.text_values)
    plan = make_plan(campaign, library)
    renderer = Renderer(campaign)
    queue = Queue(open_db(campaign.db_url))
    fill(queue, campaign, plan, renderer, NOW)
    return World(campaign, library, plan, renderer, queue)


def _save(w: World, item_id: str, **values: str) -> Saved:
    form = open_form(w.library, item_id)
    return save(w.campaign, w.library, w.plan, w.renderer, item_id, values, form.digest)


def _rejected(w: World, item_id: str, **values: str) -> dict[str, list[str]]:
    path = item_path(w.library.by_id[item_id])
    before = path.read_bytes()
    with pytest.raises(EditRejected) as exc:
        _save(w, item_id, **values)
    assert path.read_bytes() == before, "a refused edit leaves the file untouched"
    return exc.value.by_field


def test_a_saved_title_is_in_the_file_and_its_posts_go_back_to_review_saying_why(world: World) -> None:
    item_id = world.item_with("wechat")
    post_ids = [p.id for p in world.plan.posts if p.item.id == item_id]
    for post_id in post_ids:
        review.approve(world.queue, post_id, "李科长", NOW)
    path = item_path(world.library.by_id[item_id])
    old_text = path.read_text(encoding="utf-8")
    old_title = world.library.by_id[item_id].title

    saved = _save(world, item_id, title="新标题：质量月在行动")

    text = path.read_text(encoding="utf-8")
    assert text == old_text.replace(f"title: {old_title}\n", "title: 新标题：质量月在行动\n", 1)
    library, _, result = refresh(world.queue, world.campaign, world.renderer, saved, "王编辑（网页）", NOW + 60)
    assert library.by_id[item_id].title == "新标题：质量月在行动"
    # A screen shows the headline: a new title changes its slide only where the headline is the title.
    shows_title = world.library.by_id[item_id].headline == old_title
    changed = [i for i in post_ids if shows_title or "-screen-" not in i]
    assert sorted(result.back_to_review) == sorted(changed)
    for post_id in changed:
        post = world.queue.get(post_id)
        assert post is not None and post.state == st.PLANNED
        last = world.queue.history(post_id)[-1]
        assert last.who == "王编辑（网页）"
        said = f"修改了标题（《新标题：质量月在行动》）：标题由“{old_title}”改为“新标题：质量月在行动”（版本 "
        assert last.why.startswith(said) and last.why.endswith("需要重新审核"), last.why
        assert "王编辑" not in last.why and "content/" not in last.why and ".md" not in last.why  # said once, by title


def test_an_edit_of_a_post_not_yet_approved_is_audited_too(world: World) -> None:
    item_id = world.item_with("weibo")
    written = open_form(world.library, item_id).values["summary"]  # as written in the file, placeholders and all
    saved = _save(world, item_id, summary=written + "请拨打{{ hotline }}。")
    library, _, _ = refresh(world.queue, world.campaign, world.renderer, saved, "王编辑（网页）", NOW + 60)
    assert "请拨打{{ hotline }}。" in item_path(library.by_id[item_id]).read_text(encoding="utf-8")
    assert library.by_id[item_id].summary.endswith("请拨打12365。")  # the 2016 campaign's own hotline
    post_id = next(p.id for p in world.plan.posts if p.item.id == item_id)
    last = world.queue.history(post_id)[-1]
    assert (last.from_state, last.to_state, last.who) == (st.PLANNED, st.PLANNED, "王编辑（网页）")
    assert "修改了摘要" in last.why


def test_a_hotline_written_into_the_words_is_refused_next_to_its_field(world: World) -> None:
    item_id = world.item_with("weibo")
    written = open_form(world.library, item_id).values["summary"]
    by_field = _rejected(world, item_id, summary=written + "请拨打12331。")
    assert any("写了热线“12331”" in m and "{{ hotline }}" in m for m in by_field["summary"]), by_field


def test_a_character_no_font_draws_is_refused_next_to_its_field_as_qm_check_would(world: World) -> None:
    item_id = world.item_with("wechat")
    by_field = _rejected(
        world,
        item_id,
        title="一看二查，辨别真假😀",
        summary=open_form(world.library, item_id).values["summary"] + "\u200b",
        headline="辨别真假🍞",
    )
    assert any("标题中有海报字体没有的字：😀（U+1F600）" in m for m in by_field["title"]), by_field
    summary = open_form(world.library, item_id).values["summary"]
    said = f"摘要中有看不见的字符：零宽空格 U+200B（在“{summary[-2:]}”之后），海报上画不出来"  # named in Chinese, and where
    assert any(said in m for m in by_field["summary"]), by_field
    # each under its own field, found by the line the problem names (the headline's message says 电子屏标题, as the form does)
    assert any("🍞" in m for m in by_field["headline"]) and not any("🍞" in m for m in by_field["title"]), by_field


def test_every_problem_of_an_edit_shows_at_once_even_when_the_loader_refuses_a_field(world: World) -> None:
    """A title too long for the screens is refused by the loader; the 广告法 and glyph checks still run on
    the words as typed, so the editor sees all three problems in one try rather than one per save."""
    item_id = next(i.id for i in world.library.items if i.headline == i.title and "wechat" in i.channels)
    by_field = _rejected(world, item_id, title="全国最好的质量月活动，第一名🎉")
    title = by_field["title"]
    assert any("电子屏放不下" in m for m in title), by_field  # the loader's
    assert any("最好" in m and "绝对化用语" in m for m in title), by_field  # the platform rules'
    assert any("🎉" in m for m in title), by_field  # the glyph check's


def test_problems_are_reported_per_field_and_nothing_is_written(world: World) -> None:
    item_id = world.item_with("wechat")
    by_field = _rejected(world, item_id, title="全市最好的质量月活动", summary="太短了")
    assert any("最好" in m and "绝对化用语" in m for m in by_field["title"])
    assert any("摘要只有 3 字" in m for m in by_field["summary"])
    by_field = _rejected(world, item_id, title="这是一个非常非常非常非常非常长的标题超过二十个字")
    assert any("超过 20 字" in m for m in by_field["title"])
    by_field = _rejected(world, item_id, body="")
    assert any("没有正文" in m for m in by_field["body"])
    by_field = _rejected(world, item_id, title="")
    assert by_field["title"] == ["标题不能为空"]
    by_field = _rejected(world, item_id, title="两行\n标题")
    assert by_field["title"] == ["标题只能写一行"]


def test_sensitive_words_of_the_config_are_checked_in_the_body(world: World) -> None:
    item_id = world.item_with("wechat")
    by_field = _rejected(world, item_id, body="这是内部资料。")
    assert any("敏感词" in m for m in by_field["body"])


def test_a_word_refused_in_the_title_names_every_place_it_appears_and_one_only_in_the_body_only_the_channel(world: World) -> None:
    channels = {}
    for p in world.plan.posts:
        channels.setdefault(p.item.id, set()).add(p.channel)
    item_id = next(i for i, used in channels.items() if used == {"weibo"} and not world.library.by_id[i].is_launch)
    title = _rejected(world, item_id, title="内部资料：质量月")["title"]
    assert any(m.startswith("微博、海报、传单、挂图：") and "内部资料" in m for m in title), title
    wechat = world.item_with("wechat")
    body = _rejected(world, wechat, body="这是内部资料。")["body"]
    assert body and not any("海报" in m for m in body), body  # the body is printed nowhere


def test_the_console_refuses_markup_next_to_its_field(world: World) -> None:
    item_id = world.item_with("wechat")
    body = item_path(world.library.by_id[item_id]).read_text(encoding="utf-8").split("---\n", 2)[2]
    by_field = _rejected(world, item_id, title="认准<b>CCC</b>标志", body=body + "\n第一行<br>第二行\n")
    assert any(m.startswith("标题里有 HTML 标记“<b>”等 2 处") for m in by_field["title"]), by_field
    assert any(m.startswith("正文里有 HTML 标记“<br>”") for m in by_field["body"]), by_field


def test_a_file_changed_since_the_form_was_opened_is_not_overwritten(world: World) -> None:
    item_id = world.item_with("wechat")
    form = open_form(world.library, item_id)
    path = item_path(world.library.by_id[item_id])
    path.write_text(path.read_text(encoding="utf-8") + "\n另一人加的一段。\n", encoding="utf-8")
    changed = path.read_bytes()
    with pytest.raises(StaleEdit, match="被修改过"):
        save(world.campaign, world.library, world.plan, world.renderer, item_id, {"title": "新标题"}, form.digest)
    assert path.read_bytes() == changed


def test_crlf_file_keeps_its_line_endings_and_loads(world: World) -> None:
    item_id = world.item_with("wechat")
    path = item_path(world.library.by_id[item_id])
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    _save(world, item_id, title="换行符不变", body="开头一段\n\n另一段：a < b & c > d")
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    item = load_library(world.campaign.paths.content, world.campaign.text_values).by_id[item_id]
    assert (item.title, item.body) == ("换行符不变", "开头一段\n\n另一段：a < b & c > d")


def test_a_markdown_file_saved_with_a_bom_is_edited_and_keeps_it(world: World) -> None:
    item_id = world.item_with("wechat")
    path = item_path(world.library.by_id[item_id])
    assert path.suffix == ".md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # as Windows Notepad saves UTF-8
    library = load_library(world.campaign.paths.content, world.campaign.text_values)
    form = open_form(library, item_id)
    assert form.values["title"] == library.by_id[item_id].title
    save(world.campaign, library, world.plan, world.renderer, item_id, {"title": "文件头不变", "body": "新的正文"}, form.digest)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf---") and raw.count(b"\xef\xbb\xbf") == 1
    item = load_library(world.campaign.paths.content, world.campaign.text_values).by_id[item_id]
    assert (item.title, item.body) == ("文件头不变", "新的正文")


def test_unchanged_values_write_nothing(world: World) -> None:
    item_id = world.item_with("wechat")
    form = open_form(world.library, item_id)
    path = item_path(world.library.by_id[item_id])
    mtime = path.stat().st_mtime_ns
    saved = save(world.campaign, world.library, world.plan, world.renderer, item_id, form.values, form.digest)
    assert saved.changed == ()
    assert path.stat().st_mtime_ns == mtime


def test_the_line_printed_on_posters_and_screens_is_edited_alone_and_checked_as_qm_check_does(world: World) -> None:
    """一句话 (`line`): too long, blank, an absolute term or two lines are refused next to it; a good one changes
    only that value's text in the file, and the posts go back to review."""
    item_id = next(p.item.id for p in world.plan.posts if p.channel.startswith("screen") and not p.item.is_launch)
    path = item_path(world.library.by_id[item_id])
    old_text, old_line = path.read_text(encoding="utf-8"), world.library.by_id[item_id].line
    assert old_line and old_line in old_text
    too_long = _rejected(world, item_id, line="一" * 21)
    assert any("超过 20 字（现为 21 字）" in m for m in too_long["line"]), too_long
    assert _rejected(world, item_id, line="")["line"] == ["一句话不能为空"]
    assert any("最好" in m for m in _rejected(world, item_id, line="放心消费选最好的商品")["line"])
    assert "一句话只能写一行" in _rejected(world, item_id, line="第一行\n第二行")["line"]

    saved = _save(world, item_id, line="认准标志，放心消费")
    assert saved.changed == ("line",) and saved.what == "修改了一句话"
    assert path.read_text(encoding="utf-8") == old_text.replace(old_line, "认准标志，放心消费", 1)
    library, _, result = refresh(world.queue, world.campaign, world.renderer, saved, "王编辑（web）", NOW)
    assert library.by_id[item_id].line == "认准标志，放心消费" and result.changed


def test_a_title_qm_check_rejects_is_refused_even_where_no_post_shows_it(world: World) -> None:
    """An item no channel publishes now (or a screen showing its own headline) still prints its title on posters,
    print sheets and wall charts: `qm check` rejects an absolute term there, and so does the form, with its words."""
    planned = {p.item.id for p in world.plan.posts}
    unplanned = next(i.id for i in world.library.items if i.id not in planned and not i.is_slogan)
    by_field = _rejected(world, unplanned, title="最好的电暖器怎么选")
    assert by_field == {"title": ["标题含有广告法禁用的绝对化用语“最好”（海报、传单和挂图都会印出这段文字：请修改这条内容）"]}, by_field
    on_screens = {p.item.id for p in world.plan.posts if not p.channel.startswith("screen")}
    screen_only = next(i for i in world.library.items if i.id in planned - on_screens and i.headline != i.title and not i.is_slogan)
    by_field = _rejected(world, screen_only.id, title="最好的" + screen_only.title[:8])
    assert by_field == {"title": ["标题含有广告法禁用的绝对化用语“最好”（海报、传单和挂图都会印出这段文字：请修改这条内容）"]}, by_field
    by_field = _rejected(world, unplanned, line="放心消费选最好的")  # named as the form names it, not as the file does
    assert by_field == {"line": ["一句话含有广告法禁用的绝对化用语“最好”（海报、传单和挂图都会印出这段文字：请修改这条内容）"]}, by_field


def test_an_empty_field_is_told_with_every_other_problem_of_the_edit_at_once(world: World) -> None:
    """The trial's edit: an empty summary used to hide the banned words of the title and body until the next save."""
    item_id = world.item_with("wechat")
    body = open_form(world.library, item_id).values["body"]
    by_field = _rejected(world, item_id, title="国家级第一最佳品牌", summary="", body=body + "\n\n本市最佳。")
    assert "摘要不能为空" in by_field["summary"], by_field
    assert any("“国家级”" in m for m in by_field["title"]) and any("“最佳”" in m for m in by_field["title"]), by_field
    assert any("“最佳”" in m for m in by_field["body"]), by_field


def test_a_banned_word_in_the_title_and_again_in_the_body_is_told_under_both(world: World) -> None:
    item_id = world.item_with("wechat")
    body = open_form(world.library, item_id).values["body"]
    by_field = _rejected(world, item_id, title="国家级质量月活动", body=body + "\n\n本市第一家国家级最佳品牌。")
    assert any("“国家级”" in m for m in by_field["title"]), by_field
    said = [m for m in by_field["body"] if "绝对化用语" in m]
    assert all(any(f"“{w}”" in m for m in said) for w in ("国家级", "最佳", "第一")), by_field
    assert not any("微博" in m for m in said), by_field  # a Weibo post does not carry the body


def test_the_body_of_an_item_that_may_go_to_wechat_is_checked_though_no_wechat_post_is_planned(world: World) -> None:
    """The plan may put the item on WeChat later (a pin, another item dropped): its body would go out unchecked."""
    on_wechat = {p.item.id for p in world.plan.posts if p.channel == "wechat"}
    planned = {p.item.id for p in world.plan.posts}
    item = next(i for i in world.library.items if i.id in planned - on_wechat and i.allows("wechat") and i.body)
    by_field = _rejected(world, item.id, body=item.body + "\n\n本市第一家最佳检测机构。")
    assert any("“最佳”" in m and "可以发公众号" in m for m in by_field["body"]), by_field
