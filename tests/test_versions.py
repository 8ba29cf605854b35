"""Post versions from normalised content: harmless edits keep approvals, real ones say what changed."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from scheduler.inputs.campaign import Campaign, ReviewConfig, Stage
from scheduler.inputs.config import load_campaign
from scheduler.inputs.content import load_library
from scheduler.planning.planner import Plan, PlannedPost, make_plan
from scheduler.publishing import review
from scheduler.publishing import states as st
from scheduler.publishing.db import open_db
from scheduler.publishing.queue import Queue
from scheduler.publishing.queue_sync import fill
from scheduler.publishing.tables import posts, stage_passes
from scheduler.rendering.payloads import Renderer
from scheduler.rendering.versions import collapse, is_legacy, legacy_version, normalise, version_of

from .conftest import run_qm
from .daemon_helpers import local_campaign

NOW = 1_472_700_000.0  # 2016-09-01 (the Heihe example)
BEFORE_2027 = 1_800_000_000.0  # 2027-01-15: the whole month of the default config lies ahead
LEGACY_DB = Path(__file__).parent / "data" / "queue-12-digit-versions.sqlite3"  # made by qm before this scheme


# -- the normalisation itself -------------------------------------------------------------------


def test_whitespace_and_derived_fields_do_not_make_a_new_version() -> None:
    a = {
        "content": '<section>\n  <p style="color: red; margin:0">质量 月</p>\n\n<p>a  b</p></section>',
        "length": 10,
        "text": "【标题】摘要",
    }
    b = {"content": '<section><p style="color:red;margin:0">质量月</p>\n<p>a b</p>\n</section>', "length": 12, "text": "【标题】  摘要\n"}
    derived = frozenset({"length"})  # as a kind declares them (Kind.derived)
    assert normalise(a, derived) == normalise(b, derived) and version_of(a, "", derived) == version_of(b, "", derived)
    assert version_of(a) != version_of(b)  # a field the kind does not derive is part of what readers get
    assert version_of(a) != version_of({**a, "text": "【标题】摘 要改"})  # a word
    assert version_of(a) != version_of({**a, "content": a["content"].replace("a  b", "ab")})  # Latin words keep their spaces
    assert version_of(a) != version_of({**a, "content": a["content"].replace("color: red", "color: blue")})
    assert version_of(a, "pictures-1") != version_of(a, "pictures-2")


# Each edge of the ranges read as Chinese (CJK and full-width punctuation), and the characters beside them.
EDGES = "\u2e7f\u2e80\u9fff\ua000\uf8ff\uf900\ufaff\ufb00\ufe2f\ufe30\ufe4f\ufe50\ufeff\uff00\uffef\ufff0\U00020000a1，中"
SPACE_BY_WIDE = re.compile(
    r"(?<=[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]) | (?=[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef])"
)


def test_a_space_is_dropped_exactly_beside_chinese_as_the_character_class_says() -> None:
    for a in EDGES:
        for b in EDGES:
            for text in (f"{a} {b}", f" {a}\u3000\t{b} {a} {b}\n", f"{a}{b}  {b}"):
                assert collapse(text) == SPACE_BY_WIDE.sub("", re.sub(r"\s+", " ", text).strip()), ascii(text)
    assert collapse("") == "" and collapse(" \n ") == "" and collapse("第 3 届 质量月 in Heihe") == "第3届质量月in Heihe"


def test_versions_of_the_older_scheme_are_recognised_only_for_their_own_payload() -> None:
    payload = {"text": "【标题】摘要", "length": 6}
    old = legacy_version(payload)
    assert len(old) == 12 and is_legacy(old, payload)
    assert not is_legacy(old, {**payload, "text": "改过"}) and not is_legacy(version_of(payload), payload)


# -- a month of the default config --------------------------------------------------------------


def _month(config: Path) -> tuple[Campaign, Plan, Queue]:
    campaign = load_campaign(config)
    plan = make_plan(campaign, load_library(campaign.paths.content, campaign.text_values))
    return campaign, plan, Queue(open_db(f"sqlite:///{config.parent / 'queue.sqlite3'}"))


def _approved_month(config: Path) -> Queue:
    """The whole month in the queue, every post approved."""
    campaign, plan, queue = _month(config)
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027)
    for post in queue.find():
        review.approve(queue, post.id, "张科长", BEFORE_2027)
    return queue


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_whitespace_only_template_edit_keeps_every_approval_of_the_month(project: Callable[..., Path]) -> None:
    config = project()
    queue = _approved_month(config)
    before = {p.id: p for p in queue.find()}
    assert len(before) > 150 and all(p.state == st.APPROVED for p in before.values())
    templates = config.parent / "templates"
    _edit(templates / "wechat" / "article.html.j2", "{%- if item.is_launch %}", "\n\n{% if item.is_launch %}")  # no more trimming
    _edit(templates / "wechat" / "article.html.j2", '  <p class="lead">', '\n      <p class="lead">\n    ')
    _edit(templates / "weibo" / "post.txt.j2", "【{{ item.title }}】", "【 {{ item.title }} 】  \n")
    _edit(templates / "screen" / "slide.html.j2", "{{ headline }}</div>", "\n\n    {{ headline }}\n  </div>\n")
    campaign, plan, _ = _month(config)
    result = fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60)
    assert result.back_to_review == [] and result.changed == []
    after = {p.id: p for p in queue.find()}
    assert all(p.state == st.APPROVED and p.approved_version == p.version == before[p.id].version for p in after.values())
    launch = next(p for p in after.values() if p.channel == "wechat" and "启动暨集中宣传活动：" in p.payload["content"])
    assert launch.payload != before[launch.id].payload  # what goes out follows the templates all the same
    # A word in a template is a change: only the posts of that template go back, and they say which file.
    _edit(templates / "weibo" / "post.txt.j2", "【 {{ item.title }} 】", "【{{ item.title }}】转发周知：")
    campaign, plan, _ = _month(config)
    result = fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 120)
    assert sorted(result.back_to_review) == sorted(i for i, p in after.items() if p.channel == "weibo")
    reasons = queue.change_reasons(queue.find([st.PLANNED]))
    assert set(reasons.values()) == {"改动了模板 templates/weibo/post.txt.j2"}


def _qm_json(config: Path, *args: str) -> list[dict[str, object]]:
    done = run_qm("queue", "-c", config, "--json", *args, cwd=config.parent)
    assert done.returncode == 0, done.stderr
    records: list[dict[str, object]] = json.loads(done.stdout)
    return records


def test_a_changed_word_sends_back_exactly_its_posts_and_the_diff_shows_it(project: Callable[..., Path]) -> None:
    config = project()
    records = _qm_json(config)
    ids = [str(r["id"]) for r in records]
    approved = run_qm("approve", "-c", config, "--by", "张科长", *ids, cwd=config.parent)
    assert approved.returncode == 0, approved.stderr
    wechat = next(r for r in records if r["channel"] == "wechat")
    item = str(wechat["item"])
    campaign = load_campaign(config)
    found = load_library(campaign.paths.content, campaign.text_values).by_id[item]
    source = config.parent / found.source.rsplit(":", 1)[0]
    word = next(w for w in ("质量", "产品", "标准", "检查", "消费者") if w in found.body)
    text = source.read_text(encoding="utf-8")
    at = text.index(found.body[found.body.index(word) :])  # the first time the word is in the body, not the front matter
    source.write_text(text[:at] + text[at:].replace(word, "改过的词", 1), encoding="utf-8")
    after = _qm_json(config)
    back = sorted(str(r["id"]) for r in after if r["state"] == st.PLANNED)
    expected = sorted(str(r["id"]) for r in records if r["item"] == item and r["channel"] == "wechat")
    assert back == expected  # only its articles: Weibo and the screens do not show the body
    relative = source.relative_to(config.parent).as_posix()
    assert {r["change"] for r in after if r["state"] == st.PLANNED} == {f"改动了内容 {relative}"}
    table = run_qm("queue", "-c", config, "--state", "planned", cwd=config.parent)
    assert f"改动了内容 {relative}（qm queue --diff {expected[0]}）" in table.stdout
    history = run_qm("history", "-c", config, expected[0], cwd=config.parent)
    assert f"已审核 → 待审核 排期：改动了内容 {relative}" in re.sub(" +", " ", history.stdout)  # columns aligned
    assert "审核通过\n" in history.stdout and "版本" not in history.stdout, history.stdout  # no version codes: --json has them
    diff = run_qm("queue", "-c", config, "--diff", expected[0], cwd=config.parent)
    assert diff.returncode == 0, diff.stderr
    assert [line for line in diff.stdout.splitlines() if " | " in line]  # the changed line, old beside new
    assert "左：审核通过的文字；右：现在的文字；" in diff.stdout and "版本" not in diff.stdout, diff.stdout  # codes only to approve with
    assert f"⟦{word}⟧" in diff.stdout and "⟦改过的词⟧" in diff.stdout
    assert f"{expected[0]}：改动了内容 {relative}。" in diff.stdout
    version = next(str(r["version"]) for r in after if r["id"] == expected[0])
    assert diff.stdout.endswith(f"确认无误后：qm approve {expected[0]}@{version[:8]}\n"), (
        diff.stdout
    )  # the version shown, as qm approve asks
    unchanged = run_qm("queue", "-c", config, "--diff", next(i for i in ids if i not in expected), cwd=config.parent)
    assert "的内容与审核通过的文字相同，无需重新审核。" in unchanged.stdout, unchanged.stdout
    missing = run_qm("queue", "-c", config, "--diff", "20270999-weibo-0000", cwd=config.parent)
    assert missing.returncode == 2 and "队列中没有编号为 20270999-weibo-0000 的内容" in missing.stderr
    assert "Traceback" not in missing.stderr and missing.stdout == ""
    blank = run_qm("queue", "-c", config, "--diff", "", cwd=config.parent)
    assert blank.returncode == 2 and "qm queue --diff 后面要写一条内容的编号" in blank.stderr and blank.stdout == ""
    both = run_qm("queue", "-c", config, "--diff", expected[0], "--json", cwd=config.parent)
    assert both.returncode == 2 and "不能与 --json、--date 或 --state 同时使用" in both.stderr and both.stdout == ""


def test_a_new_hotline_names_the_config_key(project: Callable[..., Path]) -> None:
    config = project()
    queue = _approved_month(config)
    _edit(config, 'hotline: "12315"', 'hotline: "12345"')
    campaign, plan, _ = _month(config)
    result = fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60)
    assert result.back_to_review  # the hotline is on the posters and in the articles' footers
    reasons = set(queue.change_reasons(queue.find([st.PLANNED])).values())
    assert reasons == {"改动了配置 config.yaml: campaign.hotline"}
    post = queue.find([st.PLANNED])[0]
    assert "改动了配置 config.yaml: campaign.hotline（版本" in queue.history(post.id)[-1].why


# -- a database made by qm before this scheme ---------------------------------------------------


def _as_when_made(post: PlannedPost) -> PlannedPost:
    """The post with its item's words as they were when the database was made: the launch item's headline
    said 今天起质量月 then (false on a launch day after 1 September; corrected since)."""
    if post.item.id != "publicity-launch-quality-month":
        return post
    return dataclasses.replace(post, item=dataclasses.replace(post.item, headline="今天起质量月"))


def test_posts_approved_under_the_older_versions_stay_approved_after_the_upgrade(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    db = tmp_path / "old.sqlite3"
    shutil.copyfile(LEGACY_DB, db)
    campaign = local_campaign(heihe, tmp_path, f"sqlite:///{db}")
    queue = Queue(open_db(campaign.db_url))
    before = {p.id: p for p in queue.find()}
    assert all(len(p.version) == 12 for p in before.values())
    days = {p.id[:8] for p in before.values()}
    plan = Plan(tuple(_as_when_made(p) for p in heihe_plan.posts if p.at.strftime("%Y%m%d") in days), ())
    result = fill(queue, campaign, plan, Renderer(campaign), NOW)
    # Only words changed since send a post back: a picture's alt text that stopped at ； ends in 。 now.
    cut = sorted(i for i, p in before.items() if p.state == st.APPROVED and re.search(r'alt="[^"]*；"', str(p.payload.get("content"))))
    assert cut and result.back_to_review == cut and result.changed == [] and result.added == [] and result.cancelled == []
    after = {p.id: p for p in queue.find()}
    assert {i: p.state for i, p in after.items()} == {i: st.PLANNED if i in cut else p.state for i, p in before.items()}
    for post_id, post in after.items():
        if post.state == st.APPROVED:
            assert len(post.version) == 16 and post.approved_version == post.version
            assert queue.payload(post_id, post.version) is not None  # the approved text, for a later diff
        elif post.state == st.PUBLISHED:
            assert post.version == before[post_id].version  # what went out keeps the version it went out with
    with queue.engine.connect() as conn:
        passed = conn.execute(sa.select(stage_passes.c.post_id, stage_passes.c.version)).all()
    assert passed and all((before[i] if i in cut else after[i]).version == v for i, v in passed)  # passes of the old words stay theirs
    # Later a word changes: the post goes back saying which file, and the diff starts from the approval.
    approved = next(p for p in after.values() if p.state == st.APPROVED and p.channel == "wechat")
    edited = next(p for p in plan.posts if p.id == approved.id)
    item = dataclasses.replace(edited.item, title=edited.item.title + "（修订）")
    moved = Plan(tuple(p if p.id != approved.id else dataclasses.replace(p, item=item) for p in plan.posts), ())
    result = fill(queue, campaign, moved, Renderer(campaign), NOW + 60)
    assert approved.id in result.back_to_review
    reason = queue.change_reasons([p for p in queue.find([st.PLANNED]) if p.id == approved.id])[approved.id]
    assert reason.startswith("改动了内容 ") and item.source.rsplit(":", 1)[0].rsplit("/", 1)[-1] in reason


def test_a_post_already_handed_to_a_platform_is_never_given_a_new_version(tmp_path: Path, heihe: Campaign, heihe_plan: Plan) -> None:
    db = tmp_path / "old.sqlite3"
    shutil.copyfile(LEGACY_DB, db)
    campaign = local_campaign(heihe, tmp_path, f"sqlite:///{db}")
    queue = Queue(open_db(campaign.db_url))
    failed = next(p for p in queue.find() if p.state == st.APPROVED)
    with queue.engine.begin() as conn:  # it failed after WeChat may have taken it: a retry must repeat the same version
        conn.execute(
            posts.update()
            .where(posts.c.id == failed.id)
            .values(state=st.FAILED, receipt='{"status": "accepted", "data": {"media_id": "m1"}}')
        )
    days = {p.id[:8] for p in queue.find()}
    plan = Plan(tuple(p for p in heihe_plan.posts if p.at.strftime("%Y%m%d") in days), ())
    fill(queue, campaign, plan, Renderer(campaign), NOW)
    kept = queue.get(failed.id)
    assert kept is not None and kept.version == failed.version and kept.state == st.FAILED


def test_the_version_ignores_how_length_is_counted(heihe: Campaign, heihe_plan: Plan) -> None:
    post = next(p for p in heihe_plan.posts if p.channel == "weibo")
    rendered = Renderer(heihe).render(post)
    recounted = dataclasses.replace(rendered, payload={**rendered.payload, "length": rendered.payload["length"] + 7})
    assert recounted.version == rendered.version
    reworded = dataclasses.replace(rendered, payload={**rendered.payload, "text": rendered.payload["text"] + "改"})
    assert reworded.version != rendered.version


# -- words changed back, a cancelled post sent again ---------------------------------------------

TWO_STAGES = ReviewConfig(stages=(Stage("初审", "editor"), Stage("终审", "reviewer")))


def test_an_edit_undone_approves_its_posts_again_as_the_reviewers_left_them(project: Callable[..., Path]) -> None:
    config = project()
    queue = _approved_month(config)
    _edit(config, 'hotline: "12315"', 'hotline: "12345"')
    campaign, plan, _ = _month(config)
    sent_back = fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60).back_to_review
    assert sent_back
    _edit(config, 'hotline: "12345"', 'hotline: "12315"')
    campaign, plan, _ = _month(config)
    result = fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 120)
    assert sorted(result.approved_again) == sorted(sent_back) and not result.back_to_review
    for post_id in sent_back:
        post = queue.get(post_id)
        assert post is not None and post.state == st.APPROVED and post.approved_version == post.version
        assert post.approved_by == "张科长"
        last = queue.history(post_id)[-1]
        assert (last.from_state, last.to_state) == (st.PLANNED, st.APPROVED) and "内容改回了审核通过的版本" in last.why


def test_words_back_to_an_approval_replaced_since_are_reviewed_again_from_the_first_stage(project: Callable[..., Path]) -> None:
    config = project()
    campaign, plan, queue = _month(config)
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027)
    post_id = next(p.id for p in queue.find() if p.channel == "wechat")
    for who in ("王编辑", "张科长"):
        review.pass_stage(queue, post_id, who, BEFORE_2027, TWO_STAGES)
    for old, new in (('hotline: "12315"', 'hotline: "12345"'), ('hotline: "12345"', 'hotline: "12315"')):
        _edit(config, old, new)
        campaign, plan, _ = _month(config)
        assert post_id in fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60).back_to_review
        if new.endswith('"12345"'):  # the new words approved in both stages, then changed back
            for who in ("王编辑", "张科长"):
                review.pass_stage(queue, post_id, who, BEFORE_2027 + 90, TWO_STAGES)
    post = queue.get(post_id)
    assert post is not None and post.state == st.PLANNED  # the first words' approval was replaced: not restored
    first = review.pass_stage(queue, post_id, "李编辑", BEFORE_2027 + 120, TWO_STAGES)
    assert first is not None and (first.stage, first.approved) == ("初审", False)
    assert [p.who for p in review.passes(queue, post_id, post.version)] == ["李编辑"]
    final = review.pass_stage(queue, post_id, "张科长", BEFORE_2027 + 130, TWO_STAGES)
    assert final is not None and final.approved


def test_an_edit_undone_and_a_cancelled_post_sent_again_are_approved_from_the_command_line(project: Callable[..., Path]) -> None:
    config = project()
    records = _qm_json(config)
    wechat, weibo = (next(str(r["id"]) for r in records if r["channel"] == c) for c in ("wechat", "weibo"))
    approved = run_qm("approve", "-c", config, "--by", "张科长", wechat, weibo, cwd=config.parent)
    assert approved.returncode == 0, approved.stderr
    cancelled = run_qm("cancel", "-c", config, weibo, "--reason", "换一天发", cwd=config.parent)
    assert cancelled.returncode == 0, cancelled.stderr
    retried = run_qm("retry", "-c", config, weibo, "--by", "张科长", cwd=config.parent)
    assert retried.returncode == 0 and "已取消的内容重新排入，要重新审核" in retried.stdout, retried.stderr
    assert _state(config, weibo) == st.PLANNED
    again = run_qm("approve", "-c", config, "--by", "张科长", weibo, cwd=config.parent)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    assert _state(config, weibo) == st.APPROVED
    _edit(config, 'hotline: "12315"', 'hotline: "12345"')
    assert _state(config, wechat) == st.PLANNED
    _edit(config, 'hotline: "12345"', 'hotline: "12315"')
    assert _state(config, wechat) == st.APPROVED  # the words the reviewer approved, approved again


def _state(config: Path, post_id: str) -> str:
    return next(str(r["state"]) for r in _qm_json(config) if r["id"] == post_id)


def test_the_stages_one_version_passed_are_read_without_the_passes_of_its_other_versions(project: Callable[..., Path]) -> None:
    config = project()
    campaign, plan, queue = _month(config)
    fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027)
    first = next(p for p in queue.find() if p.channel == "wechat")
    review.pass_stage(queue, first.id, "王编辑", BEFORE_2027, TWO_STAGES)
    _edit(config, 'hotline: "12315"', 'hotline: "12345"')
    campaign, plan, _ = _month(config)
    assert first.id in fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 60).changed
    now = queue.get(first.id)
    assert now is not None and now.version != first.version
    review.pass_stage(queue, first.id, "李编辑", BEFORE_2027 + 90, TWO_STAGES)
    asked: list[tuple[object, ...]] = []

    def record(conn: object, cursor: object, statement: str, parameters: tuple[object, ...], *more: object) -> None:
        asked.append(tuple(parameters))

    sa.event.listen(queue.engine, "before_cursor_execute", record)
    try:
        assert [p.who for p in review.passes(queue, first.id, now.version)] == ["李编辑"]
        assert [p.who for p in review.passes(queue, first.id, first.version)] == ["王编辑"]
    finally:
        sa.event.remove(queue.engine, "before_cursor_execute", record)
    assert asked == [(first.id, now.version), (first.id, first.version)]  # one query each, asking for that version only


def test_a_setting_that_changes_no_post_is_not_named_when_a_post_goes_back_for_another_reason(project: Callable[..., Path]) -> None:
    """`web.session_idle_minutes` changed (alone it keeps every approval), then a post's content edited
    before the queue was filled again (the console restarted for the new config, say): the reason names
    the content, not the setting, which changed no word of it."""
    config = project()
    queue = _approved_month(config)
    config.write_text(config.read_text(encoding="utf-8") + "\nweb:\n  session_idle_minutes: 45\n", encoding="utf-8")
    campaign = load_campaign(config)
    item = next(p.item for p in queue.find() if p.channel == "weibo")
    library = load_library(campaign.paths.content, campaign.text_values)
    source = config.parent / library.by_id[item].source.rsplit(":", 1)[0]
    title = library.by_id[item].title
    _edit(source, title, title + "（修订）")
    campaign, plan, _ = _month(config)
    assert fill(queue, campaign, plan, Renderer(campaign), BEFORE_2027 + 120).back_to_review
    relative = source.relative_to(config.parent).as_posix()
    assert set(queue.change_reasons(queue.find([st.PLANNED])).values()) == {f"改动了内容 {relative}"}


def test_history_keeps_a_version_staff_quote_in_their_own_words(project: Callable[..., Path]) -> None:
    """qm history leaves out the versions qm writes in its records, not those in a reason staff typed."""
    config = project()
    first = str(_qm_json(config)[0]["id"])
    reason = "请改回版本 8eb4f891 的标题"
    assert run_qm("reject", first, "--reason", reason, "--by", "张科长", "-c", config, cwd=config.parent).returncode == 0
    history = run_qm("history", "-c", config, first, cwd=config.parent)
    assert reason in history.stdout, history.stdout
