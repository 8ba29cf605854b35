"""One self-contained HTML page showing a day as readers will see it, with lint findings."""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape

from ..channels.kinds import Kind, kind_named, kinds, label_of
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..inputs.content_markup import guide_reasons
from ..inputs.vocabulary import AREAS
from ..planning.planner import Plan, PlannedPost
from ..planning.reminders import Reminder
from ..poster import fonts, glyphs
from ..poster.fonts import CSS_FAMILIES, css_font_face
from ..poster.freshness import OUT_OF_DATE, named, out_of_date
from ..poster.texts import PosterText
from ..rendering.lint import Finding, lint_post
from ..rendering.payloads import RenderedPost, Renderer
from ..rendering.versions import shown
from ..support.values import ImageRef, drawn_poster, poster_path
from .placeholder import placeholder_src


@dataclass(frozen=True)
class DayPreview:
    day: dt.date
    posts: list[tuple[PlannedPost, RenderedPost, list[Finding]]]
    reminders: list[Reminder]
    said_once: tuple[str, ...] = ()  # what stops every poster of the day (no Chinese font): said once, not once a post

    @property
    def findings(self) -> list[Finding]:
        return [f for _, _, fs in self.posts for f in fs]


def build(campaign: Campaign, plan: Plan, renderer: Renderer, day: dt.date) -> DayPreview:
    rendered = [(post, renderer.render(post)) for post in plan.on(day)]
    posters = {poster_path(campaign.paths.posters, i) for _, r in rendered for i in r.images}
    said_once = (str(fonts.no_font_problem(len(posters))),) if posters and fonts.none_found(campaign.brand.font) else ()
    known: dict[str, ItemVerdict] = {}
    posts = [(post, r, post_findings(campaign, post.item, r, known, bool(said_once))) for post, r in rendered]
    return DayPreview(day, posts, [r for r in plan.reminders if r.at.date() == day], said_once)


ItemVerdict = tuple[list[str], list[str]]  # what the content guide finds in an item; why its posters cannot be drawn
NO_FONT = "没有中文字体，海报画不出来（原因和补救办法见开头）"  # a post's share of the day's no-font message


def post_findings(
    campaign: Campaign,
    item: ContentItem,
    rendered: RenderedPost,
    known: dict[str, ItemVerdict],
    no_font: bool = False,
    old: Sequence[ImageRef] | None = None,
) -> list[Finding]:
    """What `qm check` finds against one post: in its words (`lint_post`), in its item as the content guide
    asks (a full summary, no markup), and in its posters' words no font can draw; and, for a reviewer, a
    poster drawn before its words changed. `known` keeps each item's verdict: an item has posts on
    several channels and days. `no_font`: the caller says once that there is no Chinese font at all, so
    the post says only that its posters cannot be drawn (not that the ones on disk are out of date). `old`:
    its posters out of date, when the caller knows them (the console keeps them: `pages.posts.Checks`)."""
    if item.id not in known:
        drawing = [NO_FONT] if no_font else [str(p) for p in glyphs.drawing_problems([PosterText.of(item)], campaign.brand.font)]
        known[item.id] = (guide_reasons(item), drawing)
    guide, undrawable = known[item.id]
    reasons = guide + (undrawable if rendered.images else [])
    # the page would show a picture of the words before (not said without a font: it cannot be redrawn, the font is why)
    old = out_of_date(campaign, item, rendered.images) if old is None and not no_font else old
    if not no_font and old:
        reasons.append(f"{named(campaign, item, old)}：{OUT_OF_DATE}")
    return lint_post(campaign, rendered) + [Finding(rendered.post_id, rendered.channel, reason) for reason in reasons]


def summary_lines(campaign: Campaign, preview: DayPreview) -> list[str]:
    lines = [f"问题：{said}" for said in preview.said_once]
    lines.append(f"{preview.day} 共 {len(preview.posts)} 条内容：" if preview.posts else f"{preview.day} 没有排期内容。")
    for post, rendered, findings in preview.posts:
        extra = kind_for(post.channel).summary(rendered.payload)
        mark = "✗" if findings else "✓"
        lines.append(
            f"  {mark} {post.at:%H:%M} {label_of(campaign, post.channel)}  {post.item.title}{extra}  [{post.id}@{shown(rendered.version)}]"
        )
        lines += [f"      问题：{f.reason}" for f in findings]
    lines += [f"  提醒 {r.at:%H:%M} {r.message}" for r in preview.reminders]
    return lines


def poster_file(campaign: Campaign, image: ImageRef) -> Path | None:
    """The poster file drawn for `image`, if it has been drawn."""
    drawn = drawn_poster(campaign.paths.posters, image)
    return drawn[0] if drawn else None


ImageSource = Callable[[ImageRef], str]  # where a page finds a poster: a data: URI here, a URL in the web console


