"""Templates are the user's code and run in a sandbox: no way out to Python, bounded loops, bounded output."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import PlannedPost, make_plan
from scheduler.rendering.payloads import Renderer
from scheduler.rendering.sandbox import TemplateSandbox
from scheduler.screens.serve import ScreenServer
from scheduler.support.errors import InputError, TemplateError

from .conftest import DEFAULT, HEIHE, ROOT, run_qm
from .test_render import first

WEIBO = "weibo/post.txt.j2"


def _with_line(project: Callable[..., Path], text: str, name: str = WEIBO, config: Path = HEIHE) -> Path:
    """The project's template `name` with `text` appended as its own line; returns the config path."""
    path = project(config=config)
    template = path.parent / "templates" / name
    template.write_text(template.read_text(encoding="utf-8").rstrip("\n") + "\n" + text + "\n", encoding="utf-8")
    return path


def _line_of_last(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").rstrip("\n").split("\n"))


def _first_post(config: Path, channel: str = "weibo") -> tuple[Campaign, PlannedPost]:
    """The campaign of `config` and the first planned post of `channel` that is not a launch post."""
    campaign = load_campaign(config)
    return campaign, first(make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)), channel)


def test_check_does_not_run_code_from_a_template(project: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    config = _with_line(project, f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}", config=Path("config.yaml"))
    line = _line_of_last(config.parent / "templates" / WEIBO)
    result = run_qm("check", "-c", config)
    assert result.returncode == 2, result.stderr
    assert f"{WEIBO}:{line}：" in result.stderr and "模板不能访问" in result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "{{ cycler.__init__.__globals__.os.environ['QM_TEST_SECRET'] }}",
        "{{ joiner.__init__.__globals__['os'].environ }}",
        "{{ campaign.paths.content.joinpath('/proc/self/environ').read_text() }}",
        "{{ campaign.config_path.read_text() }}",
        "{{ item.__class__.__mro__ }}",
        # str.format reached through |attr walked attributes unchecked before Jinja2 3.1.6 (GHSA-cpwx-vrp4-4pq7)
        "{% set f = '{0.__init__.__globals__[os].environ[QM_TEST_SECRET]}'|attr('format') %}{{ f(cycler) }}",
        "{{ ('{0.__init__.__globals__[os].environ[QM_TEST_SECRET]}'|safe).format(cycler) }}",
    ],
)
def test_no_environment_value_reaches_the_preview(project: Callable[..., Path], tmp_path: Path, payload: str) -> None:
    secret = "s3cret-value-that-must-not-leak"
    config = _with_line(project, payload)
    out = tmp_path / "preview"
    result = run_qm("preview", "2016-09-08", "-c", config, "-o", out, env={**os.environ, "QM_TEST_SECRET": secret})
    assert result.returncode in (1, 2), result.stderr
    said = result.stdout + result.stderr
    # an object given to format is refused before it is read: "…写成文字"
    assert "Traceback" not in result.stderr and ("模板不能访问" in said or "写成文字" in said), said
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert secret not in result.stdout + result.stderr + written


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ("{{ range(10**12) }}", "range() 太大"),
        ("{{ range(10**12)|list|length }}", "range() 太大"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "循环一共超过了"),
        ("{% for c in 'x' * 999999 %}{% for d in 'y' * 999999 %}{% endfor %}{% endfor %}", "循环一共超过了"),
        ("{{ 'x' * 10**12 }}", "相乘后超过了"),
        ("{{ [0] * 10**12 }}", "相乘后超过了"),
        ("{% set ns = namespace(s='xx') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}", "超过了 1000000"),
        ("{% set ns = namespace(s='xx') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}", "超过了 1000000"),
        ("{% set ns = namespace(n=7) %}{% for i in range(60) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}", "数字太大"),
        ("{{ 7 ** (10 ** 9) }}", "数字太大"),
        ("{{ 'x'.center(10**10) }}", "宽度或数量"),
        ("{{ item.title|center(10**9) }}", "宽度或数量"),
        ("{{ item.title|indent(10**9) }}", "宽度或数量"),
        ("{{ '%999999999d' % 1 }}", "宽度或数量"),
        ("{{ '%*d' % (10**9, 1) }}", "宽度或数量"),
        ("{{ '%999999999d'|format(1) }}", "宽度或数量"),
        ("{{ '{:>999999999}'.format(1) }}", "format 的宽度"),
        ("{{ 'abc'.replace('', 'y' * 999999) }}", "replace"),
        ("{{ item.title|replace('', 'y' * 999999) }}", "replace"),
        ("{{ range(99999)|join('x' * 999999) }}", "join"),
        ("{{ ('x' * 999999).join(range(99999)) }}", "join"),
        ("{{ (range(99999)|batch(1)|list)|sum(start=[]) }}", "只能对数字求和"),
        ("{% for i in range(99999) %}{{ 'x' * 999 }}{% endfor %}", "输出超过了"),
        ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "嵌套太深"),
        # one list repeated is cheap to build but not to write out (gigabytes, or minutes in join or tojson)
        ("{% set b = range(99999)|list %}{{ ([b] * 99999)|join|length }}", "重复的列表"),
        ("{% set b = range(99999)|list %}{{ ([b] * 99999)|tojson|length }}", "重复的列表"),
        ("{% set b = range(99999)|list %}{{ [b] * 1000 }}", "重复的列表"),
        ("{% set b = range(99999)|list %}{% set c = [b] * 8 %}{{ [c, c] }}", "重复的列表"),
        ("{% set b = range(99999)|list %}{% for x in range(1)|batch(9999, b) %}{{ x }}{% endfor %}", "重复的列表"),
        (
            "{% set b = range(99999)|list %}{% set ns = namespace(a=[]) %}{% for i in range(9999) %}{% set ns.a = ns.a + [b] %}{% endfor %}{{ ns.a }}",
            "重复的列表",
        ),
        ("{{ {}.fromkeys(range(99999), range(99999)|list)|length }}", "重复的列表"),
        ("{{ [campaign] * 99999 }}", "重复的列表"),
        # what these write grows with an argument: checked before they run
        ("{{ ('\\t' * 99999).expandtabs(9999)|length }}", "expandtabs"),
        ("{{ ('a' * 999999).translate({97: 'b' * 999})|length }}", "translate"),
        ("{{ ('{0}' * 99999).format('x' * 99999)|length }}", "格式化"),
        ("{{ ('%(a)s' * 99999) % {'a': 'x' * 99999} }}", "格式化"),
        ("{{ ('%(a)s' * 99999)|format(a='x' * 99999) }}", "格式化"),
        ("{{ (1).to_bytes(10**10, 'big')|length }}", "宽度或数量"),
        ("{{ ('x\\n' * 99999)|indent(9999)|length }}", "indent"),
        ("{{ ('x' * 999999)|wordwrap(1)|length }}", "wordwrap"),
    ],
)
def test_runaway_templates_stop_with_a_chinese_error_at_their_line(project: Callable[..., Path], payload: str, words: str) -> None:
    config = _with_line(project, payload)
    campaign, post = _first_post(config)
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    assert time.monotonic() - started < 30  # bounded work, not a hang (the limits are counts, far below this)
    (problem,) = info.value.problems
    line = _line_of_last(campaign.paths.templates / WEIBO)
    assert problem.where.endswith(f"{WEIBO}:{line}") or "输出超过了" in problem.message, problem
    assert words in problem.message and post.id in problem.message, problem


