"""When the mistake is in a channel's template, not in the content, `qm check` says so once, at the
template, with how many posts it affects; a length found over a placeholder says what it became."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .conftest import run_qm


def _check_lines(config: Path) -> list[str]:
    checked = run_qm("check", "-c", config)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    return checked.stderr.splitlines()


def test_an_empty_template_is_reported_once_at_the_template_not_once_per_post(project: Callable[..., Path]) -> None:
    config = project()
    template = config.parent / "templates" / "weibo" / "post.txt.j2"
    template.write_text("", encoding="utf-8")
    lines = _check_lines(config)
    assert lines[0] == "错误：检查发现 2 个问题：", lines
    empty = next(line for line in lines if "正文为空" in line)
    assert re.fullmatch(rf"  - {re.escape(str(template))}：正文为空（排期中的 \d{{2,}} 条微博都是这样：改模板，不是改内容）", empty), empty
    assert not [line for line in lines if "（微博）：" in line or "修改内容" in line], lines


def test_a_template_s_finding_on_most_posts_names_its_line_and_a_content_s_is_told_once_with_its_posts(
    project: Callable[..., Path],
) -> None:
    config = project()
    template = config.parent / "templates" / "weibo" / "post.txt.j2"
    template.write_text(
        "{#- Weibo: the launch posts alone are spared the word -#}\n"
        "【{{ item.title }}】{{ item.summary }}{% if not item.is_launch %}最好{% endif %} {{ weibo.link }}\n",
        encoding="utf-8",
    )
    item = config.parent / "content" / "brand" / "brand-trademark-well-known.md"
    item.write_text(item.read_text(encoding="utf-8").replace("是保护手段", "是唯一的保护手段", 1), encoding="utf-8")
    lines = _check_lines(config)
    best = [line for line in lines if "“最好”" in line]
    assert len(best) == 1, lines
    found = re.fullmatch(
        rf"  - {re.escape(str(template))}:2：含有广告法禁用的绝对化用语“最好”（排期中的 (\d+) 条微博有 (\d+) 条是这样：改模板，不是改内容）",
        best[0],
    )
    assert found and 3 <= int(found[2]) < int(found[1]), best
    (only,) = [line for line in lines if "“唯一”" in line]  # the item's mistake once, at its line, with every post of it
    assert only.startswith(f"  - {item}:") and "（微博）" in only and "修改内容 brand-trademark-well-known）" in only, lines
    assert "模板" not in only  # the word is the item's own: the template is not to blame
    posts = re.search(r"（(\d+) 条排期：", only)
    assert posts and int(posts[1]) >= 2 and only.count("（微博）") + only.count("（微信公众号）") == int(posts[1]), only


def test_a_finding_a_limit_in_the_config_causes_names_that_line_not_the_template(project: Callable[..., Path]) -> None:
    """Every article's author over `limits.author`: told once, at config.yaml's line, not the template's;
    each Weibo over `length_max` says where that limit is set."""
    config = project(
        lambda text: text.replace("    author: 市市场监管局\n", "    author: 市市场监管局\n    limits:\n      author: 4\n").replace(
            "    link: https://www.example.gov.cn/zlyue\n", "    link: https://www.example.gov.cn/zlyue\n    length_max: 30\n"
        )
    )
    rows = config.read_text(encoding="utf-8").splitlines()
    author = rows.index("      author: 4") + 1
    length = rows.index("    length_max: 30") + 1
    lines = _check_lines(config)
    assert re.fullmatch(
        rf"  - {re.escape(str(config))}:{author}：作者超过 4 字（现为 6 字）（排期中的 \d+ 条微信公众号都是这样："
        "来自 config.yaml 的 channels.wechat.limits.author：改这一项，不是改内容或模板）",
        next(line for line in lines if "作者超过" in line),
    ), lines
    weibo = [line for line in lines if "微博超过" in line]  # counts differ post by post: told per post, with the limit's line
    assert weibo and all(
        line.endswith(f"；这个限制来自 config.yaml 的 channels.weibo.length_max（{config}:{length}））") for line in weibo
    ), weibo
    assert not [line for line in lines if "改模板" in line], lines


LOCAL_SLOGAN = """- id: slogan-local-hotline
  area: rights
  topic: slogan
  title: 质量维权有途径，{{ hotline }}在身边
  summary: 买到质量不合格的商品，可拨打{{ hotline }}投诉举报。
  line: 消费维权，请拨{{ hotline }}
  channels: [weibo, screen]
"""


def test_a_length_over_a_placeholder_says_what_the_placeholder_became(project: Callable[..., Path]) -> None:
    config = project(lambda t: t.replace('hotline: "12315"', 'hotline: "0453-6172315"'))
    (config.parent / "content" / "slogans-local.yaml").write_text(LOCAL_SLOGAN, encoding="utf-8")
    lines = _check_lines(config)
    title = next(line for line in lines if "slogan-local-hotline.title" in line)
    assert title.endswith(
        "内容 slogan-local-hotline.title 超过 20 字（现为 23 字）（其中 {{ hotline }} 换成了 0453-6172315，占 12 字："
        "请缩短这段文字，或在 config.yaml 的 campaign.hotline 写短一些的热线号码；"
        "标题和摘要组成微博正文：【标题】摘要加链接，一共不超过 140 字；电子屏也放不下，加一个 headline（≤12 字））"
    ), title
    assert f"{config.parent / 'content' / 'slogans-local.yaml'}:4：内容 slogan-local-hotline.title" in title, title
    assert sum("slogan-local-hotline" in line for line in lines) == 1, lines  # the screens' limit said with it, not again


def test_the_bundled_slogans_fit_a_local_hotline_written_as_the_readme_shows(project: Callable[..., Path]) -> None:
    # campaign.hotline may be "0456-8221234" (README): the slogans that name it still fit the screens and Weibo
    config = project(lambda t: t.replace('hotline: "12315"', 'hotline: "0456-8221234"'))
    said = run_qm("check", "-c", config).stderr  # an item about the national 12315 platform may still be told
    assert "Traceback" not in said and not [line for line in said.splitlines() if "hotline" in line and "slogan-" in line], said
