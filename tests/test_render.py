from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import Library, load_library
from scheduler.planning.planner import Plan, PlannedPost, make_plan
from scheduler.rendering.payloads import Renderer
from scheduler.rendering.text_measures import URL_RE, has_weibo_topic, weibo_length
from scheduler.support.errors import TemplateError
from scheduler.support.values import IMAGE_SCHEME

from .conftest import HEIHE


def first(plan: Plan, channel: str) -> PlannedPost:
    return next(p for p in plan.posts if p.channel == channel and not p.item.is_launch)


def test_wechat_article_has_inline_styles_only(heihe: Campaign, heihe_plan: Plan) -> None:
    rendered = Renderer(heihe).render(first(heihe_plan, "wechat"))
    html = rendered.payload["content"]
    assert "<style" not in html and "class=" not in html and " id=" not in html
    assert 'style="' in html
    assert "<html" not in html and "<body" not in html  # a fragment, as draft/add wants
    assert re.search(r"<h3 style=\"[^\"]*color: ?#C8102E", html, re.I)  # brand colour reached the heading


def test_wechat_article_fields_and_footer(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "wechat")
    rendered = Renderer(heihe).render(post)
    p = rendered.payload
    assert p["title"] == post.item.title
    assert p["author"] == "黑河市市场监管局"
    assert p["digest"] == post.item.summary and len(p["digest"]) <= 128
    assert heihe.organizer in p["content"] and "12365" in p["content"]
    assert p["cover"] == f"{IMAGE_SCHEME}{post.item.id}/cover"
    refs = set(re.findall(r'src="([^"]+)"', p["content"]))
    assert refs and all(r.startswith(IMAGE_SCHEME) for r in refs)  # placeholders, replaced at upload
    assert refs <= {img.ref for img in rendered.images}


def test_html_is_autoescaped(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "wechat")
    evil = dataclasses.replace(post.item, title="<script>alert(1)</script>", summary="a & b <b>", body="正文 <img src=x onerror=1>")
    rendered = Renderer(heihe).render(dataclasses.replace(post, item=evil))
    html = rendered.payload["content"]
    tags = _tags(html)
    assert "script" not in {t for t, _ in tags} and "b" not in {t for t, _ in tags}
    assert [a for t, a in tags if t == "img"] == [
        {"src": f"{IMAGE_SCHEME}{post.item.id}/card", "alt": evil.alt, "style": a["style"]} for t, a in tags if t == "img"
    ]
    assert evil.alt.startswith(evil.title)  # alt text: the title and the summary's first sentence
    assert "&lt;img src=x" in html and "a &amp; b &lt;b&gt;" in html
    assert "<script" not in html  # not even inside the alt attribute


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_markdown_body_becomes_headings_lists_and_bold(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "wechat")
    item = dataclasses.replace(post.item, body="### 怎么买\n\n- 看**标志**\n- 看日期\n\n1. 第一步\n2. 第二步\n\n最后一段。")
    html = Renderer(heihe).render(dataclasses.replace(post, item=item)).payload["content"]
    assert re.search(r"<h3[^>]*>怎么买</h3>", html)
    assert re.search(r"<ul[^>]*>\s*<li[^>]*>看<strong[^>]*>标志</strong></li>", html)
    assert re.search(r"<ol[^>]*>\s*<li[^>]*>第一步</li>", html)


def test_every_weibo_post_fits_and_has_a_link(heihe: Campaign, heihe_plan: Plan) -> None:
    renderer = Renderer(heihe)
    for post in heihe_plan.posts:
        if post.channel != "weibo":
            continue
        text = renderer.render(post).payload["text"]
        assert weibo_length(text) <= 140, (post.id, text)
        assert URL_RE.search(text) and "example.gov.cn" in text


def test_weibo_topic_only_in_assisted_mode(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "weibo")
    assert heihe.weibo is not None and heihe.weibo.mode == "assisted"
    assisted = Renderer(heihe).render(post).payload
    assert has_weibo_topic(assisted["text"]) and assisted["length"] == weibo_length(assisted["text"])
    api = heihe.with_channels(dataclasses.replace(heihe.weibo, mode="api"))
    assert not has_weibo_topic(Renderer(api).render(post).payload["text"])


def test_screen_slide_is_headline_and_one_line(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "screen:center")
    p = Renderer(heihe).render(post).payload
    assert (p["headline"], p["line"]) == (post.item.headline, post.item.line)
    assert p["size"] == "1920x1080" and "width:1920px" in p["html"] and post.item.line in p["html"]


def test_payload_version_tracks_content(heihe: Campaign, heihe_plan: Plan) -> None:
    post = first(heihe_plan, "weibo")
    renderer = Renderer(heihe)
    v1 = renderer.render(post).version
    assert renderer.render(post).version == v1
    changed = dataclasses.replace(post, item=dataclasses.replace(post.item, summary=post.item.summary + "补充。"))
    assert renderer.render(changed).version != v1


