"""A post as the console's pages see it: the plan's slot joined with its queue row.

The queue holds posts from the day it was last filled on; days before that (and a campaign looked at
after the fact, such as the 2016 example) exist only in the plan. An `Entry` is either or both. What
a post will publish is the queue's payload when it is queued, else the plan rendered now; its check
results are computed once per version and kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..channels.kinds import post_title
from ..inputs.campaign import Campaign
from ..inputs.content import ContentItem, Library
from ..planning.planner import Plan, PlannedPost
from ..planning.slots import Slot
from ..poster import fonts
from ..poster.cache import file_id
from ..poster.freshness import drawn_stamp, out_of_date
from ..publishing import states as st
from ..publishing.queue import Post
from ..rendering.lint import lint_post
from ..rendering.payloads import RenderedPost, Renderer
from ..rendering.versions import exact_digest
from ..support.values import ImageRef
from ..views.day_preview import ItemVerdict, post_findings

UNQUEUED = "unqueued"  # in the plan, not (yet, or any more) in the queue
PARTLY = "partly"  # shown only: waiting for review with its current version past some of the stages
STATE_LABELS = {**st.LABELS, UNQUEUED: "未入队列", PARTLY: "部分阶段已通过"}
# Post states that flag a day as needing attention.
TROUBLE = frozenset({st.FAILED, st.MISSED, st.REJECTED})


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def channel_kind(channel: str) -> str:
    return channel.split(":", 1)[0]


@dataclass(frozen=True)
class Entry:
    id: str
    channel: str
    at: dt.datetime  # campaign time zone
    item: ContentItem | None
    planned: PlannedPost | None
    queued: Post | None
    passed: str = ""  # the last review stage its current version passed, while it waits for the next

    @property
    def state(self) -> str:
        return self.queued.state if self.queued else UNQUEUED

    @property
    def shown_state(self) -> str:
        """The state its dot shows: a post halfway through staged review apart from one nobody passed yet."""
        return PARTLY if self.passed and self.state == st.PLANNED else self.state

    @property
    def shown_label(self) -> str:
        return f"已通过{self.passed}，等待下一阶段" if self.shown_state == PARTLY else self.state_label

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def kind(self) -> str:
        return channel_kind(self.channel)

    @property
    def title(self) -> str:
        if self.item is not None:
            return post_title(self.channel, self.item)
        payload = self.queued.payload if self.queued else {}
        return str(payload.get("title") or payload.get("headline") or payload.get("text", ""))[:40]

    def as_planned(self) -> PlannedPost | None:
        """The plan's post, or one made from the queue row (a post dropped from the plan keeps its item)."""
        if self.planned is not None or self.item is None:
            return self.planned
        return PlannedPost(Slot(self.at, self.channel), self.item, "queue")


def entries(campaign: Campaign, plan: Plan, library: Library, queued: Iterable[Post], start: dt.date, end: dt.date) -> list[Entry]:
    """The posts whose slot falls in [start, end], plan and queue joined, in time order."""
    tz = campaign.timezone
    rows = {p.id: p for p in queued}
    out: dict[str, Entry] = {}
    for post in plan.posts:
        if start <= post.at.date() <= end:
            out[post.id] = Entry(post.id, post.channel, post.at, post.item, post, rows.pop(post.id, None))
    for row in rows.values():
        at = row.when(tz)
        if start <= at.date() <= end:
            out[row.id] = Entry(row.id, row.channel, at, library.get(row.item), None, row)
    return sorted(out.values(), key=lambda e: (e.at, e.id))


def window(campaign: Campaign, start: dt.date, end: dt.date) -> tuple[float, float]:
    """Epoch seconds of [start 00:00, the day after end 00:00) in the campaign's time zone."""
    return campaign.at(start, dt.time()).timestamp(), campaign.at(end + dt.timedelta(days=1), dt.time()).timestamp()


