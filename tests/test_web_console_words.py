"""The console speaks to editors in their words: layouts by their Chinese names, advice without config.yaml keys or
YAML lists (the real application on loopback, 2016 example in a tmp copy)."""

from __future__ import annotations

import html
import re

import httpx

from scheduler.inputs.content import load_library
from scheduler.planning.planner import make_plan
from tests.test_web_edit_after import running
from tests.web_helpers import Running, csrf_of, http_login

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