def _image_src(campaign: Campaign, image: ImageRef, item: ContentItem) -> str:
    path = poster_file(campaign, image)
    if path is not None:
        mime = "image/png" if path.suffix == ".png" else "image/jpeg"
        return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()
    return placeholder_src(campaign, image, item.area if item.id == image.item else "")


_STYLE = (
    """
body{margin:0;background:#ededed;font-family:"""
    + CSS_FAMILIES
    + """;color:#1a1a1a}
header{background:#1f4e9d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.9}
main{display:flex;flex-wrap:wrap;gap:24px;padding:24px;align-items:flex-start}
section.col{flex:0 0 auto}section.col>h2{font-size:16px;margin:0 0 8px;color:#333}
.phone{width:375px;background:#fff;border-radius:24px;border:10px solid #222;padding:18px 16px;box-sizing:border-box;margin-bottom:24px}
.phone h3.title{font-size:21px;line-height:1.4;margin:0 0 8px}.phone .by{color:#888;font-size:13px;margin-bottom:14px}
.phone .cover{width:100%;display:block;margin-bottom:12px}
.card{width:420px;background:#fff;border-radius:8px;padding:14px 16px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card .who{font-weight:700;color:#eb7350;margin-bottom:6px}.card .text{line-height:1.6;white-space:pre-wrap;overflow-wrap:anywhere}
.card img{width:180px;margin-top:8px;border-radius:4px}.card .meta{color:#888;font-size:12px;margin-top:8px}
.slide-box{margin-bottom:16px;width:420px;max-width:100%}.slide-frame{overflow:hidden;border:4px solid #111;background:#000;box-sizing:content-box}
.slide-box .meta{color:#555;font-size:12px;margin-top:4px}
.ok{color:#1a7f37}.bad{color:#c8102e;font-weight:700}header .ok,header .bad{display:inline-block;background:#fff;padding:1px 8px;border-radius:10px;margin-left:10px}.findings{margin:6px 0 0;padding-left:18px;color:#c8102e;font-size:13px}
.reminder{background:#fffbe6;border:1px solid #f2b705;padding:8px 12px;margin-bottom:8px;border-radius:4px;width:420px}
@media (max-width:500px){main{padding:12px 8px;gap:12px}section.col{flex:1 1 100%;min-width:0}
.phone,.card,.reminder{width:100%;box-sizing:border-box}header{padding:12px}}
"""
)


def to_html(campaign: Campaign, preview: DayPreview) -> str:
    cols: dict[str, list[str]] = {kind.name: [] for kind in kinds()}
    for post, rendered, findings in preview.posts:
        cols[kind_for(post.channel).name].append(
            render_block(
                campaign,
                post,
                rendered,
                findings,
                functools.partial(_image_src, campaign, item=post.item),
            )
        )
    status = (
        f'<span class="ok">全部 {len(preview.posts)} 条通过检查</span>'
        if not preview.findings
        else f'<span class="bad">{len(preview.findings)} 个问题需要处理</span>'
    )
    launch = "（启动日）" if preview.day == campaign.key_dates.launch else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{preview.day} 预览 · {escape(campaign.name)}</title><style>{css_font_face(campaign.brand.font)}{_STYLE}</style></head><body>",
        f"<header><h1>{escape(campaign.name)}：{preview.day.year}年{preview.day.month}月{preview.day.day}日{launch}内容预览</h1>",
        f"<p>主题：{escape(campaign.theme)}{status}</p>",
        *(f'<p><span class="bad">{escape(said)}</span></p>' for said in preview.said_once),
        "</header><main>",
    ]
    if preview.reminders:
        parts.append(
            '<section class="col"><h2>工作提醒</h2>'
            + "".join(f'<div class="reminder">{r.at:%H:%M} {escape(r.message)}</div>' for r in preview.reminders)
            + "</section>"
        )
    for name, blocks in cols.items():
        if blocks:
            parts.append(f'<section class="col"><h2>{escape(kind_for(name).label)}</h2>{"".join(blocks)}</section>')
    if not preview.posts:
        parts.append("<p>这一天没有排期内容。</p>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _findings_html(findings: list[Finding]) -> str:
    if not findings:
        return '<div class="ok">✓ 通过检查</div>'
    return '<ul class="findings">' + "".join(f"<li>{escape(f.reason)}</li>" for f in findings) + "</ul>"


def render_block(campaign: Campaign, post: PlannedPost, rendered: RenderedPost, findings: list[Finding], src: ImageSource) -> str:
    """One post as readers will see it (its kind draws it: phone-width article, Weibo card, screen slide…); HTML."""
    meta = f"{post.at:%H:%M}｜{AREAS[post.item.area]}｜{escape(post.id)}"
    return kind_for(post.channel).preview(campaign, post, rendered, src, meta, _findings_html(findings))


def kind_for(channel: str) -> Kind:
    kind = kind_named(channel.split(":", 1)[0])
    assert kind is not None, channel  # a planned post's channel is configured, so its kind is registered
    return kind