class Checks:
    """What a post will publish and what `qm check` says of it, computed once per version; and which of its
    posters on disk are out of date, judged once per poster file and its inputs (`out_of_date`)."""

    def __init__(self, campaign: Campaign, renderer: Renderer) -> None:
        self.campaign = campaign
        self.renderer = renderer
        self._rendered: dict[tuple[str, str], RenderedPost] = {}
        self._findings: dict[tuple[object, ...], list[str]] = {}
        self._items: dict[str, ItemVerdict] = {}
        self._old: dict[tuple[object, ...], bool] = {}
        self._no_font: bool | None = None

    def rendered(self, entry: Entry) -> RenderedPost | None:
        key = self._key(entry)
        if key not in self._rendered:
            if entry.queued is not None:
                self._rendered[key] = self.renderer.as_stored(entry.queued)
            else:
                planned = entry.as_planned()
                if planned is None:
                    return None
                self._rendered[key] = self.renderer.render(planned)
        return self._rendered[key]

    def findings(self, entry: Entry) -> list[str]:
        rendered = self.rendered(entry)
        # the poster files' and their layout templates' times (a poster redrawn, or drawn, since: the platform's
        # limits on its file), and which are out of date (a layout, the logo or a font changed)
        drawn = drawn_stamp(self.campaign, entry.item, rendered.images) if rendered and entry.item else ()
        old = self.out_of_date(entry.item, rendered.images) if rendered and not self.no_font else []
        key = (*self._key(entry), *drawn, *old)
        if key not in self._findings:
            if rendered is None:
                found = []
            elif entry.item is None:  # gone from the content library: its words only
                found = lint_post(self.campaign, rendered)
            else:
                found = post_findings(self.campaign, entry.item, rendered, self._items, self.no_font, old)
            self._findings[key] = [f.reason for f in found]
        return self._findings[key]

    def out_of_date(self, item: ContentItem | None, images: Sequence[ImageRef]) -> list[ImageRef]:
        """The posters of `item` on disk drawn from other inputs (`freshness.out_of_date`): what the day page
        flags, the posters page marks and an approval is refused for. Each is judged once while its words, its
        file and layout file's times (`drawn_stamp`), the logo, the photograph and the fonts stay the same."""
        if item is None or not images:
            return []
        fonts_now = [f.identity for f in fonts.candidates(self.campaign.brand.font)]
        inputs = (file_id(self.campaign.brand.logo), file_id(self.campaign.posters.photo), *fonts_now)
        keys = {image: (item.id, item.digest, image, *drawn_stamp(self.campaign, item, [image]), *inputs) for image in images}
        if unknown := [image for image, key in keys.items() if key not in self._old]:
            old = out_of_date(self.campaign, item, unknown)
            self._old.update((keys[image], image in old) for image in unknown)
        return [image for image in images if self._old[keys[image]]]

    def stale(self, entry: Entry) -> bool:
        """A poster of the post on disk shows its words from before a change, so it may not be approved until
        drawn again (not said without a Chinese font: it cannot be drawn again, the font is why)."""
        rendered = self.rendered(entry)
        return not self.no_font and rendered is not None and bool(self.out_of_date(entry.item, rendered.images))

    @property
    def no_font(self) -> bool:
        """No Chinese font at all (looked for once, until `forget`): each post then says briefly that its
        posters cannot be drawn, and the pages say once what is missing (`no_font_notice`)."""
        if self._no_font is None:
            self._no_font = fonts.none_found(self.campaign.brand.font)
        return self._no_font

    def no_font_notice(self) -> str:
        """What the pages with posts say at their top when no Chinese font is found ("" when one is)."""
        return f"问题：{fonts.no_font_problem()}" if self.no_font else ""

    def problems(self, entry: Entry) -> list[str]:
        """Check findings, and the post's own trouble (failed, missed, rejected) with its reason."""
        out = list(self.findings(entry))
        if entry.queued is not None and entry.state in TROUBLE:
            out.append(f"{entry.state_label}：{entry.queued.last_error}" if entry.queued.last_error else entry.state_label)
        return out

    @staticmethod
    def _key(entry: Entry) -> tuple[str, str]:
        version = exact_digest(entry.queued.payload) if entry.queued else (entry.item.digest if entry.item else "")
        return entry.id, version  # the exact payload: a version stays the same through a whitespace-only edit

    def forget(self) -> None:
        self._rendered.clear()
        self._findings.clear()
        self._items.clear()
        self._old.clear()
        self._no_font = None
