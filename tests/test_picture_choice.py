"""A city's own poster layout in the schedule: `{{ image('card', layout=…, size=…) }}` in the WeChat article."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import PlannedPost, make_plan
from scheduler.poster import ensure
from scheduler.poster.layout import family_folder
from scheduler.rendering.payloads import Renderer

from .conftest import run_qm
from .daemon_helpers import local_campaign

ARTICLE = "wechat/article.html.j2"
CALL = re.compile(r"\{\{ image\('card'[^}]*\}\}")  # {{ image('card') }} as shipped


def _own_layout(templates: Path, family: str = "red") -> None:
    """mdj-card: a copy of the family's knowledge card with its own name and a header of another colour."""
    folder = family_folder(templates, family)
    text = (folder / "knowledge-card.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^label: .*$", "label: 明德街卡片", text, count=1, flags=re.M)
    text = re.sub(r"color: primary}", "color: secondary}", text, count=1)
    (folder / "mdj-card.yaml").write_text(text, encoding="utf-8")


def _with_call(config: Path, call: str) -> Path:
    """The article template asking for its picture with `call` instead; returns its path."""
    path = config.parent / "templates" / ARTICLE
    text, found = CALL.subn(call, path.read_text(encoding="utf-8"))
    assert found == 1
    path.write_text(text, encoding="utf-8")
    return path


def _red_article(campaign: Campaign) -> PlannedPost:
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    return next(p for p in plan.posts if p.channel == "wechat" and campaign.posters.family_for(p.item.area) == "red")


def test_an_article_shows_the_citys_own_layout_named_by_its_label(project: Callable[..., Path], tmp_path: Path) -> None:
    config = project()
    _own_layout(config.parent / "templates")
    _with_call(config, "{{ image('card', layout='明德街卡片') }}")
    campaign = local_campaign(load_campaign(config), tmp_path)
    post = _red_article(campaign)
    rendered = Renderer(campaign).render(post)
    card = next(i for i in rendered.images if i.ref.endswith("/card"))
    assert (card.layout, card.size) == ("mdj-card", "wechat-square")
    cover = next(i for i in rendered.images if i.ref == rendered.payload["cover"])
    assert cover.layout != "mdj-card"  # the cover is not the template's: it keeps its layout
    own = ensure(campaign, post.item, card)
    usual = ensure(campaign, post.item, cover.__class__(card.ref, card.item, "knowledge-card", card.size))
    assert own.name == "mdj-card-wechat-square.png"
    with Image.open(own) as a, Image.open(usual) as b:
        assert a.size == b.size and a.convert("RGB").tobytes() != b.convert("RGB").tobytes()


def test_a_size_can_be_named_too(project: Callable[..., Path]) -> None:
    config = project()
    _with_call(config, "{{ image('card', size='SQUARE') }}")
    campaign = load_campaign(config)
    card = next(i for i in Renderer(campaign).render(_red_article(campaign)).images if i.ref.endswith("/card"))
    assert (card.layout, card.size) == ("knowledge-card", "square")


def test_naming_the_usual_layout_keeps_every_version_and_another_one_makes_a_new_one(project: Callable[..., Path]) -> None:
    config = project()
    campaign = load_campaign(config)
    post = _red_article(campaign)
    before = Renderer(campaign).render(post)
    _with_call(config, "{{ image('card', layout='知识卡片', size='wechat-square') }}")
    after = Renderer(load_campaign(config)).render(post)
    assert after.images == before.images and after.version == before.version
    _own_layout(config.parent / "templates")
    _with_call(config, "{{ image('card', layout='mdj-card', size='wechat-square') }}")
    own = Renderer(load_campaign(config)).render(post)
    assert own.version != before.version  # another picture: the article goes back to review


def test_qm_check_names_the_template_line_the_wrong_layout_and_the_right_ones(project: Callable[..., Path]) -> None:
    config = project()
    for family in ("red", "sheet", "photo"):
        _own_layout(config.parent / "templates", family)
    path = _with_call(config, "{{ image('card', layout='mdj-crad') }}")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "mdj-crad" in text)
    result = run_qm("check", "-c", config, cwd=config.parent)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert f"{ARTICLE}:{line}" in out, out
    assert "图片 card 的 layout：没有海报版式 'mdj-crad'（是不是想写 明德街卡片（mdj-card）？）" in out, out
    assert "可用 " in out and "（knowledge-card）" in out and "它的版式文件放在" in out, out


def _checked_with_size(project: Callable[..., Path], size: str) -> tuple[int, str, str]:
    """`qm check` of a project whose article asks for its picture at `size`: its exit code, its output, and
    where the call is (the template and its line)."""
    config = project()
    path = _with_call(config, f"{{{{ image('card', size='{size}') }}}}")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if size in text)
    result = run_qm("check", "-c", config, cwd=config.parent)
    return result.returncode, result.stdout + result.stderr, f"{ARTICLE}:{line}"


def test_qm_check_names_a_wrong_size_and_the_sizes_there_are(project: Callable[..., Path]) -> None:
    code, out, where = _checked_with_size(project, "wechat-sqare")
    assert code != 0 and where in out, out
    assert "图片 card 的 size：没有海报尺寸 'wechat-sqare'（是不是想写 wechat-square？），可用 wechat-cover、wechat-square" in out, out


def test_qm_check_refuses_a_picture_too_big_to_draw_at_the_template_line(project: Callable[..., Path]) -> None:
    code, out, where = _checked_with_size(project, "30000x30000")
    assert code == 2 and where in out and "Traceback" not in out, out
    assert "图片 card：尺寸 30000x30000 太大：30000×30000 共 90000 万像素，超过了 4000 万像素的上限" in out, out
    assert "1080 像素宽就够了" in out, out  # what to write instead
