"""The console's pages as view models and rendered HTML (no browser): the 2016 example's month in a real queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from scheduler.cli.queue_diff import show_diff
from scheduler.inputs.campaign import ReviewConfig, Stage
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content_edit import apply
from scheduler.inputs.content_save import EditRejected, item_path, open_form, refresh, save
from scheduler.pages.diff import diff_lines
from scheduler.pages.media import played_on, plays_of
from scheduler.pages.site import Site
from scheduler.pages.status import status_view
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue, TransitionError
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts
from scheduler.views.daemon_status import NextJob, gather, job_names
from scheduler.web.accounts import User
from scheduler.web.app import Console

from .conftest import HEIHE
from .web_helpers import scripts_from_elsewhere

NOW = 1_472_700_000.0  # 2016-09-01 11:20 in Heihe, before the campaign's first post
SEPT = dt.date(2016, 9, 1)
LAUNCH = dt.date(2016, 9, 8)
XSS = "<script>alert(1)</script>"


def page(site: Site, template: str, values: dict[str, Any], role: str = "admin") -> str:
    """The page's HTML as the console's templates render it (the stage forms need a request: see test_web_pages)."""
    env = Console(site.campaign, site.queue.engine).templates
    said = {"card_note": "", "note_class": "", "done_post": "", **values}  # what an action's redirect adds (`pages.done_values`)
    return env.get_template(template).render(
        user=User("王科长", role, False, 0.0, 0.0), csrf="token-1", path="/", stages={}, bulk=[], **said
    )


@pytest.fixture
def site(project: Callable[..., Path]) -> Site:
    campaign = load_campaign(project(config=HEIHE))
    queue = Queue(open_db(campaign.db_url))
    s = Site(campaign, queue)
    fill(queue, campaign, s.plan, s.renderer, NOW)
    return s


def _force(site: Site, post_id: str, state: str, error: str = "") -> None:
    with site.queue.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == post_id).values(state=state, last_error=error))


def _cells(site: Site) -> dict[dt.date, Any]:
    month = site.month_values(SEPT, LAUNCH)["month"]
    return {cell.day: cell for week in month.weeks for cell in week}


def test_month_grid_has_whole_weeks_key_dates_and_each_channels_posts(site: Site) -> None:
    month = site.month_values(SEPT, LAUNCH)["month"]
    assert all(len(week) == 7 for week in month.weeks)
    assert month.weeks[0][0].day == dt.date(2016, 8, 29)  # Monday first
    cells = _cells(site)
    assert cells[LAUNCH].launch and "启动活动" in cells[LAUNCH].marks
    assert "各县区方案上报截止" in cells[site.campaign.key_dates.county_plans_due].marks
    day_posts = [p for p in site.plan.posts if p.at.date() == LAUNCH]
    assert cells[LAUNCH].total == len(day_posts)
    assert {row.channel for row in cells[LAUNCH].rows} == {p.channel for p in day_posts}
    assert not cells[dt.date(2016, 8, 31)].in_month
    assert month.previous is None
    assert month.problem_days == 0


def test_states_colour_the_dots_and_trouble_flags_the_day(site: Site) -> None:
    day_posts = [p.id for p in site.plan.posts if p.at.date() == dt.date(2016, 9, 12)]
    review.approve(site.queue, day_posts[0], "李科长", NOW)
    _force(site, day_posts[1], st.FAILED, "微博接口返回 20021：内容违规")
    cells = _cells(site)
    dots = {d.id: d.state for row in cells[dt.date(2016, 9, 12)].rows for d in row.dots}
    assert dots[day_posts[0]] == st.APPROVED and dots[day_posts[1]] == st.FAILED
    assert cells[dt.date(2016, 9, 12)].problems == 1
    month = site.month_values(SEPT, LAUNCH)
    assert month["month"].problem_days == 1
    html = page(site, "month.html", month)
    assert 'class="dot s-failed"' in html and 'class="dot s-approved"' in html
    assert "⚠ 1 天有问题" in html
    day = site.day_values(dt.date(2016, 9, 12))["page"]
    failed = next(p for p in day.posts if p.entry.id == day_posts[1])
    assert failed.can_retry and not failed.can_reject
    assert any("20021" in m for m in failed.problems)


def test_the_month_after_the_campaign_shows_the_summary_deadline(site: Site) -> None:
    due = site.campaign.key_dates.summary_due
    month = site.month_values(due.replace(day=1), LAUNCH)["month"]
    cell = next(c for week in month.weeks for c in week if c.day == due)
    assert "工作总结上报截止" in cell.marks
    assert month.previous is not None


def test_day_shows_each_post_as_it_will_appear_with_actions(site: Site) -> None:
    values = site.day_values(LAUNCH)
    day = values["page"]
    assert day.launch and len(day.posts) == len([p for p in site.plan.posts if p.at.date() == LAUNCH])
    html = page(site, "day.html", values)
    assert html.count('class="phone"') == sum(1 for p in day.posts if p.entry.channel == "wechat")
    assert "按微博计数" in html  # the Weibo card with its count
    assert "aspect-ratio:1920/1080" in html  # the screen slide at its aspect
    assert html.count('class="button" href="/edit/') == len(day.posts)  # each card's own action (the stage forms: test_web_pages)
    assert "http://" not in re.sub(r'href="https?://[^"]*"', "", html.split("<main>")[1]).replace("http://www.w3.org", "")


def test_an_edit_sends_approved_posts_back_to_review_and_the_day_shows_the_diff(site: Site) -> None:
    post = next(p for p in site.plan.posts if p.at.date() == dt.date(2016, 9, 14) and p.channel == "wechat")
    review.approve(site.queue, post.id, "李科长", NOW)
    form = open_form(site.library, post.item.id)
    saved = save(site.campaign, site.library, site.plan, site.renderer, post.item.id, {"title": "改过的标题"}, form.digest)
    refresh(site.queue, site.campaign, site.renderer, saved, "王编辑（web）", NOW + 60)
    site.reload()
    day = site.day_values(dt.date(2016, 9, 14))
    shown = next(p for p in day["page"].posts if p.entry.id == post.id)
    assert shown.entry.state == st.PLANNED
    assert ("del", f"标题：{post.item.title}") in [(d.op, d.text) for d in shown.diff]
    assert ("add", "标题：改过的标题") in [(d.op, d.text) for d in shown.diff]
    assert (f"标题：{post.item.title}", "标题：改过的标题") in [(a.text, b.text) for a, b in shown.sides if a and b]  # side by side
    file = post.item.source.rsplit(":", 1)[0].rsplit("/", 1)[-1]
    assert shown.change == f"王编辑（web）修改了标题（《改过的标题》）：标题由“{post.item.title}”改为“改过的标题”"  # who and what, no file
    html = page(site, "day.html", day)
    assert "审核后修改了什么" in html and "改过的标题" in html and f"回到待审核：{shown.change}" in html
    assert any(s.who == "王编辑（web）" and s.why.startswith("修改了标题（《改过的标题》）") and file not in s.why for s in shown.steps)


def test_a_post_put_in_the_queue_says_so_once_in_its_history(site: Site) -> None:
    post = next(p for p in site.plan.posts if p.at.date() == dt.date(2016, 9, 14) and p.channel == "wechat")
    first = next(p for p in site.day_values(dt.date(2016, 9, 14))["page"].posts if p.entry.id == post.id).steps[0]
    assert (first.who, first.change, first.why) == ("排期", "加入队列（待审核）", "")
    html = page(site, "post.html", site.post_values(post.id) or {})
    assert "排期：加入队列（待审核）</li>" in html and "加入队列（待审核），加入队列" not in html


def test_a_script_in_content_is_text_on_every_page(site: Site) -> None:
    post = next(p for p in site.plan.posts if p.at.date() == LAUNCH and p.channel == "wechat")
    item = post.item
    path = item_path(item)
    text = path.read_text(encoding="utf-8")
    summary = f"{XSS}这段摘要里有一个脚本标签，页面上必须显示为文字，不能运行；工作人员看到的就是这段原文。"
    path.write_text(apply(text, path.suffix, item.id, {"summary": summary, "body": f"正文开头 {XSS}\n\n**加粗** {XSS}"}), encoding="utf-8")
    site.reload()
    fill(site.queue, site.campaign, site.plan, site.renderer, NOW)  # the queue holds what will be published
    weibo = next((p for p in site.plan.posts if p.item.id == item.id and p.channel == "weibo"), None)
    pages = {
        "day": page(site, "day.html", site.day_values(LAUNCH)),
        "post": page(site, "post.html", site.post_values(post.id) or {}),
        "edit": page(site, "edit.html", site.edit_values(site.edit_form(item.id))),
        "month": page(site, "month.html", site.month_values(SEPT, LAUNCH)),
    }
    if weibo is not None:
        pages["weibo"] = page(site, "post.html", site.post_values(weibo.id) or {})
    for name, html in pages.items():
        assert not scripts_from_elsewhere(html), name
    for name in ("day", "post", "edit"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[name], name


def test_edit_page_puts_messages_next_to_their_fields(site: Site) -> None:
    item = site.plan.posts[3].item
    form = site.edit_form(item.id)
    values = site.edit_values(form, {"title": "太长" * 11}, {"title": ["标题超过 20 字（现为 22 字）"], "": ["文件写法特殊"]})
    html = page(site, "edit.html", values)
    title_field = html.split('<label for="f-title">')[1].split('<div class="field')[0]
    assert "标题超过 20 字（现为 22 字）" in title_field and 'aria-invalid="true"' in title_field
    assert "太长" * 11 in title_field
    assert "文件写法特殊" in html.split('<form method="post" action="/edit/')[0]
    assert f'name="digest" value="{form.digest}"' in html


def test_the_loaders_messages_name_the_fields_as_the_form_does(site: Site) -> None:
    """The content loader names a field by its file key (`加一个 headline`); the form says 电子屏标题."""
    item = next(i for i in site.library.items if i.headline == i.title and "wechat" in i.channels)
    form = site.edit_form(item.id)
    fields = {}
    for typed in ({"title": "一个超过十二个字的电子屏放不下的标题"}, {"headline": "十四个字的电子屏标题写得太长了"}):
        with pytest.raises(EditRejected) as refused:
            save(site.campaign, site.library, site.plan, site.renderer, item.id, typed, form.digest)
        html = page(site, "edit.html", site.edit_values(form, typed, refused.value.by_field))
        name = next(iter(typed))
        fields[name] = html.split(f'<label for="f-{name}">')[1].split('<div class="field')[0]
    assert "电子屏放不下" in fields["title"] and "加一个电子屏标题（≤12 字）" in fields["title"]
    assert "电子屏标题超过 12 字（现为 15 字）" in fields["headline"]
    messages = [m for text in fields.values() for m in re.findall(r'<p class="msg" role="alert">(.*?)</p>', text)]
    assert messages and not any(re.search(r"title|summary|headline|body|短标题", m) for m in messages), messages


def test_the_forms_messages_say_each_thing_once(site: Site) -> None:
    """The page names the item: its messages do not repeat `内容 <id> 的` before every field, and a problem
    found on several channels is one message naming them all."""
    item = next(i for i in site.library.items if {"wechat", "weibo"} <= set(i.channels) and i.body)
    form = site.edit_form(item.id)
    typed = {"title": "全市最好的质量月活动，一起来看看吧🎉啊啊啊", "body": ""}
    with pytest.raises(EditRejected) as refused:
        save(site.campaign, site.library, site.plan, site.renderer, item.id, typed, form.digest)
    html = page(site, "edit.html", site.edit_values(form, typed, refused.value.by_field))
    shown = {
        name: re.findall(r'<p class="msg" role="alert">(.*?)</p>', html.split(f'<label for="f-{name}">')[1].split('<div class="field')[0])
        for name in typed
    }
    assert any(m.startswith("标题超过 20 字（现为 21 字）") for m in shown["title"]), shown
    assert any(m.startswith("标题中有海报字体没有的字：🎉") for m in shown["title"]), shown
    assert any(m.startswith("这条内容可以发公众号但没有正文") for m in shown["body"]), shown
    (best,) = [m for m in shown["title"] if "最好" in m]  # once, naming every channel it is wrong on
    channels, said = best.split("：", 1)
    assert {"微信公众号", "微博"} <= set(channels.split("、")) and said == "含有广告法禁用的绝对化用语“最好”", best
    assert not any(item.id in m for ms in shown.values() for m in ms), shown


def test_a_post_going_out_locks_the_edit_form(site: Site) -> None:
    post = site.plan.posts[3]
    _force(site, post.id, st.PUBLISHING)
    page_ = site.edit_values(site.edit_form(post.item.id))["page"]
    assert page_.locked == (post.id,) and not page_.editable
    html = page(site, "edit.html", site.edit_values(site.edit_form(post.item.id)))
    assert "正在发布" in html and "disabled" in html
    day = site.day_values(post.at.date())["page"]
    assert not next(p for p in day.posts if p.entry.id == post.id).can_edit


def test_status_page_shows_pauses_failures_and_admin_controls(site: Site) -> None:
    review.pause(site.queue, "weibo", "王科长", "账号维护", NOW)
    post = site.plan.posts[0]
    _force(site, post.id, st.FAILED, "公众号接口返回 45009：调用次数超限")
    values = site.status_values(NOW + 5)
    assert values["page"].pauses[0].what == "微博" and values["page"].pauses[0].reason == "账号维护"
    assert values["page"].pauses[0].since == "09-01 11:20"  # the campaign's year goes without saying
    review.pause(site.queue, "wechat", "王科长", "换管理员", NOW + 366 * 86400)  # a year on: the year is written
    assert next(p for p in site.status_values(NOW + 5)["page"].pauses if p.channel == "wechat").since == "2017-09-02 11:20"
    assert not values["page"].alive and "从未启动" in values["page"].daemon
    admin = page(site, "status.html", values)
    assert 'action="/status/resume"' in admin and 'action="/status/pause"' in admin
    assert "45009" in admin and f'href="/post/{post.id}"' in admin
    editor = page(site, "status.html", values, role="editor")
    assert 'action="/status/pause"' not in editor and 'action="/status/resume"' not in editor


def test_posters_gallery_shows_drawn_posters_with_sizes(site: Site) -> None:
    post = next(p for p in site.plan.posts if p.channel == "wechat")
    rendered = site.renderer.render(post)
    cover = next(i for i in rendered.images if i.size == "wechat-cover")
    target = site.campaign.paths.posters / cover.item / f"{cover.layout}-{cover.size}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (900, 383), "red").save(target)
    values = site.posters_values(SEPT, SEPT)
    card = next(c for c in values["cards"] if c.item == cover.item and c.size == "公众号封面")
    assert card.pixels == "900×383" and card.kilobytes >= 1
    assert post.id in card.used_by
    html = page(site, "posters.html", values)
    assert f'src="/posters/file/{cover.item}/{cover.layout}-{cover.size}.png"' in html
    assert "尚未生成" in html  # the others
    assert site.poster_path(f"{cover.item}/{cover.layout}-{cover.size}.png") == target.resolve()
    for bad in ("../config.yaml", f"{cover.item}/../../config.yaml", ".hidden.png", ""):
        assert site.poster_path(bad) is None


def test_screens_played_today_from_proof_of_play() -> None:
    def line(at: str, n: int, **more: Any) -> str:
        return json.dumps(
            {
                "screen": "center",
                "version": "v1",
                "order": n,
                "file": f"slides/0{n}.png",
                "item": f"i{n}",
                "post": f"p{n}",
                "shown_at": at,
                **more,
            }
        )

    lines = [
        line("2016-09-08T07:00:00+08:00", 1, player="10.0.0.5"),
        line("2016-09-08T07:00:10+08:00", 2, player="10.0.0.5"),
        "not json",
        json.dumps({"shown_at": "yesterday"}),
        line("2016-09-08T07:00:20+08:00", 1, player="10.0.0.5"),
        line("2016-09-07T21:00:00+08:00", 1),
    ]
    day = played_on("center", "市中心户外大屏", "1920×1080", plays_of(lines), LAUNCH)
    assert day.plays == 3 and day.last == "07:00:20" and day.players == ("10.0.0.5",)
    first = day.slides[0]
    assert (first.file, first.item, first.post, first.count, first.first, first.last) == ("01.png", "i1", "p1", 2, "07:00:00", "07:00:20")
    assert played_on("center", "", "", [], LAUNCH).plays == 0


def test_screens_page_reads_each_screens_log(site: Site) -> None:
    folder = site.campaign.paths.state / "proof-of-play"
    folder.mkdir(parents=True)
    shown = {
        "screen": "center",
        "version": "v1",
        "order": 1,
        "file": "slides/01-x.png",
        "item": XSS,
        "post": "p1",
        "shown_at": "2016-09-08T08:00:00+08:00",
    }
    (folder / "center.jsonl").write_text(json.dumps(shown) + "\n", encoding="utf-8")
    html = page(site, "screens.html", site.screens_values(LAUNCH, site.campaign.at(LAUNCH, dt.time(9, 0))))
    assert "今天共播放 1 次" in html and not scripts_from_elsewhere(html) and "&lt;script&gt;" in html


def test_diff_marks_what_changed_inside_a_line_and_leaves_out_far_context() -> None:
    old = ["标题：买盐认准定点标识", "摘要：欢迎市民到现场", *[f"第{i}段" for i in range(6)]]
    new = ["标题：买盐认准定点标识", "摘要：诚邀市民到现场", *[f"第{i}段" for i in range(6)]]
    lines = diff_lines(old, new)
    assert [(d.op, d.text) for d in lines] == [
        ("same", "标题：买盐认准定点标识"),
        ("del", "摘要：欢迎市民到现场"),
        ("add", "摘要：诚邀市民到现场"),
        ("same", "第0段"),
        ("gap", "……"),
    ]
    assert lines[1].runs == ((False, "摘要："), (True, "欢迎"), (False, "市民到现场"))
    assert lines[2].runs == ((False, "摘要："), (True, "诚邀"), (False, "市民到现场"))
    rewritten = diff_lines(["全部重写之前"], ["完全不同的一句话"])
    assert all(not changed for d in rewritten for changed, _ in d.runs)  # no marks when the whole line changed
    assert diff_lines(old, old) == []


def test_a_library_broken_on_disk_keeps_the_last_one_and_says_why(site: Site) -> None:
    item = site.plan.posts[0].item
    path = item_path(item)
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace(f"title: {item.title}", "title: [没有闭合的方括号"), encoding="utf-8")
    site.ensure_fresh()
    assert site.library.by_id[item.id].title == item.title  # the pages go on with what they had
    assert "内容库现在有问题" in site.problem and path.name in site.problem
    path.write_text(good.replace(f"title: {item.title}", "title: 修好了的标题"), encoding="utf-8")
    site.ensure_fresh()
    assert site.problem == "" and site.library.by_id[item.id].title == "修好了的标题"


def test_the_diff_after_a_rejection_starts_from_the_last_approval_in_the_audit(site: Site) -> None:
    stages = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))
    # a Weibo post whose title still fits every limit with "（修订）" added (12 characters without a headline)
    post = next(p for p in site.plan.posts if p.at.date() >= dt.date(2016, 9, 15) and p.channel == "weibo" and len(p.item.title) <= 8)
    review.pass_stage(site.queue, post.id, "王编辑", NOW, stages)
    review.pass_stage(site.queue, post.id, "李科长", NOW, stages)
    approved = site.queue.get(post.id)
    assert approved is not None and approved.state == st.APPROVED
    review.reject(site.queue, post.id, "张主任", "摘要要改", NOW, stages, role="admin")
    form = open_form(site.library, post.item.id)
    saved = save(site.campaign, site.library, site.plan, site.renderer, post.item.id, {"title": post.item.title + "（修订）"}, form.digest)
    refresh(site.queue, site.campaign, site.renderer, saved, "王编辑（web）", NOW + 60)
    site.reload()
    shown = next(p for p in site.day_values(post.at.date())["page"].posts if p.entry.id == post.id)
    assert shown.approved_version == approved.version
    assert any(d.op == "add" and "（修订）" in d.text for d in shown.diff)


def test_a_post_fixed_after_its_rejection_shows_the_rejection_and_what_changed_since_until_approved(site: Site) -> None:
    """Rejected at 初审 before any stage passed, then fixed: each reviewer sees who rejected it, why, and the
    diff against the rejected words (the 终审 reviewer too, after 初审 passed the fix); approved, that is gone."""
    stages = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))
    site.campaign = dataclasses.replace(site.campaign, review=stages)
    post = next(p for p in site.plan.posts if p.at.date() >= dt.date(2016, 9, 15) and p.channel == "weibo" and len(p.item.title) <= 8)
    rejected = site.queue.get(post.id)
    assert rejected is not None
    review.reject(site.queue, post.id, "王编辑（web）", "标题有错字", NOW, stages)
    form = open_form(site.library, post.item.id)
    saved = save(site.campaign, site.library, site.plan, site.renderer, post.item.id, {"title": post.item.title + "（修订）"}, form.digest)
    refresh(site.queue, site.campaign, site.renderer, saved, "王编辑（web）", NOW + 60)
    site.reload()

    def shown() -> tuple[Any, str]:
        day = site.day_values(post.at.date())
        return next(p for p in day["page"].posts if p.entry.id == post.id), page(site, "day.html", day)

    at = f"{dt.datetime.fromtimestamp(NOW, site.campaign.timezone):%m-%d %H:%M}"
    for who in ("王编辑", "李科长"):  # before 初审 passes the fix, and after, for 终审
        card, html = shown()
        assert card.rejected == f"曾被退回（初审，王编辑（web），{at}）：标题有错字"
        assert card.approved_version == rejected.version and any(d.op == "add" and "（修订）" in d.text for d in card.diff)
        assert "退回后修改了什么（与被退回时的文字相比）" in html and "<th>被退回时</th>" in html
        assert f"曾被退回（初审，王编辑（web），{at}）：标题有错字" in html
        review.pass_stage(site.queue, post.id, who, NOW + 120, stages)
    card, html = shown()
    assert card.entry.state == st.APPROVED and not card.rejected and "曾被退回" not in html


def test_with_one_review_stage_a_reason_holding_a_stage_like_word_is_read_whole_everywhere(site: Site) -> None:
    """With one stage the history keeps the bare reason: one that says “…退回：…” itself is not split as if it named a
    stage, neither on the edit form, nor on the day page after the fix, nor in the refusal to approve it unchanged."""
    site.campaign = dataclasses.replace(site.campaign, review=ReviewConfig())
    post = next(p for p in site.plan.posts if p.at.date() >= dt.date(2016, 9, 15) and p.channel == "weibo" and len(p.item.title) <= 8)
    reason = "请把这条退回：日期写错了"
    review.reject(site.queue, post.id, "王编辑（web）", reason, NOW, site.campaign.review)
    with pytest.raises(TransitionError) as refused:
        review.pass_stage(site.queue, post.id, "李科长", NOW + 30, site.campaign.review)
    assert f"由王编辑（web）退回（{reason}）" in str(refused.value), refused.value
    form = open_form(site.library, post.item.id)
    [said] = site.edit_values(form)["page"].rejections
    assert (said.stage, said.reason) == ("退回", reason)
    saved = save(site.campaign, site.library, site.plan, site.renderer, post.item.id, {"title": post.item.title + "（修订）"}, form.digest)
    refresh(site.queue, site.campaign, site.renderer, saved, "王编辑（web）", NOW + 60)
    site.reload()
    card = next(p for p in site.day_values(post.at.date())["page"].posts if p.entry.id == post.id)
    at = f"{dt.datetime.fromtimestamp(NOW, site.campaign.timezone):%m-%d %H:%M}"
    assert card.rejected == f"曾被退回（王编辑（web），{at}）：{reason}"


def test_after_an_edit_the_final_stage_sees_what_changed_since_the_first_stage_passed(site: Site) -> None:
    stages = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))
    site.campaign = dataclasses.replace(site.campaign, review=stages)
    post = next(p for p in site.plan.posts if p.at.date() >= dt.date(2016, 9, 15) and p.channel == "weibo" and len(p.item.title) <= 8)
    review.pass_stage(site.queue, post.id, "王编辑", NOW, stages)
    passed = site.queue.get(post.id)
    assert passed is not None and passed.state == st.PLANNED and not passed.approved_version
    form = open_form(site.library, post.item.id)
    saved = save(site.campaign, site.library, site.plan, site.renderer, post.item.id, {"title": post.item.title + "（修订）"}, form.digest)
    refresh(site.queue, site.campaign, site.renderer, saved, "王编辑（web）", NOW + 60)
    site.reload()
    now = site.queue.get(post.id)
    assert now is not None and now.version != passed.version
    review.pass_stage(site.queue, post.id, "王编辑", NOW + 120, stages)  # the new words pass the first stage again
    day = site.day_values(post.at.date())
    shown = next(p for p in day["page"].posts if p.entry.id == post.id)
    assert (shown.approved_version, shown.approved_stage) == (passed.version, "初审")
    assert any(d.op == "add" and "（修订）" in d.text for d in shown.diff)
    html = page(site, "day.html", day)
    at = dt.datetime.fromtimestamp(NOW, site.campaign.timezone).strftime("%m-%d %H:%M")  # who and when, not a version code
    assert f"初审通过后修改了什么（与王编辑 {at} 初审通过时的文字相比）" in html and "<th>初审通过时</th>" in html
    said = show_diff(site.queue, post.id)
    assert "没有可比较的旧版本" not in said
    assert "左：初审通过的文字；右：现在的文字" in said and "（修订）" in said and passed.version not in said


def test_status_next_jobs_name_reminders_show_years_when_one_is_of_another_and_say_when_overdue(site: Site) -> None:
    reminder = site.plan.reminders[0]
    tz = site.campaign.timezone
    late = dt.datetime(2016, 9, 1, 8, 30, tzinfo=tz).timestamp()  # before NOW (11:20), the daemon never started
    next_year = dt.datetime(2017, 3, 2, 2, 0, tzinfo=tz).timestamp()
    jobs = [NextJob("backup", next_year), NextJob(f"reminder:{reminder.id}", reminder.at.timestamp()), NextJob("refresh", late)]
    status = dataclasses.replace(gather(site.queue.engine, NOW), next_jobs=jobs)
    shown = status_view(status, tz, [], job_names(site.campaign, site.plan.reminders), 2016).next_jobs
    assert [(at, overdue) for at, _, overdue in shown] == [
        ("2016-09-01 08:30", True),  # one job of another year: all are written with their year
        (f"{reminder.at:%Y-%m-%d %H:%M}", False),
        ("2017-03-02 02:00", False),
    ]
    in_year = status_view(dataclasses.replace(status, next_jobs=jobs[1:]), tz, [], {}, 2016).next_jobs
    assert [at for at, _, _ in in_year] == ["09-01 08:30", f"{reminder.at:%m-%d %H:%M}"]
    assert shown[1][1] == f"提醒：{reminder.message.removeprefix('【提醒】')}" and reminder.id not in shown[1][1]
    assert reminder.message.startswith("【提醒】")  # said once: not 提醒：【提醒】
    html = page(
        site, "status.html", dict(site.status_values(NOW), page=dataclasses.replace(site.status_values(NOW)["page"], next_jobs=shown))
    )
    assert html.count("已过时间，后台服务未运行") == 1
