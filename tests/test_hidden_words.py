"""A banned word cannot pass for being written with a hidden character, a lookalike or a space inside
(最<U+200B>佳, 最⾼级 with the Kangxi radical, 100％, 最<U+2028>佳, 最　佳): `qm check` and the console's edit
form refuse it, quoting the words as written at their file:line; a hidden character is refused in
every published field, body included, by its code point; ordinary Chinese and English text is not."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.inputs.campaign import Campaign, LintConfig, ReviewConfig
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import ContentItem, load_library, read_library
from scheduler.inputs.content_save import item_path
from scheduler.planning.planner import make_plan
from scheduler.rendering.lint import printed_words
from scheduler.rendering.versions import version_of
from tests.conftest import HEIHE, run_qm
from tests.test_content import GOOD
from tests.web_helpers import Running, csrf_of, local, signed_in_editor

ITEM = "brand-trademark-symbols"  # content/brand/brand-trademark-symbols.md
SLOGANS = ("slogan-brand-trademark", "slogan-brand-geo-indication")  # content/slogans-brand.yaml
HIDDEN_BODY = "本品是最\u200b佳、国\u200d家级产品，\u202e认证已过期\u202c。"
SEPARATORS = ("\u2028", "\u2029", "\u3164", "\uffa0", "\u115f", "\u3000", "\u200b", "\u2800")


@pytest.fixture(scope="module")
def heihe_item() -> ContentItem:
    campaign = load_campaign(HEIHE)
    return load_library(campaign.paths.content, campaign.text_values).by_id[ITEM]


@pytest.mark.parametrize("sep", SEPARATORS, ids=lambda s: f"U+{ord(s):04X}")
def test_an_absolute_term_split_by_a_blank_or_hidden_character_is_found_and_quoted_as_written(heihe_item: ContentItem, sep: str) -> None:
    item = dataclasses.replace(heihe_item, title=f"商标最{sep}佳标记有啥不同")
    assert printed_words(load_campaign(HEIHE), item) == [
        ("title", f"含有广告法禁用的绝对化用语“最{sep}佳”（即“最佳”：字间夹着看不见的字符或空格，或用了形近字、全角字）")
    ]
    assert item.where_text(f"最{sep}佳") == item.where("title")


@pytest.mark.parametrize(
    ("title", "written", "term"),
    [("商标最⾼级标记有啥不同", "最⾼级", "最高级"), ("商标100％有效标记", "100％", "100%"), ("商标最 佳标记", "最 佳", "最佳")],
)
def test_lookalike_and_full_width_characters_read_as_the_term(heihe_item: ContentItem, title: str, written: str, term: str) -> None:
    item = dataclasses.replace(heihe_item, title=title)
    assert [reason for _, reason in printed_words(load_campaign(HEIHE), item)] == [
        f"含有广告法禁用的绝对化用语“{written}”（即“{term}”：字间夹着看不见的字符或空格，或用了形近字、全角字）"
    ]


def test_configured_words_are_read_the_same_way(heihe_item: ContentItem) -> None:
    campaign = dataclasses.replace(load_campaign(HEIHE), lint=LintConfig(sensitive_words=("内部资料",), absolute_terms_extra=("王牌",)))
    item = dataclasses.replace(heihe_item, summary="这是内部\u200b资料，本店王\u3000牌产品。")
    assert [reason for _, reason in printed_words(campaign, item)] == [
        "含有广告法禁用的绝对化用语“王\u3000牌”（即“王牌”：字间夹着看不见的字符或空格，或用了形近字、全角字）",
        "含有敏感词“内部\u200b资料”（即“内部资料”：字间夹着看不见的字符或空格，或用了形近字、全角字）",
    ]


def test_full_width_digits_of_a_hotline_read_as_digits(heihe_item: ContentItem) -> None:
    campaign = load_campaign(HEIHE)
    assert campaign.hotline == "12365"  # 2016: the quality hotline; 12315 is right in any year
    wrong = dataclasses.replace(heihe_item, summary="投诉请拨打１２３３１或12358。")
    right = dataclasses.replace(heihe_item, summary="投诉请拨打１２３１５或１２３６５，也可拨打12365。")
    assert [reason.split("，")[0] for _, reason in printed_words(campaign, wrong)] == ["写了热线“１２３３１”", "写了热线“12358”"]
    assert printed_words(campaign, right) == []


@pytest.mark.parametrize(
    "text",
    [
        "「诚信经营，放心消费」：质量月，１０月见。",
        "Quality Month: the best practice guide, 100 % read",
        "第一步，看标签；最 后，留好票据。",
    ],
)
def test_ordinary_text_with_full_width_punctuation_and_english_spaces_is_not_flagged(heihe_item: ContentItem, text: str) -> None:
    assert printed_words(load_campaign(HEIHE), dataclasses.replace(heihe_item, summary=text)) == []


def test_a_hidden_character_or_separator_added_to_approved_words_makes_a_new_version() -> None:
    """Spaces a reader sees (ordinary, full-width, line breaks) beside Chinese text stay insignificant;
    a line/paragraph separator or a hidden character is a character of the text."""
    version = version_of({"title": "商标最高级"})
    assert version_of({"title": "商标 最高级\n"}) == version_of({"title": "商标\u3000最高级"}) == version
    for sep in ("\u2028", "\u2029", "\u200b", "\u202e", "\u3164", "\x85"):
        assert version_of({"title": f"商标{sep}最高级"}) != version, f"U+{ord(sep):04X}"


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"], ids=lambda s: f"U+{ord(s):04X}")
@pytest.mark.parametrize(("name", "text"), [("a.md", GOOD), ("a.yaml", "- " + GOOD.split("---")[1].strip().replace("\n", "\n  "))])
def test_a_line_separator_typed_into_a_content_file_is_named_at_its_line(tmp_path: Path, sep: str, name: str, text: str) -> None:
    """YAML reads it as a line break: the file is refused with the character, not a misleading syntax error."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if "summary:" in line)
    lines[at] = lines[at].replace("，", f"，{sep}", 1)
    (tmp_path / name).write_text("\n".join(lines), encoding="utf-8")
    (problem,) = read_library(tmp_path, {}).problems
    assert problem.where == f"{tmp_path / name}:{at + 1}"
    named = {"\u2028": "行分隔符 U+2028", "\u2029": "段分隔符 U+2029", "\x85": "U+0085（控制字符）"}[sep]
    assert problem.message.startswith(f"有看不见的字符 {named}（在“") and "删去这个字符" in problem.hint, problem


