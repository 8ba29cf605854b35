"""The work summary (工作总结) as a Word document (python-docx), in the usual shape:

    一、基本情况          theme, window, organisers, what went out where
    二、各项活动开展情况  per activity area of the plan
    三、启动暨集中宣传活动 the launch event: planned, or what its day's records show (`launch_day`)
    四、宣传数据          figures and charts
    五、存在的问题及处理情况 failures, missed and late posts, pauses, gaps in the statistics
    六、各单位报送情况    units' plans and summaries (only when `units:` is configured)
    附件                  every published post: slot, publish time, channel, title, link, figures

It is a draft staff will edit: plain sentences built from counts, no claims the data cannot back. A
report on a database `qm simulate` made says so above the title and in every page's header.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from ..inputs.campaign import Campaign
from ..inputs.vocabulary import AREAS
from ..publishing import states as st
from ..simulation.marker import NOTICE
from ..support.title_marks import book_title
from . import gaps, overdue, submissions
from .charts import Chart
from .figures import METRIC_LABELS, WECHAT_ACCOUNT, Figures
from .lateness import LATE_AFTER, WENT_OUT, duration
from .launch_day import launch_text
from .post_rows import PUBLISHED_TIME, PostRow
from .tense import nothing, overview, phase
from .word import set_styles, table, title

NUMERALS = "一二三四五六七八九十"
LATE_LISTED = 20  # late posts listed one by one in part 五, longest delay first
LATE_HEAD = ["编号", "排期时间", "发出时间", "渠道", "标题", "晚了"]  # 编号: what finds the post's history
ANNEX_HEAD = ["排期时间", "平台发布时间", "渠道", "标题", "链接", "数据"]


def day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render(campaign: Campaign, figures: Figures, charts: Sequence[Chart], made: dt.datetime) -> bytes:
    """`made`: when the report is made (aware): it decides the tense of the launch event."""
    doc = Document()
    set_styles(doc)
    if figures.simulated:
        _simulated(doc)
    title(doc, campaign.name, "工作总结")
    source = "数字均取自模拟数据库" if figures.simulated else "数字均取自 qm 数据库"
    note = doc.add_paragraph(f"（草稿：由 qm 根据发布记录和统计数据于{day_label(made.date())}生成，{source}，请核对、补充后使用）")
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    when = phase(campaign, made, figures.simulated)
    _overview(doc, campaign, figures, when)
    _areas(doc, figures, when)
    _launch(doc, campaign, figures, made)
    _data(doc, figures, charts, when)
    _problems(doc, figures, when)
    if figures.units:
        _heading(doc, 6, "各单位报送情况")
        if figures.simulated:  # the units' files are real ones, counted as `qm units` counts them
            doc.add_paragraph("本部分按报送目录中各单位实际报送的文件统计（与 qm units 一致），不是模拟数据。")
        for line in submissions.sentences(figures.units, day_label):
            doc.add_paragraph(line)
    _annex(doc, figures, when)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _simulated(doc: DocumentObject) -> None:
    """Say it above the title and in every page's header: the figures are invented."""
    warning = doc.add_paragraph()
    warning.add_run(f"【{NOTICE}】").bold = True
    warning.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header = doc.sections[0].header.paragraphs[0]
    header.add_run("模拟数据，不是真实发布").bold = True
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _heading(doc: DocumentObject, n: int, text: str) -> None:
    doc.add_heading(f"{NUMERALS[n - 1]}、{text}", level=1)


def _overview(doc: DocumentObject, campaign: Campaign, f: Figures, when: str) -> None:
    _heading(doc, 1, "基本情况")
    organisers = "、".join([campaign.organizer, *campaign.co_organizers])
    parts = "，".join(f"{name} {n} 条" for name, n in f.published_by_channel().items())
    window = f"{day_label(f.start)}至{day_label(f.end)}"
    doc.add_paragraph(overview(campaign, when, window, organisers, len(f.published), parts))
    late = f"已发布的内容中迟发 {len(f.late.posts)} 条。" if f.late.posts else ""
    problems = f"发布失败或错过 {len(f.problems)} 条，见第五部分。" if f.problems else ""
    doc.add_paragraph(f.totals.sentence(day_label) + overdue.brief(f.overdue) + late + problems)