def test_runaway_template_in_check_exits_2_without_traceback(project: Callable[..., Path]) -> None:
    config = _with_line(project, "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "循环一共超过了" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_ordinary_template_features_still_work(project: Callable[..., Path]) -> None:
    text = (
        "{% macro tag(t) %}<{{ t }}>{% endmacro %}"
        "{% for i in range(3) %}{{ loop.index }}{% endfor %}|{{ '%03d' % 7 }}|{{ '{:>4}'.format(5) }}|{{ 'ab' * 2 }}"
        "|{{ campaign.co_organizers|join('、') }}|{{ 'x'|center(5) }}|{{ item.title|replace('质量', 'Q')|length > 0 }}"
        "|{{ post.at.strftime('%m月%d日') }}|{{ [1, 2, 3]|sum }}|{{ tag('a') }}|{{ 'a' ~ 'b' }}|{{ campaign.paths.content.name }}"
    )
    campaign, post = _first_post(_with_line(project, text))
    rendered = Renderer(campaign).render(post).payload["text"]
    organizers = "、".join(campaign.co_organizers)
    expected = f"123|007|   5|abab|{organizers}|  x  |True|{post.at:%m月%d日}|6|<a>|ab|content"
    assert " ".join(expected.split()) in rendered, rendered  # a Weibo post's whitespace is collapsed


def test_template_that_is_not_utf8_is_named_with_its_line(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)
    template = config.parent / "templates" / WEIBO
    template.write_bytes("第一行\n第二行\n".encode() + "第三行".encode("gbk") + b"\n")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{WEIBO}:3" in result.stderr and "不是 UTF-8 编码" in result.stderr, result.stderr


def test_screen_player_page_is_rendered_in_the_sandbox(project: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    config = _with_line(project, f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}", "screen/player.html")
    line = _line_of_last(config.parent / "templates" / "screen" / "player.html")
    with pytest.raises(InputError) as info:
        ScreenServer(load_campaign(config), port=0)
    assert f"player.html:{line}" in str(info.value) and "模板不能访问" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("text", ['{{ "".__class__ }}', "{{ screen_title }}"])
def test_a_player_page_that_the_sandbox_refuses_stops_the_check_and_the_server(project: Callable[..., Path], text: str) -> None:
    """A dunder attribute or an unknown name is an error at its line, as in every other template, not an empty string."""
    config = _with_line(project, text, "screen/player.html")
    line = _line_of_last(config.parent / "templates" / "screen" / "player.html")
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"player.html:{line}" in result.stderr and "播放页面时出错" in result.stderr, result.stderr
    with pytest.raises(InputError) as info:
        ScreenServer(load_campaign(config), port=0)
    assert f"player.html:{line}" in str(info.value)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("{{ campaign }}", "Campaign"),
        ("{{ campaign.channels }}", "WeChatConfig"),
        ("{{ post }}", "PlannedPost"),
        ("{{ campaign.paths.content }}", "PosixPath"),
        ("{{ campaign|attr('paths') }}", "Paths"),
        ("{{ campaign.channels|first }}", "WeChatConfig"),
        ("{{ campaign.channels|selectattr('name')|list }}", "WeChatConfig"),
        ("{{ {'a': campaign}|dictsort }}", "Campaign"),
        ("{{ campaign.channels|map(attribute='name') }}", "generator"),
        ("{% set x %}{{ post }}{% endset %}{{ x|length }}", "PlannedPost"),
        ("{% macro m(x) %}{{ x }}{% endmacro %}{{ m(campaign.brand) }}", "Brand"),
        # what filters, operators and str methods turn into text
        ('{{ "%r"|format(campaign) }}', "Campaign"),
        ("{{ campaign|string }}", "Campaign"),
        ("{{ campaign|pprint }}", "Campaign"),
        ("{{ [campaign]|join }}", "Campaign"),
        ("{{ campaign|tojson }}", "Campaign"),
        ("{{ campaign|e|length }}", "Campaign"),
        ("{{ campaign|replace('a', 'b') }}", "Campaign"),
        ("{{ campaign|wordcount }}", "Campaign"),
        ("{{ {'a': campaign}|urlencode }}", "Campaign"),
        ("{{ {'a': campaign}|xmlattr }}", "Campaign"),
        ("{{ campaign.channels|map('string')|join }}", "WeChatConfig"),
        ("{{ [campaign]|join(attribute='paths') }}", "Paths"),
        ("{{ 'x' ~ campaign }}", "Campaign"),
        ("{{ '%s' % (campaign,) }}", "Campaign"),
        ("{{ '{}'.format(campaign) }}", "Campaign"),
        ("{{ ('、'|safe).join(campaign.channels) }}", "WeChatConfig"),
    ],
)
def test_objects_are_not_written_as_text(project: Callable[..., Path], payload: str, kind: str) -> None:
    """A dataclass's repr shows paths, channel settings and names of environment variables: a template
    writes plain values only, however the object would become text."""
    config = _with_line(project, payload)
    campaign, post = _first_post(config)
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    (problem,) = info.value.problems
    assert problem.where == f"{campaign.paths.templates / WEIBO}:{_line_of_last(campaign.paths.templates / WEIBO)}", problem
    assert f"模板不能把 {kind} 对象写成文字" in problem.message and post.id in problem.message, problem
    assert "例如 {{" in problem.message or "|join('、')" in problem.message, problem  # what to write instead


