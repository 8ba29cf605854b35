"""`qm check` keeps its plan (`cli/check_parts.py`, `planning/plan_record.py`) under what the planner reads:
an edit of an item's words uses it again; a change to anything the planner reads (an item's channels or
dates, a config slot, a post the queue holds) plans again; the check's output is the same either way.
So for each item's verdicts that do not depend on the plan (its printed words, the content guide's findings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.cli.context import Context
from scheduler.inputs import content_markup
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import ContentItem, Library, load_library
from scheduler.planning import planner
from scheduler.planning.kept import Kept
from scheduler.planning.plan_record import PLANNED, read_back, record
from scheduler.planning.planner import Plan, make_plan
from scheduler.publishing.tables import posts
from scheduler.rendering import lint

from .conftest import DEFAULT, HEIHE, ROOT, calls
from .test_check_cache import _run as _check

# The fields of an item the planner does not read: changing them all leaves every plan as it was.
WORDS = ("title", "summary", "body", "line", "headline", "source", "tags", "digest", "lines", "body_line")


def _reworded(item: ContentItem) -> ContentItem:
    other = {str: lambda v: v + "改", tuple: lambda v: (*v, ("x", 1)) if v and isinstance(v[0], tuple) else (*v, "x"), int: lambda v: v + 1}
    return dataclasses.replace(item, **{name: other[type(getattr(item, name))](getattr(item, name)) for name in WORDS})


def _shape(plan: Plan) -> tuple[object, ...]:
    return tuple((p.id, p.item.id, p.reason) for p in plan.posts), plan.reminders, plan.set_aside, plan.notes


def test_every_field_of_an_item_is_read_by_the_planner_or_not_at_all() -> None:
    """A new field of ContentItem must be placed: PLANNED (in the plan's fingerprint) or WORDS (checked below)."""
    assert sorted((*PLANNED, *WORDS)) == sorted(f.name for f in dataclasses.fields(ContentItem))


@pytest.mark.parametrize("config", [HEIHE, DEFAULT, ROOT / "examples" / "api-fakes" / "config.yaml"], ids=lambda p: p.parent.name)
def test_the_plan_does_not_depend_on_an_items_words(config: Path) -> None:
    campaign = load_campaign(config)
    library = load_library(campaign.paths.content, campaign.text_values)
    reworded = Library(tuple(_reworded(i) for i in library.items))
    plan = make_plan(campaign, library)
    assert _shape(make_plan(campaign, reworded)) == _shape(plan)
    # with a queue: half its posts held, some of them out, one of those on another item
    held = {p.id: Kept(p.channel, p.item.id, out=n % 7 == 0) for n, p in enumerate(plan.posts) if n % 2 == 0}
    first = plan.posts[0]
    held[first.id] = Kept(
        first.channel, next(p.item.id for p in plan.posts if p.channel == first.channel and p.item != first.item), out=True
    )
    kept_plan = make_plan(campaign, library, held)
    assert _shape(make_plan(campaign, reworded, held)) == _shape(kept_plan)
    # and a plan written down reads back as itself, on the items given
    assert read_back(record(kept_plan), campaign, library) == kept_plan
    assert repr(read_back(record(kept_plan), campaign, library)) == repr(kept_plan)
    assert read_back(record(kept_plan), campaign, Library(library.items[1:])) in (None, kept_plan)  # an item gone: not read back
    assert read_back({"posts": [["2027", "x"]], "set_aside": [], "notes": []}, campaign, library) is None


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[Campaign]:
    """The campaigns of the plans made by in-process `qm check` runs from now on."""
    return calls(monkeypatch, planner, "make_plan", 0)


def _item_file(config: Path, item_id: str) -> Path:
    campaign = load_campaign(config)
    item = next(i for i in load_library(campaign.paths.content, campaign.text_values).items if i.id == item_id)
    return Path(item.source.rsplit(":", 1)[0])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ITEM = "grassroots-five-factors-bakery"  # a Markdown file, planned on every channel


def _queued(config: Path) -> None:
    """The queue filled from the plan, then one post not yet out given another item of its channel."""
    ctx = Context(config)
    queue = ctx.filled_queue()
    post = next(p for p in queue.find() if p.item != ITEM)
    other = next(p.item for p in queue.find() if p.channel == post.channel and p.item != post.item)
    with ctx.engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == post.id).values(item=other))
    ctx.close()