def _areas(doc: DocumentObject, f: Figures, when: str) -> None:
    _heading(doc, 2, "各项活动开展情况")
    if not f.published:  # one sentence, not five headings each counting nothing
        doc.add_paragraph(nothing(when, "发布内容"))
        return
    by_area = f.published_by_area()
    for n, (key, label) in enumerate(AREAS.items(), start=1):
        doc.add_heading(f"（{NUMERALS[n - 1]}）{label}", level=2)
        titles = list(dict.fromkeys(p.title for p in f.published if p.area == key))
        sample = "、".join(book_title(t) for t in titles[:6])
        more = f"等 {len(titles)} 项内容" if len(titles) > 6 else ""
        text = f"发布 {by_area[label]} 条" + (f"，涉及{sample}{more}。" if titles else "。")
        doc.add_paragraph(text)


def _launch(doc: DocumentObject, campaign: Campaign, f: Figures, made: dt.datetime) -> None:
    _heading(doc, 3, "启动暨集中宣传活动")
    text = launch_text(campaign, f.posts, f.start, f.end, made, f.simulated, f.totals.before)
    doc.add_paragraph(text.sentence)
    for line in text.lines():
        doc.add_paragraph(line, style="List Bullet")
    if text.closing:
        doc.add_paragraph(text.closing)


def _data(doc: DocumentObject, f: Figures, charts: Sequence[Chart], when: str) -> None:
    _heading(doc, 4, "宣传数据")
    if not (f.published or f.wechat_account or f.screen_totals() or charts):
        doc.add_paragraph(nothing(when, "发布数据"))
        return
    rows = [[name, str(n)] for name, n in f.published_by_channel().items()]
    table(doc, ["渠道", "已发布（条）"], [*rows, ["合计", str(len(f.published))]])
    if f.wechat_account:
        figures = "，".join(f"{METRIC_LABELS[m]} {int(f.wechat_account[m])}" for m in WECHAT_ACCOUNT if m in f.wechat_account)
        doc.add_paragraph(f"公众号（按微信数据接口逐日汇总，{day_label(f.start)}至{day_label(f.end)}）：{figures}。")
    weibo = [p for p in f.published if p.channel == "weibo" and p.figures]
    if weibo:
        sums = {m: int(sum(p.figures.get(m, 0) for p in weibo)) for m in ("reposts", "comments", "likes")}
        doc.add_paragraph(
            f"微博（{len(weibo)} 条有统计数据，取最近一次的累计数）：转发 {sums['reposts']}，评论 {sums['comments']}，点赞 {sums['likes']}。"
        )
    totals = f.screen_totals()
    if totals:
        doc.add_paragraph("户外电子屏（按播放记录统计）：")
        table(
            doc,
            ["电子屏", "播放天数", "播放次数", "播放时长（小时）"],
            [[name, str(int(t["days"])), str(int(t["plays"])), f"{t['minutes'] / 60:.1f}"] for name, t in totals.items()],
        )
    top = f.top_articles()
    if top:
        doc.add_paragraph("阅读人数最多的公众号文章：")
        table(
            doc,
            ["发布时间", "标题", "阅读人数", "分享人数"],
            [[f"{p.at:%m-%d}", p.title, _n(p, "read_user"), _n(p, "share_user")] for p in top],
            widths=(2.2, 8.6, 2.5, 2.5),
        )
    for chart in charts:
        doc.add_picture(str(chart.path), width=Cm(15.5))
        caption = doc.add_paragraph(f"图：{chart.title}")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _problems(doc: DocumentObject, f: Figures, when: str) -> None:
    _heading(doc, 5, "存在的问题及处理情况")
    waiting = f.overdue
    if not (f.problems or f.published or waiting):
        doc.add_paragraph(nothing(when, "发布记录，也就没有发布失败、错过或迟发的情况"))
    if waiting:  # never "nothing went wrong" while posts whose slot is past have not gone out
        doc.add_paragraph(overdue.sentence(waiting, day_label, f.channels))
    elif f.published and not f.problems:
        doc.add_paragraph("本期排期内容没有发布失败或错过的情况。")
    if f.problems:
        states = Counter(st.label(p.state) for p in f.problems)
        doc.add_paragraph("发布失败或错过的内容：" + "，".join(f"{label} {n} 条" for label, n in states.items()) + "，明细如下：")
        table(
            doc,
            ["时间", "渠道", "标题", "状态", "原因"],
            [[f"{p.at:%m-%d %H:%M}", p.channel_name, p.title, st.label(p.state), p.reason] for p in f.problems],
            widths=(2.2, 2.4, 4.4, 1.4, 5.4),
        )
    if f.published:
        _late(doc, f)
    for pause in f.pauses:
        what = "暂停" if pause["action"] == "pause" else "恢复"
        reason = f"，原因：{pause['reason']}" if pause["reason"] else ""
        who = f"（{pause['who']}）" if pause["who"] else ""
        doc.add_paragraph(f"{pause['at']} {what}{pause['channel']}的发布{reason}{who}。", style="List Bullet")
    for line in gaps.sentences(f.gaps):
        doc.add_paragraph(line, style="List Bullet")