def test_qm_functions_take_plain_values(project: Callable[..., Path]) -> None:
    """`image(role)` in the WeChat template writes its argument into the picture's address."""
    name = "wechat/article.html.j2"
    config = _with_line(project, "{{ image(campaign) }}", name)
    campaign, post = _first_post(config, "wechat")
    with pytest.raises(TemplateError) as info:
        Renderer(campaign).render(post)
    (problem,) = info.value.problems
    assert problem.where.endswith(f"{name}:{_line_of_last(campaign.paths.templates / name)}") and "Campaign 对象写成文字" in problem.message


def test_check_reports_an_object_written_as_text_and_the_preview_shows_none(project: Callable[..., Path], tmp_path: Path) -> None:
    config = _with_line(project, "前言{{ campaign.brand }}后记")
    line = _line_of_last(config.parent / "templates" / WEIBO)
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{WEIBO}:{line}：" in result.stderr and "模板不能把 Brand 对象写成文字" in result.stderr, result.stderr
    assert "{{ campaign.name }}" in result.stderr, result.stderr
    out = tmp_path / "preview"
    result = run_qm("preview", "2027-09-08", "-c", config, "-o", out)
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert result.returncode in (1, 2) and "Brand(" not in result.stdout + result.stderr + written and "前言" not in written


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ('{{ campaign.channels|map(attribute="nmae")|list }}', "渠道配置没有字段 nmae（是不是想写 name？）"),
        ("{{ [item.title, item.sumary] }}", "内容没有字段 sumary（是不是想写 summary？）"),
        ("{{ {'链接': weibo.lnik} }}", "微博渠道配置没有字段 lnik（是不是想写 link？）"),
    ],
)
def test_check_reports_a_misspelt_name_inside_a_list_at_its_line(project: Callable[..., Path], payload: str, said: str) -> None:
    """A list, tuple or dict holding a missing name would publish "[Undefined, Undefined, …]": `qm check` reports
    the name at the template's line, as it does for the name alone or under |join."""
    config = _with_line(project, payload, config=DEFAULT)
    line = _line_of_last(config.parent / "templates" / WEIBO)
    result = run_qm("check", "-c", config)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"{WEIBO}:{line}：" in result.stderr and said in result.stderr, result.stderr