# -- the whole way: a content file through `qm check`, and the console's edit form ----------------------


def _write(config: Path) -> dict[str, int]:
    """The bypasses written into the project's files; the line each is on."""
    content = config.parent / "content"
    md = content / "brand" / f"{ITEM}.md"
    text = md.read_text(encoding="utf-8").replace("title: 商标旁的®和™有啥不同", "title: 商标最⾼级标记有啥不同")
    md.write_text(text.rstrip("\n") + "\n\n" + HIDDEN_BODY + "\n", encoding="utf-8")
    yaml_file = content / "slogans-brand.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    text = text.replace("title: 注册商标护品牌，规范使用守信誉", "title: 商标100％有效标记", 1)
    text = text.replace("line: 先注册商标，再做响品牌", 'line: "注册商标最\\u2028佳品牌"', 1)  # as the form writes it
    yaml_file.write_text(text, encoding="utf-8")
    lines = md.read_text(encoding="utf-8").split("\n")
    slogan_lines = text.split("\n")
    return {
        "title": lines.index("title: 商标最⾼级标记有啥不同") + 1,
        "body": lines.index(HIDDEN_BODY) + 1,
        "percent": slogan_lines.index("  title: 商标100％有效标记") + 1,
        "separator": slogan_lines.index('  line: "注册商标最\\u2028佳品牌"') + 1,
    }


def test_qm_check_refuses_each_bypass_in_a_content_file_at_its_line(project: Callable[..., Path]) -> None:
    config = project(config=HEIHE)
    at = _write(config)
    md, slogans = config.parent / "content" / "brand" / f"{ITEM}.md", config.parent / "content" / "slogans-brand.yaml"
    checked = run_qm("check", "-c", config)
    out = checked.stdout + checked.stderr
    assert checked.returncode != 0 and "全部通过检查" not in out, out
    found = [line for line in out.split("\n") if line.strip()]

    def said(*words: str) -> str:
        line = next((line for line in found if all(w in line for w in words)), "")
        assert line, (words, out)
        return line

    said(
        f"{md}:{at['body']}",
        "正文里有 4 个看不见的字符：零宽空格 U+200B（在“是最”和“佳、”之间）、零宽连接符 U+200D（在“、国”和“家级”之间）、从右到左覆盖 U+202E",
        "删去这些字符",
    )
    said("“最\u200b佳”（即“最佳”", f"{md}:{at['body']}")  # a post's finding, with the body line in its hint
    said("“国\u200d家级”（即“国家级”", f"{md}:{at['body']}")
    said(f"{md}:{at['title']}", "“最⾼级”（即“最高级”")
    said(f"{slogans}:{at['percent']}", "“100％”（即“100%”")
    said(f"{slogans}:{at['separator']}", "行分隔符 U+2028（在“标最”和“佳品”之间）", "删去这些字符")
    said(f"{slogans}:{at['separator']}", "“最\u2028佳”（即“最佳”")


def test_the_day_page_flags_the_hidden_characters_and_the_term_they_split(project: Callable[..., Path], tmp_path: Path) -> None:
    """The day page shows the body as written (a reviewer sees 最佳, 国家级 and reversed text): its findings say why."""
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    _write(campaign.config_path)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    day = next(p.at.date() for p in plan.posts if p.item.id == ITEM and p.channel == "wechat")
    with signed_in_editor(campaign, plan) as (_, client):
        page = html.unescape(client.get(f"/day/{day}").text)
    assert "正文里有 4 个看不见的字符：零宽空格 U+200B（在“是最”和“佳、”之间）" in page and "“国\u200d家级”（即“国家级”" in page
    assert "全部通过检查" not in page