@pytest.mark.parametrize(
    ("what", "change", "planned"),
    [
        ("body words", lambda c: _edit(_item_file(c, ITEM), "### 问题", "### 问题所在"), False),
        ("title", lambda c: _edit(_item_file(c, ITEM), "title: ", "title: 新"), False),
        ("tags", lambda c: _edit(_item_file(c, ITEM), "食品车间]", "烘焙车间]"), False),
        ("channels", lambda c: _edit(_item_file(c, ITEM), "\ntopic:", "\nchannels: [wechat, screen]\ntopic:"), True),
        ("valid dates", lambda c: _edit(_item_file(c, ITEM), "\ntopic:", "\nvalid_from: 2027-09-20\ntopic:"), True),
        ("a config slot", lambda c: _edit(c, 'times: ["09:30", "17:30"]', 'times: ["09:30", "17:45"]'), True),
        ("a post the queue holds", _queued, True),
    ],
)
def test_an_edit_plans_again_only_when_it_changes_what_the_planner_reads(
    project: Callable[..., Path],
    plans: list[Campaign],
    capsys: pytest.CaptureFixture[str],
    what: str,
    change: Callable[[Path], None],
    planned: bool,
) -> None:
    config = project()
    assert _check(config, capsys)[2] == 0
    assert len(plans) == 1
    change(config)
    plans.clear()
    result = _check(config, capsys)
    assert len(plans) == int(planned), what
    assert result == _check(config, capsys, "--no-cache"), what  # the same output as planning afresh
    plans.clear()
    (config.parent / ".qm" / "check-result.json").unlink()
    assert _check(config, capsys) == result and plans == [], what  # the plan just made is kept in its turn


def test_a_plan_that_stops_the_check_is_not_kept(
    project: Callable[..., Path], plans: list[Campaign], capsys: pytest.CaptureFixture[str]
) -> None:
    config = project()
    assert _check(config, capsys)[2] == 0
    _edit(config, 'times: ["09:30", "17:30"]', 'times: ["09:30", "17:30", "18:00", "19:00", "20:00", "21:00", "22:00", "23:00"]')
    failed = _check(config, capsys)
    assert failed[2] == 2 and "还缺" in failed[1]
    (config.parent / ".qm" / "check-result.json").unlink()
    plans.clear()
    assert _check(config, capsys) == failed and len(plans) == 1


def test_an_items_printed_words_and_guide_findings_are_checked_again_only_when_it_or_the_config_changes(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project()
    printed: list[ContentItem] = calls(monkeypatch, lint, "printed_words", 1)
    guided: list[ContentItem] = calls(monkeypatch, content_markup, "guide_rows", 0)
    assert _check(config, capsys)[2] == 0
    every = len(printed)
    assert every > 50 and len(guided) >= every  # every item the campaign may print; the guide: every item

    item = _item_file(config, ITEM)
    _edit(item, "title: 车间实例", "title: 最佳车间实例")  # an absolute term, printed on posters
    _edit(item, "### 问题", "### 问题<br>")  # markup in the body
    printed.clear()
    guided.clear()
    edited = _check(config, capsys)
    assert [i.id for i in printed] == [ITEM] and [i.id for i in guided] == [ITEM]
    assert edited[2] == 2 and "最佳" in edited[1] and "HTML 标记" in edited[1]
    assert edited == _check(config, capsys, "--no-cache")

    _edit(config, "sensitive_words: []", "sensitive_words: [烘焙]")  # the campaign's lint: every item's printed words again
    printed.clear()
    linted = _check(config, capsys)
    assert len(printed) == every and "烘焙" in linted[1]
    assert linted == _check(config, capsys, "--no-cache")
    _edit(item, "### 问题<br>", "### 问题")  # the other items' verdicts, with findings, are given again word for word
    printed.clear()
    again = _check(config, capsys)
    assert [i.id for i in printed] == [ITEM] and again[2] == 2
    assert again == _check(config, capsys, "--no-cache")