def test_plain_values_read_through_objects_are_written(project: Callable[..., Path]) -> None:
    """Objects may be read in any way; what comes out is plain and is written."""
    shipped = load_campaign(HEIHE)  # the values the project's copy has
    names, kinds, hotline = [c.name for c in shipped.channels], [c.kind for c in shipped.channels], shipped.hotline
    written = {  # template: what it writes
        "{{ campaign.channels|join(',', attribute='name') }}": ",".join(names),
        "{{ campaign.channels|map(attribute='kind')|unique|list }}": str(list(dict.fromkeys(kinds))),
        "{% for g in campaign.channels|groupby('kind') %}{{ g.grouper }}{{ g.list|length }};{% endfor %}": "".join(
            f"{k}{kinds.count(k)};" for k in sorted(set(kinds))
        ),
        "{{ {'b': 2, 'a': 1}|dictsort }}": "[('a', 1), ('b', 2)]",
        "{{ ('%s=%d' % ('n', 3)) ~ '{0}'.format(campaign.hotline) }}": f"n=3{hotline}",
        "{% macro m(c) %}{{ c.hotline }}{% endmacro %}{{ m(campaign) }}": hotline,
        "{{ campaign.key_dates.launch }}|{{ none }}": f"{shipped.key_dates.launch}|None",
        "{{ {'k': [1, 2.5, true]}|tojson }}": '{"k": [1, 2.5, true]}',
        "{{ [campaign]|map(attribute='hotline')|join }}|{{ (campaign.channels|first).name }}": f"{hotline}|{names[0]}",
    }
    campaign, post = _first_post(_with_line(project, "|".join(written)))
    rendered = Renderer(campaign).render(post).payload["text"]
    assert " ".join("|".join(written.values()).split()) in rendered, rendered  # a Weibo post's whitespace is collapsed


@pytest.mark.parametrize("config", [DEFAULT, HEIHE, ROOT / "examples" / "api-fakes" / "config.yaml"])
def test_shipped_templates_render_as_jinja2_renders_them(config: Path) -> None:
    """The plain-value rules and the budgets change nothing the shipped templates write: every post of
    each shipped config renders byte for byte as in Jinja2's own sandbox."""
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    ours, theirs = Renderer(campaign), Renderer(campaign)
    theirs.env = ImmutableSandboxedEnvironment(  # Renderer's options, without qm's checks
        loader=jinja2.FileSystemLoader(str(campaign.paths.templates)),
        autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert isinstance(ours.env, TemplateSandbox) and plan.posts
    for post in plan.posts:
        assert ours.render(post).payload == theirs.render(post).payload, post.id


def test_a_template_slow_for_every_post_stops_once_at_its_line(project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each render under its own budget, but all of them together would hold a check for minutes: the template's
    time in the run is shared, it stops at its line when that runs out, and the posts after fail at once."""
    from scheduler.rendering import payloads

    monkeypatch.setattr(payloads, "RUN_SECONDS", 0.05)  # 10 s in use; a render below takes 0.1-0.3 s, so the first runs it out
    config = _with_line(project, "{% for i in range(300) %}{% if ('a' * 999999).count('b') %}x{% endif %}{% endfor %}")
    campaign = load_campaign(config)
    posts = [p for p in make_plan(campaign, load_library(campaign.paths.content, campaign.text_values)).posts if p.channel == "weibo"]
    renderer = Renderer(campaign)
    told, times = [], []
    for post in posts[:10]:
        start = time.monotonic()
        try:
            renderer.render(post)
        except TemplateError as exc:
            (problem,) = exc.problems
            told.append(problem)
        times.append(time.monotonic() - start)
    line = _line_of_last(campaign.paths.templates / WEIBO)
    assert told and {p.where for p in told} == {f"{campaign.paths.templates / WEIBO}:{line}"}, told
    assert "模板合计渲染了 0.05 秒" in told[0].message and len({p.message for p in told}) == 1, told
    assert len(told) == len(times) == 10, times  # every post after the first fails at once: not run again
    assert sum(times[1:]) < max(times[0], 0.05) * 3, times