@pytest.fixture
def site(project: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Running, Campaign, httpx.Client]]:
    campaign = local(load_campaign(project(config=HEIHE)), tmp_path, review=ReviewConfig())
    with signed_in_editor(campaign) as (running, client):
        yield running, campaign, client


def _post(client: httpx.Client, item_id: str, **changes: str) -> httpx.Response:
    form = client.get(f"/edit/{item_id}").text
    digest = form.split('name="digest" value="')[1].split('"')[0]
    return client.post(f"/edit/{item_id}", data={"csrf": csrf_of(form), "digest": digest, **changes})


@pytest.mark.parametrize(
    ("item_id", "changes", "said"),
    [
        (ITEM, {"title": "商标最⾼级标记有啥不同"}, "“最⾼级”（即“最高级”"),
        (ITEM, {"title": "商标100％有效标记"}, "“100％”（即“100%”"),
        (ITEM, {"body": "BODY\n\n" + HIDDEN_BODY}, "正文里有 4 个看不见的字符：零宽空格 U+200B（在“是最”和“佳、”之间）、零宽连接符 U+200D"),
        (ITEM, {"body": "BODY\n\n" + HIDDEN_BODY}, "“国\u200d家级”（即“国家级”"),
        *((SLOGANS[0], {"title": f"注册商标最{sep}佳品牌"}, f"“最{sep}佳”（即“最佳”") for sep in SEPARATORS),
        (SLOGANS[0], {"title": "注册商标最\u2028佳品牌"}, "标题中有看不见的字符：行分隔符 U+2028（在“标最”和“佳品”之间）"),
    ],
)
def test_the_edit_form_refuses_each_bypass_and_keeps_the_file(
    site: tuple[Running, Campaign, httpx.Client], item_id: str, changes: dict[str, str], said: str
) -> None:
    _, campaign, client = site
    item = load_library(campaign.paths.content, campaign.text_values).by_id[item_id]
    changes = {k: v.replace("BODY", item.body) for k, v in changes.items()}
    path = item_path(item)
    before = path.read_bytes()
    refused = _post(client, item_id, **changes)
    assert refused.status_code == 400, refused.text
    assert said in html.unescape(refused.text), html.unescape(refused.text)[:3000]
    assert path.read_bytes() == before


@pytest.mark.parametrize("sep", ["\u3000", " ", "\u200b"], ids=lambda s: f"U+{ord(s):04X}")
def test_a_split_term_is_said_once_under_its_field_quoted_as_written(site: tuple[Running, Campaign, httpx.Client], sep: str) -> None:
    """Weibo's text reads 最　佳 with its space collapsed: its finding is still the title's, merged with the
    printed places into one message under 标题 that quotes the words as typed; at the top of the form only the
    summary of a refused save, which lists it once, linked to the title."""
    _, _, client = site
    refused = _post(client, "slogan-publicity-everyone", title=f"质量连着你我他，最{sep}佳选择")
    assert refused.status_code == 400
    shown = html.unescape(refused.text)
    top = shown.split('class="edit"')[0].split("<main", 1)[1]
    summary = top.split('id="problems"', 1)[1].split("</section>", 1)[0]
    assert top.count("绝对化用语") == summary.count("绝对化用语") == 1 and 'href="#f-title"' in summary, top
    title = shown.split('id="h-title"')[1].split('<div class="field')[0]
    said = [m for m in title.split('<p class="msg" role="alert">')[1:] if "绝对化用语" in m]
    assert len(said) == 1 and f"“最{sep}佳”（即“最佳”" in said[0] and said[0].startswith("微博、"), said
    assert shown.count("绝对化用语") == 2  # under the title, and in the summary at the top


def test_qm_check_says_a_term_split_by_a_full_width_space_once_as_written_at_its_line(project: Callable[..., Path]) -> None:
    """Weibo's text collapses 最　佳 to 最 佳: `qm check` still says it once (the post's finding, not again as printed
    words), quoting the title as written and pointing at the title's line."""
    config = project()
    slogans = config.parent / "content" / "slogans-publicity.yaml"
    text = slogans.read_text(encoding="utf-8")
    slogans.write_text(text.replace("  title: 质量连着你我他\n", "  title: 连着你我，最\u3000佳选择\n", 1), encoding="utf-8")
    line = slogans.read_text(encoding="utf-8").split("\n").index("  title: 连着你我，最\u3000佳选择") + 1
    checked = run_qm("check", "-c", config)
    said = [s for s in (checked.stdout + checked.stderr).split("\n") if "绝对化用语" in s]
    assert len(said) == 1 and "“最\u3000佳”（即“最佳”" in said[0] and f"content/slogans-publicity.yaml:{line}" in said[0], said
