"""One content file that does not load holds back only its own items: the daemon still draws the other
items' pictures and publishes their approved posts, and `qm queue` still shows the queue, naming the file."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.channels import make_channels
from scheduler.inputs.campaign import Campaign
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import ContentItem, load_library
from scheduler.planning.planner import Plan, make_plan
from scheduler.poster.files import PosterFiles
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.rendering.payloads import Renderer

from .conftest import calls, run_qm
from .daemon_helpers import Harness, Recorder, local_campaign

TOO_LONG = "line: 这是一行故意写得特别特别长的电子屏文字超过二十个字了吧"


def break_line(item: ContentItem) -> str:
    """Make the item's screen line too long, as staff did by hand; its file:line as messages name it."""
    path = Path(item.source.rsplit(":", 1)[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^line: .*$", TOO_LONG, text, count=1, flags=re.M), encoding="utf-8")
    return item.where("line")


def weibo_posts(campaign: Campaign, plan: Plan) -> list[Plan]:
    """The first day's two Weibo posts with pictures and items of their own Markdown files, each as a plan."""
    renderer = Renderer(campaign)
    first = min(p.slot.day for p in plan.posts)
    found = [
        p
        for p in plan.posts
        if p.slot.day == first and p.slot.channel == "weibo" and renderer.render(p).images and p.item.source.split(":")[0].endswith(".md")
    ]
    assert len(found) >= 2
    return [Plan((p,), ()) for p in found[:2]]


def test_a_broken_file_holds_back_only_its_own_items_posts(project: Callable[..., Path], tmp_path: Path) -> None:
    campaign = local_campaign(load_campaign(project()), tmp_path)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    good, bad = weibo_posts(campaign, plan)
    both = Plan((*good.posts, *bad.posts), ())
    start = min(p.at for p in both.posts) - dt.timedelta(hours=1)
    notices = Recorder()
    h = Harness(campaign, both, Renderer(campaign), start, notifications=notices)
    h.channels = make_channels(campaign, PosterFiles(campaign))  # type: ignore[assignment]  # outboxes drawing the pictures
    try:
        h.fill()
        h.approve_all()
        h.start()
        broken = break_line(bad.posts[0].item)  # staff break a file while the daemon runs
        h.run_until(max(p.at for p in both.posts) + dt.timedelta(minutes=5))
        ok, held = good.posts[0].id, bad.posts[0].id
        assert (h.state(ok), h.state(held)) == (st.PUBLISHED, st.FAILED)
        meta = json.loads((campaign.paths.state / "outbox" / "weibo" / ok / "metadata.json").read_text(encoding="utf-8"))
        assert meta["images"] and meta["missing_images"] == []  # with its picture
        post = h.queue.get(held)
        assert post is not None and broken in post.last_error and "超过" in post.last_error
        notice = next(n for n in notices.sent if held in n.title)
        assert any(broken in line for line in notice.lines)
    finally:
        h.close()


def test_qm_queue_shows_the_queue_when_a_file_is_broken_and_names_it(project: Callable[..., Path]) -> None:
    config = project()
    day = "2027-09-08"
    listed = json.loads(run_qm("queue", "--date", day, "--json", "-c", config).stdout)
    assert listed
    library = load_library(config.parent / "content", load_campaign(config).text_values)
    post, item = next((p, i) for p in listed if (i := library.get(p["item"])) is not None and i.source.split(":")[0].endswith(".md"))
    broken = break_line(item)
    done = run_qm("queue", "--date", day, "-c", config)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if post["id"] in line)
    assert "（内容库中已没有或无法读取）" in row
    assert broken in done.stderr and "队列没有按内容库刷新" in done.stderr and "Traceback" not in done.stderr
    again = json.loads(run_qm("queue", "--date", day, "--json", "-c", config).stdout)
    assert [p["id"] for p in again] == [p["id"] for p in listed]  # nothing cancelled or moved meanwhile


def test_work_ahead_draws_the_other_items_posters_and_names_the_broken_file(project: Callable[..., Path]) -> None:
    from scheduler.cli.context import Context
    from scheduler.cli.daemon_cmds import _ahead
    from scheduler.runtime.work_ahead import Ahead
    from scheduler.support.errors import ContentError
    from scheduler.support.values import poster_path

    config = project()
    ctx = Context(config)
    good, bad = (plan.posts[0] for plan in weibo_posts(ctx.campaign, ctx.plan))
    queue = ctx.filled_queue()
    for post in (good, bad):
        review.approve(queue, post.id, "张科长", time.time())
    broken = break_line(bad.item)
    with pytest.raises(ContentError) as failed:
        _ahead(config, queue, Ahead(), Recorder(), min(good.at, bad.at) - dt.timedelta(hours=1))
    assert any(broken in line and "超过" in line for line in failed.value.lines())
    drawn = queue.get(good.id)
    assert drawn is not None and drawn.images and all(poster_path(ctx.campaign.paths.posters, i).is_file() for i in drawn.images)
    held = queue.get(bad.id)
    assert held is not None and not any(poster_path(ctx.campaign.paths.posters, i).is_file() for i in held.images)


def test_qm_queue_reads_the_library_once_whole_or_broken(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan's library and the table's titles are one read, whether every file loads or one does not."""
    from scheduler.cli.main import main
    from scheduler.inputs import content

    config = project()
    reads = calls(monkeypatch, content, "read_library", 0)
    assert main(["queue", "--date", "2027-09-08", "-c", str(config)]) == 0
    assert len(reads) == 1
    library = load_library(config.parent / "content", load_campaign(config).text_values)
    break_line(next(i for i in library.items if i.source.split(":")[0].endswith(".md")))
    reads.clear()
    assert main(["queue", "--date", "2027-09-08", "-c", str(config)]) == 0
    assert len(reads) == 1 and "队列没有按内容库刷新" in capsys.readouterr().err


def test_the_daemon_tells_staff_of_a_broken_file_once_again_when_it_changes_and_when_it_is_fixed(
    project: Callable[..., Path], tmp_path: Path
) -> None:
    """The work done ahead runs every 5 minutes: a file that stays broken is told once (not at every round, nor
    by the standby that takes over), a new problem once more, and its fixing once."""
    from scheduler.inputs.content import read_library
    from scheduler.runtime.work_ahead import held_back

    campaign = local_campaign(load_campaign(project()), tmp_path)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    good, bad = weibo_posts(campaign, plan)
    notices = Recorder()
    h = Harness(campaign, good, Renderer(campaign), good.posts[0].at - dt.timedelta(hours=3), notifications=notices)

    def ahead(now: dt.datetime) -> None:  # as `qm daemon` does it with a broken file: the others' posters, then say which file
        library = read_library(campaign.paths.content, campaign.text_values)
        if library.problems:
            raise held_back(campaign, library, h.queue.find([st.APPROVED, st.SCHEDULED]), now)

    def told(minutes: int) -> list[str]:
        h.run_until(h.clock.now() + dt.timedelta(minutes=minutes))
        said = [f"{n.title}｜{'；'.join(n.lines)}" for n in notices.sent if n.title.startswith("【提前准备】")]
        notices.sent.clear()
        return said

    h.ahead = ahead
    source = Path(bad.posts[0].item.source.rsplit(":", 1)[0])
    fine = source.read_text(encoding="utf-8")
    try:
        h.fill()
        h.approve_all()
        h.start()
        assert told(6) == []
        broken = break_line(bad.posts[0].item)
        first = told(21)  # a round every 5 minutes; the first draws the good post's poster, the others nothing more
        assert len(first) == 1 and "更新失败" in first[0] and broken in first[0] and "超过" in first[0]
        h.crash()  # the standby takes over the same database
        h.start()
        assert told(16) == []
        source.write_text(fine.replace("title: ", "title: [", 1), encoding="utf-8")  # another mistake in the same file
        other = told(11)
        assert len(other) == 1 and "更新失败" in other[0] and broken not in other[0]
        source.write_text(fine, encoding="utf-8")
        assert [n.split("｜")[0] for n in told(16)] == ["【提前准备】已恢复：海报和电子屏播放列表重新按时更新"]
    finally:
        h.close()
