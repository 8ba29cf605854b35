"""Each post as the work summary lists it: its slot, when it was sent and published, its channel, title,
link and figures (the annex, the late posts, the spreadsheet's 发布明细)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..channels.kinds import label_of, post_title
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem
from ..publishing import states as st
from ..publishing.queue import Post
from .lateness import Sent

PROBLEM_STATES = (st.FAILED, st.MISSED)
# Still waiting to go out (a rejected or cancelled post was held back on purpose): overdue once its slot is past.
NOT_SENT = (st.PLANNED, st.APPROVED, st.SCHEDULED)
# What a published post's 平台发布时间 is, for staff: the console's post page says the same of each post.
POLLED = "qm 查询到已发布的时间"
PUBLISHED_TIME = (
    "平台发布时间是平台告知的发布时间（发件箱是写入的时间，群发是平台应答的时间）；"
    f"公众号“发布”的文章平台不告知发布时间，取 {POLLED}，实际发布稍早；人工确认发布的是确认的时间"
)


@dataclass(frozen=True)
class PostRow:
    id: str
    at: dt.datetime
    channel: str
    channel_name: str
    area: str
    item: str
    title: str
    state: str
    link: str
    figures: dict[str, float]
    reason: str = ""  # why it failed or was missed
    went_out: dt.datetime | None = None  # when it was sent (`lateness.sent_times`); None if not out or recorded by hand (qm confirm)
    name: str = ""  # what the post is called, as the console's pages call it (a screen post: its headline)
    published: dt.datetime | None = None  # a published post's publish time (`PUBLISHED_TIME` says which clock)

    @property
    def delay(self) -> float:
        """Seconds it went out after its slot (0 when on time, not out, or its time is unknown)."""
        return max(0.0, (self.went_out - self.at).total_seconds()) if self.went_out else 0.0


def post_row(
    campaign: Campaign, post: Post, titles: dict[str, str], item: ContentItem | None, figures: dict[str, float], sent: Sent
) -> PostRow:
    tz = campaign.timezone
    title = titles.get(post.item) or post.item
    receipt = post.receipt
    link = (receipt.url or str(receipt.data.get("article_url", ""))) if receipt else ""
    reason = post.last_error if post.state in PROBLEM_STATES else ""
    went_out = dt.datetime.fromtimestamp(sent[post.id], tz) if post.id in sent else None
    out = post.published_at if post.state == st.PUBLISHED else None
    return PostRow(
        post.id,
        post.when(tz),
        post.channel,
        label_of(campaign, post.channel),
        post.area,
        post.item,
        title,
        post.state,
        link if link.startswith("http") else "",
        figures,
        reason,
        went_out,
        post_title(post.channel, item) if item is not None else title,
        dt.datetime.fromtimestamp(out, tz) if out is not None else None,
    )
