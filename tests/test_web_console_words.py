"""The console speaks to editors in their words: layouts by their Chinese names, advice without config.yaml keys or
YAML lists (the real application on loopback, 2016 example in a tmp copy)."""

from __future__ import annotations

import html
import re

import httpx

from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from scheduler.publishing import review
from tests.test_web_edit_after import running
from tests.web_helpers import BEFORE, Running, csrf_of, http_login

__all__ = ["running"]  # the fixture


def test_the_posters_page_names_each_layout_by_its_chinese_name_only(running: Running) -> None:
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "王编辑")
        page = c.get("/posters/2016-09").text
    layouts = re.findall(r'<span class="layout muted">([^<]*)</span>', page)
    assert layouts and "知识卡片" in layouts, layouts
    assert not [name for name in layouts if re.search(r"[a-z]", name)], layouts  # no knowledge-card, screen-slide


def test_the_edit_form_says_what_to_do_without_config_keys_or_yaml_lists(running: Running) -> None:
    campaign = running.console.campaign
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    item = next(p.item for p in plan.posts if p.channel == "wechat" and not p.item.is_launch)
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "王编辑")
        form = c.get(f"/edit/{item.id}").text
        digest = form.split('name="digest" value="')[1].split('"')[0]
        fields = {"csrf": csrf_of(form), "digest": digest, "title": "一看二查，辨别真假😀", "body": ""}
        page = html.unescape(c.post(f"/edit/{item.id}", data=fields).text)
    said = " ".join(re.findall(r'<p class="msg" role="alert">([^<]*)</p>', page))
    assert "没有正文" in said and "请管理内容库的同事把这条内容设为不发公众号" in said, said
    assert "😀" in said and "请管理活动配置的同事换一个包含它们的海报字体" in said, said
    assert "config.yaml" not in said and "channels" not in said and "[" not in said, said


def _save(c: httpx.Client, item_id: str, **fields: str) -> httpx.Response:
    """The edit form of `item_id` sent with `fields` changed (the rest as the form shows them)."""
    form = c.get(f"/edit/{item_id}").text
    sent = {"csrf": csrf_of(form), "digest": form.split('name="digest" value="')[1].split('"')[0]}
    for name, value in re.findall(r'<(?:input|textarea) id="f-\w+" name="(\w+)"(?: value="([^"]*)")?', form):
        sent[name] = html.unescape(value)
    for name in ("body", "summary"):  # textareas: their text is between the tags
        if m := re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', form):
            sent[name] = html.unescape(m.group(1))
    return c.post(f"/edit/{item_id}", data={**sent, **fields})


def test_a_post_sent_back_by_an_edit_of_its_poster_line_says_who_changed_it_from_what_to_what(running: Running) -> None:
    """The line is printed on the post's poster, not in its text: the reviewer is told who changed which field, and
    the words before and after, instead of the content file's path."""
    campaign = running.console.campaign
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    post = next(p for p in plan.posts if p.channel == "wechat" and p.item.line and not p.item.is_launch)
    review.approve(running.queue, post.id, "李科长", BEFORE.timestamp())
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "王编辑")
        assert "done=saved" in _save(c, post.item.id, line="辨清商标标记再购买").headers["location"]
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "李科长")
        day = html.unescape(c.get(f"/day/{post.at.date().isoformat()}").text)
    card = day.split(f'id="post-{post.id}"', 1)[1].split("</article>", 1)[0]
    said = re.search(r'<p class="change">([^<]*)</p>', card)
    assert said, card
    assert said.group(1) == (
        f"回到待审核：王编辑（web）修改了一句话（《{post.item.title}》）：一句话由“{post.item.line}”改为“辨清商标标记再购买”"
    ), said.group(1)
    assert ".md" not in said.group(1) and ".yaml" not in said.group(1)


def test_a_reviewer_reads_times_and_names_where_version_codes_were_and_no_commands(running: Running) -> None:
    """After an approval and an edit of the title: the diff says whose approval it compares with and when, the history
    names no version codes, an untried post shows no count of tries, and a poster not drawn yet says who draws it."""
    campaign = running.console.campaign
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    post = next(p for p in plan.posts if p.channel == "wechat" and not p.item.is_launch)
    review.approve(running.queue, post.id, "李科长", BEFORE.timestamp())
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "王编辑")
        body = html.unescape(c.get(f"/edit/{post.item.id}").text)
        assert "Markdown" not in body and "一行以 ### 开头是小标题" in body
        _save(c, post.item.id, title="质量月里说质量")
        refused = c.post("/status/pause", data={"csrf": csrf_of(c.get("/status").text), "channel": "weibo", "reason": "维护"})
        said = html.unescape(c.get(refused.headers["location"]).text)  # an action for admins only: the page says who may
        assert "这个操作只有管理员能用，你的账号是编辑，操作没有执行。需要时请管理员来做" in said
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "李科长")
        day = html.unescape(c.get(f"/day/{post.at.date().isoformat()}").text)
        own = html.unescape(c.get(f"/post/{post.id}").text)
    card = day.split(f'id="post-{post.id}"', 1)[1].split("</article>", 1)[0]
    assert "审核后修改了什么（与李科长 09-01 06:00 审核通过时的文字相比）" in card, card
    shown = re.sub(r"<[^>]*>", "", card)  # the words on the card, not the form's hidden fields
    assert "版本" not in shown and not re.search(r"[0-9a-f]{12}", shown), shown
    assert "尝试次数" not in own and "发布尝试" not in own  # never tried: nothing to count
    assert "data:image/png;base64," in day  # undrawn posters: pictures saying who draws them (test_chinese_choices)


def test_a_pause_is_told_by_the_channels_chinese_name_and_until_when(running: Running) -> None:
    running.add_user("张主任", "admin")
    with httpx.Client(base_url=running.url, timeout=60) as c:
        http_login(c, "张主任")
        done = c.post("/status/pause", data={"csrf": csrf_of(c.get("/status").text), "channel": "weibo", "reason": "全国哀悼日"})
        page = html.unescape(c.get(done.headers["location"]).text)
    assert "已暂停发布：微博。暂停一直有效，直到管理员在本页按“恢复”" in page
    assert "已暂停发布：微博，原因：全国哀悼日，张主任（web） 于 " in page
    assert "weibo，" not in page and "渠道 weibo" not in page
