"""The work summary's sentences, from made-up figures: the launch event's tense, the totals, the gaps in
the statistics, the titles of deleted items and the units' submissions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from scheduler.inputs.campaign import Campaign
from scheduler.publishing import states as st
from scheduler.report.document import day_label
from scheduler.report.gaps import sentences
from scheduler.report.launch_day import launch_text
from scheduler.report.post_rows import PostRow
from scheduler.report.submissions import sentences as unit_sentences
from scheduler.report.titles import from_payload
from scheduler.report.totals import Totals
from scheduler.units.submissions import Submission, statuses


def row(campaign: Campaign, at: dt.datetime, state: str, title: str = "质量月启动") -> PostRow:
    return PostRow(f"p{at:%d%H%M}", at, "wechat", "微信公众号", "publicity", "item", title, state, "", {})


def test_before_the_launch_the_event_is_planned_with_its_venue_and_the_posts_scheduled_that_day(heihe: Campaign) -> None:
    launch = heihe.launch_start
    rows = [row(heihe, launch - dt.timedelta(hours=1), st.SCHEDULED), row(heihe, launch + dt.timedelta(hours=11), st.CANCELLED)]
    before = launch_text(heihe, rows, heihe.start, heihe.end, launch - dt.timedelta(days=3))
    assert (
        before.sentence
        == "启动暨集中宣传活动定于9月8日（星期四）09:00在市中心广场举行。按排期，当天各渠道将发布 1 条（另有已取消 1 条，不计入）："
    )
    assert before.lines() == ["08:00 微信公众号：质量月启动"]
    nothing = launch_text(heihe, [], heihe.start, heihe.end, launch - dt.timedelta(days=3))
    assert nothing.sentence == "启动暨集中宣传活动定于9月8日（星期四）09:00在市中心广场举行。当天的发布内容尚未排入发布队列。"
    assert not nothing.posts and not nothing.sentence.endswith("：")
    outside = launch_text(heihe, rows, heihe.start, heihe.start + dt.timedelta(days=2), launch - dt.timedelta(days=8))
    assert outside.sentence == "启动暨集中宣传活动定于9月8日（星期四）09:00在市中心广场举行（启动日不在本报告的时间范围内）。"


ARRANGED = "启动暨集中宣传活动计划于9月8日（星期四）09:00在市中心广场举行。"  # the config's plan: all the records can back
FILL_IN = "启动活动的举行情况请据实补充。"


def test_a_simulation_made_before_the_launch_tells_what_went_out_that_day(heihe: Campaign) -> None:
    launch = heihe.launch_start
    rows = [row(heihe, launch + dt.timedelta(hours=1), st.PUBLISHED), row(heihe, launch + dt.timedelta(hours=2), st.PUBLISHED)]
    told = launch_text(heihe, rows, heihe.start, heihe.end, launch - dt.timedelta(days=300), simulated=True)
    assert told.sentence == ARRANGED + "当天各渠道发布 2 条：", told.sentence
    assert told.closing == FILL_IN  # the posts are listed; how the event went is the office's to tell


def test_after_the_launch_only_what_its_day_recorded_is_told_and_an_empty_day_is_left_for_the_office(heihe: Campaign) -> None:
    """The records show posts, not the event: never "…举行启动暨集中宣传活动" as a fact."""
    launch = heihe.launch_start
    rows = [row(heihe, launch + dt.timedelta(hours=1), st.PUBLISHED), row(heihe, launch + dt.timedelta(hours=2), st.MISSED)]
    after = launch_text(heihe, rows, heihe.start, heihe.end, launch + dt.timedelta(days=20))
    assert after.sentence == ARRANGED + "当天各渠道发布 1 条：" and len(after.posts) == 1 and after.closing == FILL_IN
    fill_in = FILL_IN
    same_day = launch_text(heihe, [], heihe.start, heihe.end, launch + dt.timedelta(hours=3))
    assert same_day.sentence == ARRANGED.replace("计划于", "安排于") + "截至本报告生成时当天各渠道没有发布记录。" + fill_in
    so_far = launch_text(heihe, rows[:1], heihe.start, heihe.end, launch + dt.timedelta(hours=3))
    assert so_far.sentence.endswith("截至本报告生成时当天各渠道发布 1 条：") and so_far.closing == ""  # the day is not over
    missed = launch_text(heihe, rows[1:], heihe.start, heihe.end, launch + dt.timedelta(days=7))
    assert missed.sentence == ARRANGED + "当天排期的 1 条内容没有发布记录（已错过 1 条）。" + fill_in and not missed.posts
    before_qm = launch_text(heihe, [], heihe.start, heihe.end, launch + dt.timedelta(days=7), unqueued=[heihe.key_dates.launch])
    assert before_qm.sentence == (
        ARRANGED + "当天的排期内容没有进入发布队列（发布队列从开始使用本系统的那天起收录排期），没有发布记录。" + fill_in
    )
    outside = launch_text(heihe, rows, heihe.start + dt.timedelta(days=10), heihe.end, launch + dt.timedelta(days=20))
    assert outside.sentence == "启动暨集中宣传活动计划于9月8日（星期四）09:00在市中心广场举行（启动日不在本报告的时间范围内）。"
    no_venue = dataclasses.replace(heihe, key_dates=dataclasses.replace(heihe.key_dates, launch_venue=""))
    assert launch_text(no_venue, rows, heihe.start, heihe.end, launch + dt.timedelta(days=20)).sentence.startswith(
        "启动暨集中宣传活动计划于9月8日（星期四）09:00举行。"
    )


def test_the_totals_count_every_queued_state_and_the_planned_posts_the_queue_never_held() -> None:
    """States in the order `qm queue` counts them, cancelled ones included."""
    made = dt.date(2026, 11, 27)
    queued = {"a": st.PUBLISHED, "b": st.SCHEDULED, "c": st.CANCELLED, "d": st.MISSED, "e": st.PUBLISHED}
    planned = [(k, made) for k in queued] + [("x", dt.date(2026, 11, 20)), ("y", dt.date(2026, 11, 26)), ("z", dt.date(2026, 11, 29))]
    totals = Totals.count(queued.values(), set(queued), planned, made)
    assert totals.sentence(day_label) == (
        "排期内容共 8 条。其中 5 条在发布队列中：待发布 1 条，已发布 2 条，已错过 1 条，已取消 1 条；"
        "另有 2 条安排在2026年11月20日至2026年11月26日，没有进入发布队列（发布队列从开始使用本系统的那天起收录排期），没有发布记录；"
        "另有 1 条是新排的内容，尚未加入发布队列（后台服务刷新队列时加入）。"
    )
    assert totals.to_json()["queued_by_state"] == {st.PUBLISHED: 2, st.SCHEDULED: 1, st.MISSED: 1, st.CANCELLED: 1}
    alone = Totals.count(queued.values(), set(queued), None, made)
    assert alone.sentence(day_label) == "排期内容共 5 条：待发布 1 条，已发布 2 条，已错过 1 条，已取消 1 条。"


def test_a_gap_names_the_screen_its_play_records_and_what_comes_next() -> None:
    gaps = [
        {"source": "市中心户外大屏", "source_id": "screen:center", "day": "2026-11-26", "state_key": "delay", "note": ""},
        {"source": "微博", "source_id": "weibo", "day": "2026-11-25", "state_key": "denied", "note": "应用没有 statuses/count 接口的权限"},
        {"source": "微信公众号", "source_id": "wechat", "day": "2026-11-24", "state_key": "error", "note": ""},
    ]
    screen, weibo, wechat = sentences(gaps)
    assert screen.startswith("市中心户外大屏的播放记录有 1 天尚未最终确定（2026-11-26）：播放电脑断网时会事后补报")
    assert weibo == "微博的统计数据有 1 天没有权限取得（2026-11-25）：应用没有 statuses/count 接口的权限。"
    assert wechat == "微信公众号的统计数据有 1 天没有取到（2026-11-24）。"  # nothing to say: no empty parenthesis
    assert not any("无说明" in s or "center" in s for s in (screen, weibo, wechat))


def test_the_title_of_a_deleted_item_comes_from_what_its_posts_carried() -> None:
    assert from_payload({"title": "绿色有机 认证\n指南", "digest": "…"}) == (0, "绿色有机 认证 指南")
    assert from_payload({"text": "#质量月#【绿色有机产品认证】怎么认？ http://x"}) == (1, "绿色有机产品认证")
    assert from_payload({"headline": "认准有机标志", "line": "…"}) == (2, "认准有机标志")
    assert from_payload({"text": "没有标题的微博"}) == (9, "")


def test_the_units_plans_and_summaries_on_time_late_missing_and_not_yet_due(heihe: Campaign) -> None:
    tz = heihe.timezone
    names = [u.name for u in heihe.units]

    def sent(unit: str, kind: str, day: dt.date) -> Submission:
        return Submission(unit, kind, Path("x.docx"), unit + kind, 1, dt.datetime.combine(day, dt.time(15), tz).timestamp())

    plans_due, summaries_due = heihe.key_dates.county_plans_due, heihe.key_dates.summary_due
    files = [
        sent(names[0], "plan", plans_due),
        sent(names[1], "plan", plans_due + dt.timedelta(days=3)),
        sent(names[2], "summary", summaries_due - dt.timedelta(days=1)),
    ]
    plan_line, summary_line = unit_sentences(statuses(heihe, files, summaries_due - dt.timedelta(days=2)), day_label)
    others = "、".join(names[2:])
    assert plan_line == (
        f"活动方案（2016年9月10日截止）：共 {len(names)} 个单位，按时报送 1 个（{names[0]}），迟交 1 个（{names[1]}迟 3 天），"
        f"未报送 {len(names) - 2} 个（{others}）。"
    )
    assert (
        summary_line
        == f"工作总结（2016年10月10日截止）：共 {len(names)} 个单位，按时报送 1 个（{names[2]}），{len(names) - 1} 个尚未报送（未到截止日期）。"
    )


def test_a_unit_whose_only_file_cannot_be_read_is_told_in_plain_words(heihe: Campaign) -> None:
    tz, name = heihe.timezone, heihe.units[0].name
    due = heihe.key_dates.summary_due
    broken = Submission(name, "summary", Path("总结.docx"), "x", 1, dt.datetime.combine(due, dt.time(9), tz).timestamp(), "文件已损坏")
    summary_line = unit_sentences(statuses(heihe, [broken], due - dt.timedelta(days=2)), day_label)[1]
    assert summary_line == (
        f"工作总结（2016年10月10日截止）：共 6 个单位，报送的文件未能收录 1 个（{name}：报送的文件无法打开，未到截止日期），"
        "5 个尚未报送（未到截止日期）。"
    ), summary_line


def test_a_report_before_anything_went_out_says_so_instead_of_counting_nothing(heihe: Campaign) -> None:
    import io

    import docx

    from scheduler.report.document import render
    from scheduler.report.figures import Figures

    launch = heihe.launch_start
    posts = [row(heihe, launch - dt.timedelta(hours=1), st.SCHEDULED)]
    totals = Totals.count([st.SCHEDULED], {posts[0].id}, None, heihe.start)
    made = launch - dt.timedelta(days=10)
    document = docx.Document(io.BytesIO(render(heihe, Figures(heihe.start, heihe.end, posts, totals=totals), [], made)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "主题开展2016年全市“质量月”活动。活动尚未开始，还没有发布宣传内容。" in text and "（无）" not in text
    assert "将于2016年9月1日至2016年9月30日围绕“" in text
    assert "排期内容共 1 条：待发布 1 条。" in text
    assert "启动暨集中宣传活动定于9月8日（星期四）09:00在市中心广场举行。按排期，当天各渠道将发布 1 条：" in text


def test_a_rehearsal_mid_campaign_with_nothing_recorded_on_the_launch_day_does_not_say_it_was_held(heihe: Campaign) -> None:
    """QM_NOW a week after the launch on a queue begun after it: the Word text says what the records show."""
    import io

    import docx

    from scheduler.report.document import render
    from scheduler.report.figures import Figures

    launch = heihe.launch_start
    made = launch + dt.timedelta(days=7)
    posts = [row(heihe, made + dt.timedelta(hours=2), st.SCHEDULED)]
    planned = [(posts[0].id, made.date()), ("launch-post", launch.date())]
    totals = Totals.count([st.SCHEDULED], {posts[0].id}, planned, made.date())
    document = docx.Document(io.BytesIO(render(heihe, Figures(heihe.start, heihe.end, posts, totals=totals), [], made)))
    text = [p.text for p in document.paragraphs]
    launch_part = text[text.index("三、启动暨集中宣传活动") + 1]
    assert launch_part == (
        ARRANGED
        + "当天的排期内容没有进入发布队列（发布队列从开始使用本系统的那天起收录排期），没有发布记录。启动活动的举行情况请据实补充。"
    )
    assert not any("举行启动暨集中宣传活动" in t for t in text)


def test_a_title_is_put_in_title_marks_once_with_its_own_made_the_inner_kind() -> None:
    from scheduler.support.title_marks import book_title

    assert book_title("读懂《质量强国建设纲要》") == "《读懂〈质量强国建设纲要〉》"
    assert book_title("《质量强国建设纲要》") == "《质量强国建设纲要》"  # a title that is one 《…》 already: not doubled
    assert book_title("《纲要》与《条例》对照") == "《〈纲要〉与〈条例〉对照》"
    assert book_title("买盐看标识") == "《买盐看标识》"


def test_the_channels_are_listed_in_config_order_and_a_tables_lead_in_stays_with_it(heihe: Campaign) -> None:
    """The posts come in time order (a screen at 06:30 before the WeChat article at 20:00); the report lists the
    channels as config.yaml does, and "明细如下：" never ends a page whose table starts on the next."""
    import io

    import docx
    from docx.oxml.ns import qn

    from scheduler.report.document import render
    from scheduler.report.figures import Figures

    launch = heihe.launch_start
    day = launch + dt.timedelta(days=1)
    posts = [
        dataclasses.replace(
            row(heihe, day.replace(hour=6, minute=30), st.PUBLISHED), id="s", channel="screen:station", channel_name="车站竖屏"
        ),
        dataclasses.replace(row(heihe, day.replace(hour=9, minute=30), st.PUBLISHED), id="w", channel="weibo", channel_name="微博"),
        dataclasses.replace(row(heihe, day.replace(hour=10), st.FAILED), id="f", channel="weibo", channel_name="微博"),
        row(heihe, day.replace(hour=20), st.PUBLISHED),
    ]
    totals = Totals.count([p.state for p in posts], {p.id for p in posts}, None, day.date())
    figures = Figures(heihe.start, heihe.end, posts, totals=totals, channels=("wechat", "weibo", "screen:station"))
    document = docx.Document(io.BytesIO(render(heihe, figures, [], day + dt.timedelta(days=1))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "（微信公众号 1 条，微博 1 条，车站竖屏 1 条）" in text, text
    body = list(document.element.body.iterchildren(qn("w:p"), qn("w:tbl")))
    lead_ins = [body[n - 1] for n, block in enumerate(body) if block.tag == qn("w:tbl") and body[n - 1].tag == qn("w:p")]
    assert lead_ins and all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in lead_ins)
    assert any("".join(p.itertext()).endswith("明细如下：") for p in lead_ins)


def test_the_annex_starts_its_page_by_its_heading_not_by_a_paragraph_that_may_fall_on_a_page_of_its_own(heihe: Campaign) -> None:
    """A summary that fills its last page exactly would leave the page-break paragraph at the top of the next
    page and the annex on the one after: a blank page in the middle of the document."""
    import io

    import docx
    from docx.oxml.ns import qn

    from scheduler.report.document import render
    from scheduler.report.figures import Figures

    made = heihe.launch_start - dt.timedelta(days=10)
    document = docx.Document(io.BytesIO(render(heihe, Figures(heihe.start, heihe.end, []), [], made)))
    annex = next(p for p in document.paragraphs if p.text == "附件：已发布内容明细")
    assert annex.paragraph_format.page_break_before
    assert not document.element.body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")


def test_a_work_summary_title_too_long_for_a_line_breaks_after_the_campaigns_name(heihe: Campaign) -> None:
    import io

    import docx

    from scheduler.report.document import render
    from scheduler.report.figures import Figures

    made = heihe.launch_start - dt.timedelta(days=10)
    long = dataclasses.replace(heihe, name="2027年黑龙江省大兴安岭地区“质量月”活动")  # 25 characters at 20 pt: 22 fit
    document = docx.Document(io.BytesIO(render(long, Figures(heihe.start, heihe.end, []), [], made)))
    assert document.paragraphs[0].text == "2027年黑龙江省大兴安岭地区“质量月”活动\n工作总结"
    document = docx.Document(io.BytesIO(render(heihe, Figures(heihe.start, heihe.end, []), [], made)))
    assert document.paragraphs[0].text == "2016年全市“质量月”活动工作总结"


def test_the_posts_overdue_are_counted_per_channel_in_config_order_as_part_one_lists_them(heihe: Campaign) -> None:
    from scheduler.report.overdue import sentence

    day = heihe.launch_start + dt.timedelta(days=1)
    posts = [
        dataclasses.replace(
            row(heihe, day.replace(hour=6, minute=30), st.SCHEDULED), id="s", channel="screen:station", channel_name="车站竖屏"
        ),
        dataclasses.replace(row(heihe, day.replace(hour=9, minute=30), st.SCHEDULED), id="w", channel="weibo", channel_name="微博"),
        row(heihe, day.replace(hour=20), st.SCHEDULED),
    ]
    said = sentence(posts, day_label, ("wechat", "weibo", "screen:station"))
    assert said.startswith("时间已过仍未发出 3 条（微信公众号 1 条，微博 1 条，车站竖屏 1 条）："), said
