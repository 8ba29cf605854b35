"""Words a poster or print sheet would show are checked like posts: any item can be printed, planned or
not, so `qm check` reports the Advertising Law's terms in every item's printed fields, and `qm poster`
and `qm print` say so when they print them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scheduler.cli.context import Context
from scheduler.inputs.campaign_days import valid_during

from .conftest import run_qm


def _item_with_title(config: Path, planned: bool, words: str) -> tuple[str, Path, int]:
    """An item of the bundled library (in the plan or not) whose title now holds `words`: its id, file and title line."""
    ctx = Context(config)
    in_plan = {p.item.id for p in ctx.plan.posts}
    item = next(
        i
        for i in ctx.library.items
        if (i.id in in_plan) == planned and valid_during(ctx.campaign, i) and i.source.partition(":")[0].endswith(".md")
    )
    path = Path(item.source.partition(":")[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"title: {item.title}", f"title: {words}{item.title}", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("title:"))
    return item.id, path, line


def test_an_unplanned_items_printed_words_are_checked_and_warned_when_printed(project: Callable[..., Path]) -> None:
    config = project(lambda text: text.replace("end: 2027-09-30", "end: 2027-09-10"))  # fewer slots than items
    item, path, line = _item_with_title(config, planned=False, words="最好的")
    checked = run_qm("check", "-c", config, cwd=config.parent)
    assert checked.returncode == 2
    assert (
        f"content/{path.relative_to(config.parent / 'content')}:{line}：内容 {item} 的标题含有广告法禁用的绝对化用语“最好”"
        in checked.stderr
    )

    for command in (["poster", item], ["print", "knowledge-card", "--items", item]):
        made = run_qm(*command, "-c", config, cwd=config.parent)
        assert made.returncode == 0, made.stderr  # made all the same: a person asked for it
        assert "注意：印出的文字里有 qm check 会报出的问题" in made.stderr and f"内容 {item} 的标题含有" in made.stderr, command


def test_words_a_planned_post_already_reports_are_not_told_twice(project: Callable[..., Path]) -> None:
    config = project()
    item, _, _ = _item_with_title(config, planned=True, words="最好的")
    checked = run_qm("check", "-c", config, cwd=config.parent)
    assert checked.returncode == 2 and "“最好”" in checked.stderr
    assert f"内容 {item} 的标题含有" not in checked.stderr  # the posts' findings name it, with the title's line


def test_a_clean_item_prints_without_a_note(project: Callable[..., Path]) -> None:
    config = project()
    made = run_qm("poster", "goods-salt-iodised", "-c", config, cwd=config.parent)
    assert made.returncode == 0 and made.stderr == "", made.stderr


def test_a_title_shown_as_the_screen_headline_is_told_once(project: Callable[..., Path]) -> None:
    """An item without a headline of its own shows its title on screens: one finding, at the title."""
    config = project(lambda text: text.replace("end: 2027-09-30", "end: 2027-09-10"))
    item, path, _ = _item_with_title(config, planned=False, words="最好的")
    text = path.read_text(encoding="utf-8")
    rows = ("title: 最好的质量\n" if row.startswith("title:") else row for row in text.splitlines(keepends=True))
    path.write_text("".join(row for row in rows if not row.startswith("headline:")), encoding="utf-8")  # short enough for screens
    checked = run_qm("check", "-c", config, cwd=config.parent)
    assert checked.returncode == 2 and f"内容 {item} 的标题含有广告法禁用的绝对化用语“最好”" in checked.stderr, checked.stderr
    assert checked.stderr.count("“最好”") == 1 and "电子屏标题" not in checked.stderr, checked.stderr


def test_the_body_of_an_item_that_may_go_to_wechat_is_checked_though_no_wechat_post_is_planned(project: Callable[..., Path]) -> None:
    """Only WeChat publishes a body; an item allowed there that the plan puts on Weibo and screens today may be put
    on WeChat tomorrow (a pin, an item dropped), so `qm check` checks its body as the console's form does."""
    config = project()
    ctx = Context(config)
    on_wechat = {p.item.id for p in ctx.plan.posts if p.channel == "wechat"}
    item = next(
        i
        for i in ctx.library.items
        if i.id not in on_wechat and i.allows("wechat") and i.body and valid_during(ctx.campaign, i) and ".md:" in i.source
    )
    path = Path(item.source.partition(":")[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n本市第一家最佳检测机构。\n", encoding="utf-8")
    checked = run_qm("check", "-c", config, cwd=config.parent)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert f"内容 {item.id} 的正文含有广告法禁用的绝对化用语“最佳”" in checked.stderr, checked.stderr
    assert "排上公众号时会发出正文" in checked.stderr, checked.stderr