def _broken_templates(project: Callable[..., Path], name: str, text: str) -> Campaign:
    config = project(config=HEIHE)
    (config.parent / "templates" / name).write_text(text, encoding="utf-8")
    return load_campaign(config)


def test_template_syntax_error_names_template_and_line(project: Callable[..., Path]) -> None:
    campaign = _broken_templates(project, "weibo/post.txt.j2", "第一行\n第二行\n{% if item.title %}没有结束")
    problems = Renderer(campaign).check_templates()
    assert len(problems) == 1
    assert "weibo/post.txt.j2:3" in problems[0].where and "模板语法错误" in problems[0].message


def test_template_undefined_variable_names_template_and_line(project: Callable[..., Path]) -> None:
    campaign = _broken_templates(project, "weibo/post.txt.j2", "【{{ item.title }}】\n{{ item.no_such_field }}")
    library = load_library(campaign.paths.content, campaign.text_values)
    post = first(make_plan(campaign, library), "weibo")
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    where = info.value.problems[0].where
    assert where.endswith("weibo/post.txt.j2:2"), where
    assert post.id in info.value.problems[0].message


def test_missing_template_is_reported(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)
    (config.parent / "templates" / "screen" / "slide.html.j2").unlink()
    problems = Renderer(load_campaign(config)).check_templates()
    assert len(problems) == 1 and "模板文件不存在" in problems[0].message and "slide.html.j2" in problems[0].where


def test_every_planned_post_renders(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    renderer = Renderer(heihe)
    ids = [renderer.render(p).post_id for p in heihe_plan.posts]
    assert len(ids) == len(set(ids)) == len(heihe_plan.posts)


def test_screen_posts_name_the_picture_the_playlist_plays(heihe: Campaign, heihe_plan: Plan, library: Library) -> None:
    from scheduler.screens.playlist import make_playlist

    screen = heihe.screens[0]
    day = heihe.key_dates.launch
    posts = [p for p in heihe_plan.on(day) if p.channel == screen.name]
    rendered = {p.id: Renderer(heihe).render(p).images[0] for p in posts}
    assert {rendered[p.id].layout for p in posts if p.reason == "launch"} == {"launch"}
    for slide in make_playlist(heihe, screen, posts, library, day).slides:
        if slide.post_id:
            image = rendered[slide.post_id]
            assert (image.layout, image.size) == (slide.layout, f"{screen.width}x{screen.height}")


def test_a_launch_article_says_when_the_launch_event_is(heihe: Campaign, heihe_plan: Plan) -> None:
    launch = next(p for p in heihe_plan.posts if p.channel == "wechat" and p.item.is_launch)
    other = first(heihe_plan, "wechat")
    assert heihe.launch_label == "9月8日（星期四）09:00"
    assert "启动暨集中宣传活动：9月8日（星期四）09:00" in Renderer(heihe).render(launch).payload["content"]
    assert "启动暨集中宣传活动：" not in Renderer(heihe).render(other).payload["content"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "【{{ item.title }}】\n{% if item.is_launch %}热线",
            2,
            "模板在 {% if %} 结束之前就完了：缺少 {% elif %} 或 {% else %} 或 {% endif %}",
        ),
        ("【{{ item.title x }}】", 1, "{{ }} 里多了 x"),
        ("{% for t in item.tags %}{{ t }}{% endfo %}", 1, "标签 {% endfo %} 不认识：{% for %} 之后这里应当是 {% endfor %} 或 {% else %}"),
        ("\n{{ item.title | shout }}", 2, "没有名为 shout 的过滤器"),
    ],
)
def test_template_syntax_errors_are_explained_in_chinese(project: Callable[..., Path], text: str, line: int, words: str) -> None:
    (problem,) = Renderer(_broken_templates(project, "weibo/post.txt.j2", text)).check_templates()
    assert problem.where.endswith(f"weibo/post.txt.j2:{line}") and words in problem.message, problem
    assert not re.search(r"expected|unexpected|Encountered|Jinja|looking|named", problem.message), problem  # no English left


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "【{{ item.title }}】\n{{ item.sumary }}",
            "内容没有字段 sumary（是不是想写 summary？），可用：id、area、topic、title、summary、body",
        ),
        ("\n{{ sumary }}", "模板中的变量 sumary 不存在（是不是想写 item.summary？），可用：campaign、brand、item、post、weibo"),
        ("\n{{ campaign.hotlin }}", "活动配置没有字段 hotlin（是不是想写 hotline？）"),
        ("\n{{ 1 / 0 }}", "模板中的计算除以了零"),
    ],
)
def test_template_render_errors_name_the_wrong_name_and_what_is_available(project: Callable[..., Path], text: str, words: str) -> None:
    campaign = _broken_templates(project, "weibo/post.txt.j2", text)
    post = first(make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)), "weibo")
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    (problem,) = info.value.problems
    assert problem.where.endswith("weibo/post.txt.j2:2") and post.id in problem.message and words in problem.message, problem