def _late(doc: DocumentObject, f: Figures) -> None:
    """The posts that went out more than a minute after their slot: how many, by how much, per channel."""
    threshold = f"晚于排期时间 {LATE_AFTER / 60:g} 分钟以上"
    lateness = f.late
    by_hand = f"人工确认发布的 {lateness.by_hand} 条记录的是确认时间，未计入。" if lateness.by_hand else ""
    late = lateness.posts
    if not late:
        doc.add_paragraph(f"已发布的内容没有迟发（{threshold}发出）的情况。{by_hand}")
        return
    per = "，".join(f"{name} {n} 条（{'最长' if n > 1 else ''}晚 {duration(s)}）" for name, (n, s) in lateness.by_channel().items())
    first = late[0]
    doc.add_paragraph(
        f"迟发：{len(late)} 条内容{threshold}发出（{per}；{WENT_OUT}）。最长的是 {first.at:%m-%d %H:%M} {first.channel_name}的{book_title(first.title)}，"
        f"晚了 {duration(first.delay)}。各条迟发的原因可按表中的编号查阅该条内容的发布记录。{by_hand}"
        + (f"晚得最多的 {LATE_LISTED} 条如下：" if len(late) > LATE_LISTED else "明细如下：")
    )
    table(
        doc,
        LATE_HEAD,
        [
            [p.id, f"{p.at:%m-%d %H:%M}", f"{p.went_out:%m-%d %H:%M}" if p.went_out else "", p.channel_name, p.title, duration(p.delay)]
            for p in late[:LATE_LISTED]
        ],
        widths=(3.6, 1.9, 1.9, 2.0, 4.4, 2.0),
        small=True,
    )


def _annex(doc: DocumentObject, f: Figures, when: str) -> None:
    # The heading starts the page itself: a paragraph holding only a page break, left at the top of the next
    # page when the summary fills the one before, would push the annex on and leave a blank page between.
    doc.add_heading("附件：已发布内容明细", level=1).paragraph_format.page_break_before = True
    if not f.published:
        doc.add_paragraph(nothing(when, "已发布的内容"))
        return
    doc.add_paragraph(f"{PUBLISHED_TIME}。")
    rows = [[f"{p.at:%m-%d %H:%M}", _moment(p.published), p.channel_name, p.title, p.link, _figures(p)] for p in f.published]
    table(doc, ANNEX_HEAD, rows, widths=(1.9, 1.9, 2.0, 4.4, 3.0, 2.6), small=True)


def _moment(at: dt.datetime | None) -> str:
    return f"{at:%m-%d %H:%M}" if at is not None else ""


def _figures(p: PostRow) -> str:
    return "，".join(f"{METRIC_LABELS.get(m, m)} {int(v)}" for m, v in p.figures.items() if m in METRIC_LABELS)


def _n(p: PostRow, metric: str) -> str:
    return str(int(p.figures.get(metric, 0)))
